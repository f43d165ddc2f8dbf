"""An entity's neighbourhood, drawn by graphviz's `dot` (Debian's `graphviz`): the entity in
the middle, the things linking to it on the left and those it links to on the right, one
box per property listing its things. Every name is inside a node, and dot never lays two
nodes over each other, so no label covers another whatever the names; each thing is a real
link (<a> in the SVG). The same neighbourhood is also a list, which a page shows where the
drawing would be too small to read (a phone) and in its place when `dot` is missing.

dot runs once per distinct drawing (remembered by its source), and `policykg pages` has one
dot draw a whole batch of pages' drawings (starting dot costs more than a layout); a
drawing dot cannot make in time is left out, never waited on.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from markupsafe import Markup, escape

from .entity_view import EntityView, Value
from .visible import visible

LABEL_CHARS = 36  # a thing's name in its box; the whole name is the link's title
CENTRE_CHARS = 40
DOT_SECONDS = 5.0  # for a page's drawing, and for each GRAPHS_PER_TIMEOUT of a batch's
GRAPHS_PER_TIMEOUT = 50
DRAWINGS_KEPT = 512
FONT = "DejaVu Sans"  # the font dot measures with (fontconfig); site.css asks for it too
GRAPH = f"""digraph around {{
graph [rankdir=LR, nodesep=0.18, ranksep=0.4, bgcolor="transparent", fontname="{FONT}"];
node [shape=plain, fontname="{FONT}", fontsize=14];
edge [color="#7b8794", arrowsize=0.7];
"""
CENTRE = ('<table border="1" cellborder="0" cellpadding="7" bgcolor="#1f5fa8" '
          'color="#1f5fa8"><tr><td><font color="#ffffff"><b>{}</b></font></td></tr></table>')
BOX = ('<table border="1" cellborder="0" cellspacing="0" cellpadding="6" color="#9aa7b5" '
       'bgcolor="#f6f9fc"><tr><td align="left"><font point-size="12" color="#4f5964">{}'
       '</font></td></tr>{}</table>')
THING = ('<tr><td align="left" href="{}" title="{}"><font color="#1f5fa8"><u>{}</u></font>'
         '</td></tr>')
MORE = ('<tr><td align="left" href="{}" title="{}"><font color="#1f5fa8"><i>{}</i></font>'
        '</td></tr>')
# What dot writes that a page does not want: its prolog, comments, and the <title> of every
# node and edge (their internal names: n0, n0->c), which a screen reader would announce.
# Their ids too: dot numbers its anchors across the graphs of one run.
UNWANTED = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|<title>.*?</title>"
                      r'| id="[^"]*"', re.S)
MARKER = "<!--policykg-drawing:{}-->"
DOCUMENTS = re.compile(r"(?=<\?xml )")  # where each graph's SVG starts in dot's output
FOUND_MARKER = re.compile(rb"<!--policykg-drawing:[0-9a-f]{64}-->")
BLANK_LINES = re.compile(r"\n\s*\n")
SIZE = re.compile(r'<svg width="(\d+)pt" height="(\d+)pt"')


@dataclass(frozen=True)
class Around:
    """The things one property links the entity to (or from)."""

    via: Value
    outgoing: bool  # the entity links to them; else they link to it
    things: list[Value]
    left: int = 0  # those left out of the drawing
    more: str = ""  # where they are all listed

    @property
    def more_text(self) -> str:
        return f"and {self.left:,} more …"


@dataclass(frozen=True)
class Picture:
    around: list[Around]
    svg: Markup | None  # None where dot is missing or failed: the list alone
    left: int = 0  # links of properties not drawn at all, listed in the page's sections


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def grouped(view: EntityView) -> list[Around]:
    """The diagram's neighbours, by property and direction, in the page's order, each
    saying how many it leaves out and where they are all: the property's list when it has
    one, else the page's section that lists them."""
    found: dict[tuple[str | None, bool], list[Value]] = {}
    for value, via, outgoing in view.neighbours:
        found.setdefault((via.iri, outgoing), []).append(value)
    around = []
    for groups, outgoing, section in ((view.groups, True, "#facts"),
                                      (view.incoming, False, "#incoming")):
        for g in groups:
            things = found.get((g.predicate.iri, outgoing))
            if things:
                listed = g.more if g.more and not outgoing else section  # not the Turtle
                around.append(Around(g.predicate, outgoing, things, g.total - len(things),
                                     listed))
    return around


def picture(view: EntityView) -> Picture | None:
    around = grouped(view)
    if not around:
        return None
    drawn = {(a.via.iri, a.outgoing) for a in around}
    left = sum(g.total for groups, outgoing in ((view.groups, True), (view.incoming, False))
               for g in groups if (g.predicate.iri, outgoing) not in drawn
               and any(v.internal for v in g.values))
    return Picture(around, drawing(dot_source(view.label, around), view.label), left)


def dot_source(label: str, around: list[Around]) -> str:
    """The DOT text of the drawing: every name escaped as HTML-like label text (dot reads
    entities), hidden characters made visible first (server/visible.py)."""
    def text(value: str, limit: int) -> str:
        return str(escape(cut(visible(value), limit)))

    lines = [GRAPH, f"c [label=<{CENTRE.format(text(label, CENTRE_CHARS))}>];\n"]
    for i, group in enumerate(around):
        rows = "".join(THING.format(escape(v.href or ""), escape(visible(v.text)),
                                    text(v.text, LABEL_CHARS)) for v in group.things)
        if group.left:
            rows += MORE.format(escape(group.more), escape(group.more_text),
                                escape(group.more_text))
        lines.append(f"g{i} [label=<{BOX.format(text(group.via.text, LABEL_CHARS), rows)}>];\n")
        lines.append(f"c -> g{i};\n" if group.outgoing else f"g{i} -> c;\n")
    lines.append("}\n")
    return "".join(lines)


def drawing(source: str, label: str) -> Markup | None:
    """The drawing as the page puts it; while drawings are deferred (a batch of pages
    rendered ahead), a marker that `finish` replaces with it."""
    if source not in _drawn and _waiting is not None and shutil.which("dot"):
        marker = MARKER.format(hashlib.sha256(source.encode()).hexdigest())
        _waiting[marker] = (source, label)
        return Markup(marker)
    return _placed(draw([source])[0], label)


def _placed(svg: str | None, label: str) -> Markup | None:
    if svg is None:
        return None
    name = escape(visible(f"{label} and the things linked to it"))
    return Markup(SIZE.sub(
        lambda m: f'<svg width="{m[1]}" height="{m[2]}" class="neighbourhood" role="group" '
                  f'aria-label="{name}"', svg, count=1))


_drawn: dict[str, str] = {}  # source → SVG, for the drawings this process made
_waiting: dict[str, tuple[str, str]] | None = None  # marker → (source, label), deferred


def draw(sources: list[str]) -> list[str | None]:
    """dot's SVG of each source, without what a page does not want (None where dot is
    missing, fails or takes too long): one dot for all that were not drawn before, as
    starting dot costs more than laying out a neighbourhood. dot writes one SVG document
    per graph of its input, in order; the same, ids apart, as for that graph alone."""
    new = list(dict.fromkeys(s for s in sources if s not in _drawn))
    if new:
        if len(_drawn) + len(new) > DRAWINGS_KEPT:
            _drawn.clear()
        documents = _dot("".join(new), len(new))
        if documents is None or len(documents) != len(new):  # one graph spoilt the run
            documents = [(_dot(s, 1) or [None])[0] for s in new] if len(new) > 1 else [None]
        _drawn.update((s, d) for s, d in zip(new, documents, strict=True) if d is not None)
    return [_drawn.get(s) for s in sources]


def _dot(source: str, graphs: int) -> list[str] | None:
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, check=False,
                              timeout=DOT_SECONDS * (1 + graphs // GRAPHS_PER_TIMEOUT))
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return [BLANK_LINES.sub("\n", UNWANTED.sub("", document)).strip()
            for document in DOCUMENTS.split(done.stdout.decode("utf-8")) if document]


def defer() -> None:
    """From now on, drawings wait for `finish` (a process rendering pages ahead)."""
    global _waiting
    _waiting = {}


def finish(bodies: list[bytes]) -> list[bytes | None]:
    """The pages with their deferred drawings in place, all drawn by one dot; None for a
    page whose drawing dot did not make (to be rendered again, undeferred, as a request
    would render it)."""
    global _waiting
    waiting, _waiting = _waiting or {}, {}
    markers = list(waiting)
    svgs = draw([waiting[m][0] for m in markers])
    drawn = {m.encode(): _placed(svg, waiting[m][1]) for m, svg in zip(markers, svgs,
                                                                        strict=True)}
    done: list[bytes | None] = []
    for body in bodies:
        for marker in FOUND_MARKER.findall(body):
            if drawn.get(marker) is None:
                body = None
                break
            body = body.replace(marker, str(drawn[marker]).encode("utf-8"))
        done.append(body)
    return done


@contextmanager
def undeferred() -> Iterator[None]:
    """Drawings made at once for a while (a page rendered again after `finish`)."""
    global _waiting
    kept, _waiting = _waiting, None
    try:
        yield
    finally:
        _waiting = kept
