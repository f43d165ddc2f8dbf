"""An entity page's content, assembled from what the store says (server/describe.py): the
values to show, labelled and linked, grouped by property, with the statements and stated
relations that evidence them. Nothing here knows HTML; the templates do."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, serialize

from graph.iris import OA, RDF, RDFS, SKOS, XSD
from ontology import PK

from . import describe
from .links import Links
from .visible import HIDDEN

SHOWN_APART = {RDF + "type", RDFS + "label", SKOS + "prefLabel"}  # the page's title and kinds
# Links that only carry the evidence model (annotations, reification): listed last.
PLUMBING = {OA + "hasBody", OA + "hasTarget", RDF + "subject", RDF + "object"}
VALUES_SHOWN = 12  # per property; the rest on a list of their own or in the description
SAID_PAGE = 20
RELATIONS_SHOWN = 20  # stated relations on a page; all are in its RDF and the endpoint


@dataclass(frozen=True)
class Value:
    """An RDF term as a page shows it."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None  # shown for typed literals other than strings
    internal: bool = False  # one of ours (a page here) rather than elsewhere


@dataclass
class Group:
    predicate: Value
    values: list[Value]
    total: int
    more: str | None = None  # where the whole list is, when only part is shown


@dataclass
class SaidView:
    statement: Value
    speakers: list[Value]
    attribution: str | None
    act: Value | None
    topics: list[Value]
    meeting: Value | None
    quotes: list[tuple[str, str | None]]  # (quoted text, link into the release view)


@dataclass
class RelationView:
    subject: Value
    predicate: Value
    object: Value
    quotes: list[tuple[str, str | None]]
    # the releases that state it, with their dates: it holds as of each (relation_asof.html)
    sources: list[tuple[Value, str]] = field(default_factory=list)


@dataclass
class EntityView:
    iri: str
    label: str
    kinds: list[Value]
    definition: str | None
    aliases: list[str]
    groups: list[Group]
    incoming: list[Group]
    external: list[Value]
    said: list[SaidView]
    said_total: int
    said_offset: int
    relations: list[RelationView]
    relations_total: int
    text: list[tuple[str, str | None]]  # the spans it rests on (evidence, mentions, facts)
    text_total: int  # how many there are (a topic found in every release: hundreds)
    neighbours: list[tuple[Value, Value, bool]] = field(default_factory=list)  # (node, via, out)
    jsonld: str = ""


LABELS_KEPT = 100_000  # labels a worker remembers for the store it serves


_LABELS: list = [None, {}]  # the store they were read from (held, so it is that one), labels


def remembered_labels(store: Store) -> dict[str, str | None]:
    """The labels looked up in this store so far, shared by the requests a worker serves:
    the same neighbours (the parties, the topics, the speech acts, the ontology's terms)
    are on page after page, and the store does not change under an open Store."""
    if _LABELS[0] is not store or len(_LABELS[1]) > LABELS_KEPT:
        _LABELS[:] = [store, {}]  # another store (a rebuild), or too many: start again
    return _LABELS[1]


class Viewer:
    """Turns terms into Values for one store, base and link scheme, remembering labels."""

    def __init__(self, store: Store, base: str, links: Links) -> None:
        self.store, self.base, self.links = store, base, links
        self.labels = remembered_labels(store)

    def label_of(self, node) -> str | None:
        if node.value not in self.labels:
            self.labels[node.value] = describe.label(self.store, node)
        return self.labels[node.value]

    def value(self, term) -> Value:
        if isinstance(term, Literal):
            datatype = term.datatype.value
            shown = None if term.language or datatype == XSD + "string" \
                else describe.compact(datatype, self.base)
            return Value(term.value, language=term.language, datatype=shown)
        if isinstance(term, BlankNode):
            return Value(f"_:{term.value}")
        iri = term.value
        text = self.label_of(term) or describe.compact(iri, self.base)
        return Value(text, self.links.href(iri), iri, internal=self.links.ours(iri))

    def quotes(self, spans: list[describe.Span]) -> list[tuple[str, str | None]]:
        return [(span.quote, self.links.in_release(span.release.value, span.start, span.end)
                 if span.release is not None and span.start is not None else None)
                for span in spans]

    def sources(self, spans: list[describe.Span]) -> list[tuple[Value, str]]:
        """The releases the spans are in, each with its date, oldest first: what they state
        holds as of that date."""
        releases = dict.fromkeys(s.release for s in spans if s.release is not None)
        return sorted(((self.value(r), describe.issued(self.store, r)) for r in releases),
                      key=lambda source: (source[1], source[0].iri or ""))


def entity_view(store: Store, base: str, links: Links, node: NamedNode,
                said_offset: int = 0, said_limit: int = SAID_PAGE) -> EntityView:
    viewer = Viewer(store, base, links)
    pairs = describe.outgoing(store, base, node)
    groups: dict[str, list] = {}
    external = []
    for predicate, value in pairs:
        if predicate in describe.EXTERNAL and isinstance(value, NamedNode) \
                and not links.ours(value.value):
            external.append(viewer.value(value))
        groups.setdefault(predicate.value, []).append(value)
    outgoing = [_group(viewer, links, node, NamedNode(p), values)
                for p, values in groups.items() if p not in SHOWN_APART]
    outgoing.sort(key=lambda g: (g.predicate.iri in PLUMBING, g.predicate.text.casefold()))

    incoming = []
    for predicate, count in describe.incoming_counts(store, base, node):
        subjects = describe.incoming(store, node, predicate, 0, VALUES_SHOWN)
        more = links.incoming(node.value, predicate.value) if count > len(subjects) else None
        incoming.append(Group(viewer.value(predicate), [viewer.value(s) for s in subjects],
                              count, more))
    incoming.sort(key=lambda g: (g.predicate.iri in PLUMBING, -g.total, g.predicate.text))

    is_statement = describe.is_a(store, node, PK + "Statement")
    is_fact = describe.is_a(store, node, RDF + "Statement")  # a stated relation
    if is_statement:
        said_total, said = 1, [describe.said(store, base, node)]
    else:
        said_total, said = describe.statements_about(store, base, node, said_offset,
                                                     said_limit)
    if is_fact:
        spans = describe.spans(store, node)
        quotes, sources = viewer.quotes(spans), viewer.sources(spans)
        relations = [RelationView(*(viewer.value(t) for t in triple), quotes, sources)
                     for triple in describe.reified(store, node)]
        relations_total = len(relations)
    else:
        relations_total, stated = describe.stated_relations(store, node,
                                                            RELATIONS_SHOWN)
        relations = [RelationView(viewer.value(r.subject), viewer.value(r.predicate),
                                  viewer.value(r.object), viewer.quotes(r.spans),
                                  viewer.sources(r.spans))
                     for r in stated]
    rests_on, rests_on_total = [], 0
    if not (is_statement or is_fact):  # those show their text with them; a span or a
        evidence = [value for predicate, value in pairs  # mention shows it on its own
                    if predicate in describe.EVIDENCE_LINKS]
        rests_on = viewer.quotes(describe.own_spans(store, node, VALUES_SHOWN, evidence))
        rests_on_total = max(len(rests_on), len(evidence))

    view = EntityView(
        iri=node.value,
        label=viewer.label_of(node) or describe.compact(node.value, base),
        kinds=[viewer.value(t) for t in describe.types(store, node)],
        definition=describe.definition(store, node),
        aliases=describe.aliases(store, node),
        groups=outgoing, incoming=incoming, external=sorted(external, key=_order),
        said=[_said_view(viewer, s) for s in said], said_total=said_total,
        said_offset=said_offset, relations=relations, relations_total=relations_total,
        text=rests_on, text_total=rests_on_total)
    view.neighbours = _neighbours(outgoing, incoming)
    view.jsonld = embeddable_jsonld(
        [Triple(node, p, o) for p, o in pairs] +
        [Triple(NamedNode(v.iri), NamedNode(RDFS + "label"), Literal(v.text))
         for g in outgoing for v in g.values if v.iri and viewer.labels.get(v.iri)])
    return view


def _group(viewer: Viewer, links: Links, node: NamedNode, predicate: NamedNode,
           values: list) -> Group:
    """A property's values, by label; when there are many (a topic's evidence in every
    release), the first few by IRI, and a link to the description that has them all."""
    if len(values) <= VALUES_SHOWN:
        return Group(viewer.value(predicate), sorted(map(viewer.value, values), key=_order),
                     len(values))
    first = sorted(values, key=lambda v: (not isinstance(v, NamedNode), v.value))
    return Group(viewer.value(predicate), [viewer.value(v) for v in first[:VALUES_SHOWN]],
                 len(values), links.data(node.value, "ttl"))


def _order(value: Value) -> tuple:
    return (value.text.casefold(), value.iri or "")


def _said_view(viewer: Viewer, said: describe.Said) -> SaidView:
    return SaidView(
        statement=viewer.value(said.statement),
        speakers=[viewer.value(s) for s in said.speakers],
        attribution=said.attribution,
        act=viewer.value(said.act) if said.act is not None else None,
        topics=[viewer.value(t) for t in said.topics],
        meeting=viewer.value(said.meeting) if said.meeting is not None else None,
        quotes=viewer.quotes(said.spans))


NEIGHBOURS = 12  # nodes around the entity in its diagram


def _neighbours(outgoing: list[Group], incoming: list[Group]
                ) -> list[tuple[Value, Value, bool]]:
    """The entity's nearest linked things for its diagram: a few per property, outgoing
    first, evidence plumbing left out."""
    found: list[tuple[Value, Value, bool]] = []
    seen: set[str] = set()
    for groups, out in ((outgoing, True), (incoming, False)):
        for group in groups:
            if group.predicate.iri in PLUMBING:
                continue
            for value in group.values[:3]:
                if value.internal and value.iri not in seen and len(found) < NEIGHBOURS \
                        and "/evidence/" not in value.iri:
                    seen.add(value.iri)
                    found.append((value, group.predicate, out))
    return found


# JSON escapes for what must not stand raw in a page: "<", ">" and "&" (no label can close
# the element or open another) and the hidden characters (server/visible.py)
JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (ord("<"), ord(">"), ord("&"), *HIDDEN)}


def embeddable_jsonld(triples: list[Triple]) -> str:
    """JSON-LD safe to put inside a <script> element, saying the same data."""
    text = serialize(triples, format=RdfFormat.JSON_LD).decode("utf-8")
    # outside strings JSON has none of them, so escaping them everywhere is safe
    return text.translate(JSON_ESCAPES)
