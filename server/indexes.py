"""The lists a browse starts from: the things of a kind with how much was said about each,
and a meeting's agenda."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Store

from graph.iris import RDFS
from ontology import PK

from . import describe
from .dataset import Opened
from .entity_view import Value, Viewer
from .links import Links

SUB_CLASS_OF = NamedNode(RDFS + "subClassOf")
# Index pages: the kind in the IRI path → the ontology class of the things listed, and the
# page's title.
KINDS = {"actor": ("Actor", "Actors"), "person": ("Person", "People"),
         "initiative": ("Initiative", "Initiatives"),
         "topic": ("Topic", "Topics"), "meeting": ("Meeting", "Meetings"),
         "series": ("DialogueSeries", "Dialogue series"), "place": ("Place", "Places"),
         "release": ("Release", "Releases"), "statement": ("Statement", "Statements")}


@dataclass
class Listing:
    title: str
    cls: Value  # the class listed
    breakdown: list[tuple[Value, int]]  # (sub-class, how many)
    total: int
    items: list[tuple[Value, Value, int]]  # (thing, its kind, statements)


@dataclass(frozen=True)
class Counted:
    """A kind's things, most discussed first: computed once per store version and process
    (it walks every thing of the kind), then paged."""

    breakdown: list[tuple[NamedNode, int]]
    items: list[tuple[NamedNode, NamedNode, int]]


def counted(current: Opened, kind: str) -> Counted:
    key = ("index", kind)
    if key not in current.memo:
        current.memo[key] = _count(current.store, NamedNode(PK + KINDS[kind][0]))
    return current.memo[key]


def _count(store: Store, cls: NamedNode) -> Counted:
    classes, frontier = [cls], [cls]
    while frontier:  # the class and its sub-classes, from the ontology
        frontier = [s for c in frontier for s in describe.subjects(store, SUB_CLASS_OF, c)
                    if s not in classes]
        classes += frontier
    links = describe.statement_predicates(store)
    kinds: dict[NamedNode, NamedNode] = {}
    breakdown = []
    for k in reversed(classes):  # the most specific kind first
        members = list(describe.subjects(store, describe.TYPE, k))
        if members:
            breakdown.append((k, len(members)))
        for member in members:
            kinds.setdefault(member, k)
    scored = []
    for thing, k in kinds.items():
        said = {s for predicate in links for s in describe.subjects(store, predicate, thing)}
        scored.append((-len(said), (describe.label(store, thing) or thing.value).casefold(),
                       thing, k))
    scored.sort(key=lambda s: (s[0], s[1], s[2].value))
    return Counted(sorted(breakdown, key=lambda b: (-b[1], b[0].value)),
                   [(thing, k, -n) for n, _, thing, k in scored])


def listing(current: Opened, links: Links, kind: str, offset: int, limit: int) -> Listing:
    viewer = Viewer(current.store, current.base, links)
    cls = NamedNode(PK + KINDS[kind][0])
    found = counted(current, kind)
    items = [(viewer.value(thing), viewer.value(k), n)
             for thing, k, n in found.items[offset:offset + limit]]
    breakdown = [(viewer.value(k), n) for k, n in found.breakdown]
    return Listing(KINDS[kind][1], viewer.value(cls), breakdown, len(found.items), items)


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
