"""HTML to the plain text a release's offsets count in.

Releases are published as web pages; evidence offsets must be reproducible, so the text is
made here, once, by one documented rule: the main content only (``<main>``, an element with
id/class ``main``/``content``, ``<article>``, else ``<body>``), navigation, header, footer,
scripts and styles dropped, and each block element on a line of its own, blocks separated
by a blank line — the layout of the bundled plain-text release. A table's row is one line,
its cells joined by " | ", so a row ("Name | Post | Organisation") reads as one item.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr",
    "section", "article", "main", "header", "footer", "blockquote", "dl", "dt", "dd", "br",
    "address", "pre",
}
_CELLS = {"td", "th"}
CELL_SEPARATOR = " | "
_SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template", "aside", "form"}
_MAIN_IDS = {"main", "content", "main-content", "maincontent", "contents"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "wbr"}


class _Extractor(HTMLParser):
    """Collects text per candidate root so the best content root can be chosen afterwards."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.skip_depth = 0
        self.roots: dict[str, list[str]] = {"main": [], "article": [], "body": [], "idmain": []}
        self.title_parts: list[str] = []
        self.in_title = False
        self.cells = 0  # cells of the current table row so far

    def _active_roots(self) -> list[str]:
        names = {tag for tag, _ in self.stack}
        roots = ["body"] if "body" in names or not self.stack else []
        if "main" in names:
            roots.append("main")
        if "article" in names:
            roots.append("article")
        if any(marker == "idmain" for _, marker in self.stack):
            roots.append("idmain")
        return roots or ["body"]

    def _emit(self, text: str) -> None:
        if self.skip_depth:
            return
        for root in self._active_roots():
            self.roots[root].append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        attr = dict(attrs)
        ident = {(attr.get("id") or "").lower(), *((attr.get("class") or "").lower().split())}
        marker = "idmain" if ident & _MAIN_IDS else None
        if tag in _BLOCKS:
            self._emit("\n\n")
        if tag == "tr":
            self.cells = 0
        elif tag in _CELLS:
            if self.cells:
                self._emit(CELL_SEPARATOR)
            self.cells += 1
        if tag in _VOID:
            return
        self.stack.append((tag, marker))
        if tag in _SKIP:
            self.skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag in _SKIP:
                self.skip_depth -= 1
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._emit("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        self._emit(data)


def html_to_text(html: str) -> str:
    """Return the main content of an HTML page as paragraphs separated by blank lines."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    for root in ("main", "idmain", "article", "body"):
        text = _tidy("".join(parser.roots[root]))
        if text:
            return text
    return ""


def _tidy(raw: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", raw):
        line = re.sub(r"\s+", " ", block).strip()
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)
