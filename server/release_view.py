"""The annotated release: its frozen text cut into segments at every evidence boundary, so
each statement's span can be highlighted and each mention linked, however they nest."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from . import describe
from .entity_view import Viewer
from .links import Links

TEXT = "ontology#text"


@dataclass
class Segment:
    text: str
    statement: str | None = None  # link to the statement whose span this is part of
    statement_label: str | None = None
    mention: str | None = None  # link to the entity mentioned here
    mention_label: str | None = None
    anchors: list[str] = field(default_factory=list)  # ids of spans starting here
    ends: list[tuple[int, str]] = field(default_factory=list)  # (number, link) ending here


@dataclass
class Annotated:
    segments: list[Segment]
    statements: int
    mentions: int


def annotated(store: Store, base: str, links: Links, release: NamedNode) -> Annotated:
    viewer = Viewer(store, base, links)
    text = next((q.object.value for q in store.quads_for_pattern(
        release, NamedNode(base + TEXT), None)), "")
    statements = [(int(r["start"].value), int(r["end"].value), r["st"])
                  for r in describe.select(store, base, "release-statements", r=release)]
    mentions = [(int(r["start"].value), int(r["end"].value), r["entity"])
                for r in describe.select(store, base, "release-mentions", r=release)]
    numbers = {st.value: n for n, (_, _, st) in enumerate(statements, 1)}
    cuts = sorted({0, len(text)} | {i for s, e, _ in statements + mentions for i in (s, e)
                                   if 0 <= i <= len(text)})
    segments = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        segment = Segment(text[a:b])
        covering = [(e - s, st) for s, e, st in statements if s <= a and b <= e]
        if covering:
            node = min(covering, key=lambda c: c[0])[1]
            value = viewer.value(node)
            segment.statement, segment.statement_label = value.href, value.text
        inner = [(e - s, m) for s, e, m in mentions if s <= a and b <= e]
        if inner:
            value = viewer.value(min(inner, key=lambda c: c[0])[1])
            segment.mention, segment.mention_label = value.href, value.text
        segment.anchors = list(dict.fromkeys(
            f"t-{s}-{e}" for s, e, _ in statements + mentions if s == a))
        segment.ends = [(numbers[st.value], viewer.value(st).href)
                        for s, e, st in statements if e == b]
        segments.append(segment)
    return Annotated(segments, len(statements), len(mentions))
