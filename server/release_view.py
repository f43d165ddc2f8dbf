"""The annotated release: its frozen text cut into segments at every evidence boundary, so
each statement's span can be highlighted and each mention linked, however they nest."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from graph.iris import OA
from ontology import PK

from . import describe
from .entity_view import Viewer
from .links import Links

TEXT = NamedNode(PK + "text")


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
        release, TEXT, None)), "")
    statements, mentions = [], []
    statement_class = NamedNode(PK + "Statement")
    for evidence in describe.subjects(store, describe.SOURCE, release):
        where = describe.span(store, evidence)
        if where.start is None or where.end is None:
            continue
        for said in describe.subjects(store, NamedNode(PK + "evidence"), evidence):
            if describe.is_a(store, said, statement_class.value):
                statements.append((where.start, where.end, said))
        for mention in describe.subjects(store, NamedNode(OA + "hasTarget"), evidence):
            entity = describe.one(store, mention, NamedNode(OA + "hasBody"))
            if entity is not None:
                mentions.append((where.start, where.end, entity))
    statements.sort(key=lambda s: (s[0], s[1]))
    mentions.sort(key=lambda m: (m[0], m[1]))
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
