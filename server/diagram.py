"""An entity's neighbourhood, drawn by graphviz's `dot` (Debian's `graphviz`): the entity in
the middle, the things linking to it on the left and those it links to on the right, one
box per property listing its things. Every name is inside a node, and dot never lays two
nodes over each other, so no label covers another whatever the names; each thing is a real
link (<a> in the SVG). The same neighbourhood is also a list, which a page shows where the
drawing would be too small to read (a phone) and in its place when `dot` is missing.

dot runs once per distinct drawing (remembered by its source; `policykg pages` draws each
page's once, ahead of time); a drawing it cannot make in time is left out, never waited on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from .entity_view import EntityView, Value
from .visible import visible

LABEL_CHARS = 36  # a thing's name in its box; the whole name is the link's title
CENTRE_CHARS = 40
DOT_SECONDS = 5.0
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
# What dot writes that a page does not want: its prolog, comments, and the <title> of every
# node and edge (their internal names: n0, n0->c), which a screen reader would announce.
UNWANTED = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|<title>.*?</title>", re.S)
BLANK_LINES = re.compile(r"\n\s*\n")
SIZE = re.compile(r'<svg width="(\d+)pt" height="(\d+)pt"')


@dataclass(frozen=True)
class Around:
    """The things one property links the entity to (or from)."""

    via: Value
    outgoing: bool  # the entity links to them; else they link to it
    things: list[Value]


@dataclass(frozen=True)
class Picture:
    around: list[Around]
    svg: Markup | None  # None where dot is missing or failed: the list alone


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def grouped(view: EntityView) -> list[Around]:
    """The diagram's neighbours, by property and direction, in the page's order."""
    found: dict[tuple[str | None, bool], Around] = {}
    for value, via, outgoing in view.neighbours:
        found.setdefault((via.iri, outgoing), Around(via, outgoing, [])).things.append(value)
    return list(found.values())


def picture(view: EntityView) -> Picture | None:
    around = grouped(view)
    if not around:
        return None
    return Picture(around, drawing(dot_source(view.label, around), view.label))


def dot_source(label: str, around: list[Around]) -> str:
    """The DOT text of the drawing: every name escaped as HTML-like label text (dot reads
    entities), hidden characters made visible first (server/visible.py)."""
    def text(value: str, limit: int) -> str:
        return str(escape(cut(visible(value), limit)))

    lines = [GRAPH, f"c [label=<{CENTRE.format(text(label, CENTRE_CHARS))}>];\n"]
    for i, group in enumerate(around):
        rows = "".join(THING.format(escape(v.href or ""), escape(visible(v.text)),
                                    text(v.text, LABEL_CHARS)) for v in group.things)
        lines.append(f"g{i} [label=<{BOX.format(text(group.via.text, LABEL_CHARS), rows)}>];\n")
        lines.append(f"c -> g{i};\n" if group.outgoing else f"g{i} -> c;\n")
    lines.append("}\n")
    return "".join(lines)


def drawing(source: str, label: str) -> Markup | None:
    svg = _svg(source)
    if svg is None:
        return None
    name = escape(f"{label} and the things linked to it")
    return Markup(SIZE.sub(
        lambda m: f'<svg width="{m[1]}" height="{m[2]}" class="neighbourhood" role="group" '
                  f'aria-label="{name}"', svg, count=1))


@lru_cache(maxsize=DRAWINGS_KEPT)
def _svg(source: str) -> str | None:
    """dot's SVG of the source, without what a page does not want; None when dot is
    missing, fails or takes too long."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, timeout=DOT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return BLANK_LINES.sub("\n", UNWANTED.sub("", done.stdout.decode("utf-8"))).strip()
