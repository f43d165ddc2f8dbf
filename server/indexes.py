"""The lists a browse starts from: the things of a kind with how much was said about each,
and a meeting's agenda."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

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
# Kinds whose index is another view (its endpoint): statements are read as the statements
# table, with their speakers, acts, topics and quotes, filters and downloads; a list of their
# labels with "statements linked to it" (0 for nearly each) would be a poorer copy of it.
ELSEWHERE = {"statement": "statements.statements"}


@dataclass
class Kind:
    """A kind in the breakdown of an index: how many, and the index of those only."""

    cls: Value
    count: int
    name: str  # as the URL writes it: ?kind=Law
    href: str
    selected: bool


@dataclass
class Status:
    """An initiative's latest status as a release states it: it holds as of that date."""

    status: Value
    as_of: str
    release: Value | None


@dataclass
class Details:
    """What the initiatives index shows beside an initiative."""

    statuses: list[Status] = field(default_factory=list)  # two releases of a date: both
    owners: list[Value] = field(default_factory=list)
    implementers: list[Value] = field(default_factory=list)
    topics: list[tuple[Value, int]] = field(default_factory=list)  # most statements first
    adopted_as: list[Value] = field(default_factory=list)  # the act a proposal became
    adopted_from: list[Value] = field(default_factory=list)  # the proposal an act was


@dataclass
class Listing:
    title: str
    cls: Value  # the class listed
    breakdown: list[Kind]
    total: int
    items: list[tuple[Value, Value, int]]  # (thing, its kind, statements)
    chosen: Kind | None = None  # the kind the list is narrowed to
    details: list[Details] | None = None  # per item, for initiatives
    # whether any thing of the kind has statements linked to it: a column that is 0 on
    # every row (releases and series: statements reach them through their evidence and
    # meetings, not a link of their own) says nothing and is not shown
    said: bool = True


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


class UnknownKind(ValueError):
    """A ?kind= that is not one of the index's kinds (its message names them)."""


TOPICS_SHOWN = 3  # an initiative's topics in the initiatives index


def listing(current: Opened, links: Links, kind: str, offset: int, limit: int,
            narrowed: str | None = None) -> Listing:
    """A page of the index, narrowed to one sub-class when `narrowed` names one (its local
    name, as the kind links write it: ?kind=Law)."""
    viewer = Viewer(current.store, current.base, links)
    cls = NamedNode(PK + KINDS[kind][0])
    found = counted(current, kind)
    here = f"{links.root}/page/{kind}/"
    names = {k: _local(k) for k, _ in found.breakdown}
    if narrowed is not None and narrowed not in names.values():
        raise UnknownKind(f"kind= must be one of {', '.join(sorted(names.values()))}, "
                          f"not {narrowed!r}")
    breakdown = [Kind(viewer.value(k), n, names[k], f"{here}?{urlencode({'kind': names[k]})}",
                      names[k] == narrowed) for k, n in found.breakdown]
    things = found.items
    if narrowed is not None:  # the things of that class, as many as its count says
        cls_of = next(k for k, name in names.items() if name == narrowed)
        members = set(describe.subjects(current.store, describe.TYPE, cls_of))
        things = [item for item in found.items if item[0] in members]
    shown = things[offset:offset + limit]
    # a thing's kind links to the index of that kind, as the breakdown does
    kinds = {k.cls.iri: replace(k.cls, href=k.href if not k.selected else None)
             for k in breakdown}
    items = [(viewer.value(thing), kinds.get(k.value) or viewer.value(k), n)
             for thing, k, n in shown]
    details = None
    if kind == "initiative":
        known = initiative_details(current)
        details = [_details(viewer, known.get(thing.value)) for thing, _, _ in shown]
    return Listing(KINDS[kind][1], viewer.value(cls), breakdown, len(things), items,
                   next((k for k in breakdown if k.selected), None), details,
                   any(n for _, _, n in found.items))


def _local(cls: NamedNode) -> str:
    return cls.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class Known:
    """An initiative's statuses, owners, implementers, topics and other stages as IRIs,
    read once per store version for the whole index (server/queries/initiatives-index.rq)."""

    statuses: dict[tuple[str, str, str | None], str] = field(default_factory=dict)
    owners: list[str] = field(default_factory=list)
    implementers: list[str] = field(default_factory=list)
    topics: dict[str, int] = field(default_factory=dict)
    stages: dict[str, list[str]] = field(default_factory=dict)  # "adopted as"/"from" → IRIs


def initiative_details(current: Opened) -> dict[str, Known]:
    key = ("index", "initiative-details")
    if key not in current.memo:
        known: dict[str, Known] = {}
        for row in describe.select(current.store, current.base, "initiatives-index"):
            entry = known.setdefault(row["i"].value, Known())
            what, other = row["what"].value, row["o"].value
            if what == "status":
                release = row["release"].value if row["release"] is not None else None
                entry.statuses[(row["asOf"].value, other, release)] = \
                    row["issued"].value if row["issued"] is not None else ""
            elif what == "topic":
                entry.topics[other] = int(row["n"].value)
            elif what.startswith("adopted"):
                entry.stages.setdefault(what, []).append(other)
            else:
                listed = entry.owners if what == "owner" else entry.implementers
                if other not in listed:
                    listed.append(other)
        current.memo[key] = known
    return current.memo[key]


def _details(viewer: Viewer, known: Known | None) -> Details:
    """The latest status claims (the latest as-of date; every claim of that date), the
    owners and implementers by name, the most discussed topics."""
    if known is None:
        return Details()
    statuses = []
    if known.statuses:
        latest = max(as_of for as_of, _, _ in known.statuses)
        statuses = [Status(viewer.value(NamedNode(status)), as_of,
                           viewer.value(NamedNode(release)) if release else None)
                    for as_of, status, release in sorted(known.statuses) if as_of == latest]
    topics = sorted(((viewer.value(NamedNode(t)), n) for t, n in known.topics.items()),
                    key=lambda t: (-t[1], t[0].text.casefold()))
    return Details(statuses, _named(viewer, known.owners), _named(viewer, known.implementers),
                   topics[:TOPICS_SHOWN], _named(viewer, known.stages.get("adopted as", [])),
                   _named(viewer, known.stages.get("adopted from", [])))


def _named(viewer: Viewer, iris: list[str]) -> list[Value]:
    return sorted((viewer.value(NamedNode(i)) for i in iris), key=lambda v: v.text.casefold())


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
