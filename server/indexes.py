"""The lists a browse starts from: the things of a kind with how much was said about each,
and a meeting's agenda."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from pyoxigraph import NamedNode, Store

from . import describe
from .entity_view import Value, Viewer
from .links import Links

# Index pages: the kind in the IRI path → the ontology class of the things listed, and the
# page's title.
KINDS = {"actor": ("Actor", "Actors"), "initiative": ("Initiative", "Initiatives"),
         "topic": ("Topic", "Topics"), "meeting": ("Meeting", "Meetings"),
         "series": ("DialogueSeries", "Dialogue series"), "place": ("Place", "Places"),
         "release": ("Release", "Releases"), "statement": ("Statement", "Statements")}


@dataclass
class Listing:
    title: str
    cls: Value  # the class listed
    breakdown: list[tuple[Value, int]]  # (sub-class, how many)
    total: int
    items: list[tuple[Value, Value, int]]  # (thing, its most specific kind, statements)


def listing(store: Store, base: str, links: Links, kind: str, offset: int, limit: int
            ) -> Listing:
    viewer = Viewer(store, base, links)
    cls = NamedNode(f"{base}ontology#{KINDS[kind][0]}")
    breakdown = [(viewer.value(row["k"]), int(row["n"].value))
                 for row in describe.select(store, base, "index-kinds", **{"class": cls})]
    total = max((n for value, n in breakdown if value.iri == cls.value), default=0)
    rows = describe.select(store, base, "index", **{"class": cls})
    items = [(viewer.value(row["x"]), viewer.value(row["kind"]), int(row["n"].value))
             for row in islice(rows, offset, offset + limit)]
    others = [b for b in breakdown if b[0].iri != cls.value]
    return Listing(KINDS[kind][1], viewer.value(cls), others, total, items)


@dataclass
class AgendaItem:
    position: int
    topic: Value
    statements: int


def agenda(store: Store, base: str, links: Links, meeting: NamedNode) -> list[AgendaItem]:
    viewer = Viewer(store, base, links)
    return [AgendaItem(int(row["position"].value), viewer.value(row["topic"]),
                       int(row["n"].value))
            for row in describe.select(store, base, "agenda", m=meeting)]
