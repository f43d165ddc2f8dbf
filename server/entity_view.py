"""An entity page's content, assembled from what the store says (server/describe.py): the
values to show, labelled and linked, grouped by property, with the statements and stated
relations that evidence them. Nothing here knows HTML; the templates do."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, serialize

from graph.iris import RDF, RDFS, SKOS, XSD
from ontology import PK

from . import describe, outside_names
from .links import Links
from .visible import HIDDEN

SHOWN_APART = {RDF + "type", RDFS + "label", SKOS + "prefLabel"}  # the page's title and kinds
DETAILS = Path(__file__).with_name("details.yaml")
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
class Quote:
    """A text a release says, quoted once however many spans say it."""

    text: str
    href: str | None  # into the release view, at the first span that says it
    # where it is said: (release, start, end), or the evidence when it has no place; two
    # facts of one sentence rest on two evidence nodes at one place, which is said once
    places: set[tuple] = field(default_factory=set)
    at_least: bool = False  # only some of the places were read (a relation said everywhere)

    @property
    def more(self) -> int:
        """Other places with the same text (the same words in other releases)."""
        return max(len(self.places) - 1, 0)


@dataclass
class Group:
    predicate: Value
    values: list[Value]
    total: int
    more: str | None = None  # where the whole list is, when only part is shown
    incoming: bool = False  # the values link to the thing (its "Linked from")


@dataclass
class SaidView:
    statement: Value
    speakers: list[Value]
    attribution: str | None
    act: Value | None
    topics: list[Value]
    meeting: Value | None
    quotes: list[Quote]
    side: str  # who said it, as a heading names them ("European Union and Japan")


SOURCES_LISTED = 10  # releases listed under a relation; the first one too, when earlier


@dataclass
class Sources:
    """The releases that state a relation, each with its date, the latest first: it holds
    as of each (relation_asof.html). The latest few are listed, and the first when it is
    not among them (a party to a series stated by a thousand editions' releases)."""

    listed: list[tuple[Value, str]]
    total: int
    first: tuple[Value, str] | None = None

    @property
    def between(self) -> int:
        """Those neither listed nor the first."""
        return self.total - len(self.listed) - (self.first is not None)


@dataclass
class RelationView:
    """A stated relation, once, with the releases that state it."""

    subject: Value
    predicate: Value
    object: Value
    sources: Sources


@dataclass
class Sentence:
    """Stated relations that rest on the same text, which the page quotes once."""

    relations: list[RelationView]
    quotes: list[Quote]


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
    said: list[SaidView]  # the statements it made (pk:statedBy it)
    said_total: int
    said_offset: int
    about: list[tuple[str | None, list[SaidView]]]  # the others linked to it, by side
    about_total: int
    about_offset: int
    relations: list[Sentence]
    relations_total: int
    text: list[Quote]  # the spans it rests on (evidence, mentions, facts)
    text_total: int  # how many there are (a topic found in every release: hundreds)
    details: list[Group] = field(default_factory=list)  # bookkeeping, for "RDF details"
    neighbours: list[tuple[Value, Value, bool]] = field(default_factory=list)  # (node, via, out)
    jsonld: str = ""

    @property
    def text_shown(self) -> int:
        """Spans quoted, the texts said again included."""
        return sum(1 + quote.more for quote in self.text)

    @property
    def relations_shown(self) -> int:
        return sum(len(sentence.relations) for sentence in self.relations)


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
        text = self.label_of(term) or outside_names.name(iri) or describe.compact(iri, self.base)
        return Value(text, self.links.href(iri), iri, internal=self.links.ours(iri))

    def quotes(self, spans: list[describe.Span]) -> list[Quote]:
        """The spans' text and links, each text once (two facts of a sentence rest on two
        evidence nodes with the same quote; a heading recurs in release after release)."""
        found: dict[str, Quote] = {}
        for span in spans:
            if span.quote not in found:
                found[span.quote] = Quote(span.quote, self.links.in_release(
                    span.release.value, span.start, span.end)
                    if span.release is not None and span.start is not None else None)
            placed = span.release is not None and span.start is not None
            found[span.quote].places.add((span.release, span.start, span.end) if placed
                                         else (span.evidence,))
        return list(found.values())

    def sources(self, spans: list[describe.Span]) -> Sources:
        """The releases the spans are in: what they state holds as of their dates."""
        releases = dict.fromkeys(s.release for s in spans if s.release is not None)
        return self.dated(sorted(((r, describe.issued(self.store, r)) for r in releases),
                                 key=_by_date, reverse=True))

    def dated(self, releases: list[tuple[NamedNode, str]]) -> Sources:
        """Releases with their dates, the latest first, as a page lists them."""
        listed = [(self.value(r), date) for r, date in releases[:SOURCES_LISTED]]
        first = (self.value(releases[-1][0]), releases[-1][1]) \
            if len(releases) > SOURCES_LISTED else None
        return Sources(listed, len(releases), first)


def _by_date(source: tuple[NamedNode, str]) -> tuple[str, str]:
    return source[1], source[0].value


@cache
def detail_properties() -> frozenset[str]:
    """The properties a page keeps for its "RDF details" (server/details.yaml)."""
    data = yaml.safe_load(DETAILS.read_text(encoding="utf-8"))
    return frozenset(data["prefixes"][prefix] + local for prefix, _, local in
                     (name.partition(":") for name in data["details"]))


def entity_view(store: Store, base: str, links: Links, node: NamedNode,
                said_offset: int = 0, about_offset: int = 0, limit: int = SAID_PAGE
                ) -> EntityView:
    viewer = Viewer(store, base, links)
    pairs = describe.outgoing(store, node)
    groups: dict[str, list] = {}
    external = []
    for predicate, value in pairs:
        if predicate in describe.EXTERNAL and isinstance(value, NamedNode) \
                and not links.ours(value.value):
            external.append(viewer.value(value))
        groups.setdefault(predicate.value, []).append(value)
    outgoing = [_group(viewer, links, node, NamedNode(p), values)
                for p, values in groups.items() if p not in SHOWN_APART]
    outgoing.sort(key=lambda g: g.predicate.text.casefold())

    incoming = []
    counts = describe.incoming_counts(store, base, node)
    # in date or name order for readers; the statements' links (to "RDF details": the page
    # lists the statements themselves) as the store holds them
    hidden = detail_properties() | {p.value for p in describe.statement_predicates(store)}
    shown = {p: (describe.incoming if p.value in hidden else describe.in_order)(
        store, node, p, 0, VALUES_SHOWN) for p, _ in counts}
    describe.prefetch(store, [s for subjects in shown.values() for s in subjects])
    for predicate, count in counts:
        subjects = shown[predicate]
        more = links.incoming(node.value, predicate.value) if count > len(subjects) else None
        incoming.append(Group(viewer.value(predicate), [viewer.value(s) for s in subjects],
                              count, more, incoming=True))
    incoming.sort(key=lambda g: (-g.total, g.predicate.text))

    is_statement = describe.is_a(store, node, PK + "Statement")
    is_fact = describe.is_a(store, node, RDF + "Statement")  # a stated relation
    if is_statement:
        made, others = [], [node]  # itself, as the releases say it
    else:
        made, others = describe.statements_about(store, base, node)
    describe.prefetch(store, made[said_offset:said_offset + limit]
                      + others[about_offset:about_offset + limit])
    said = [_said_view(viewer, describe.said(store, base, s))
            for s in made[said_offset:said_offset + limit]]
    by_side = describe.is_a(store, node, PK + "Topic")  # a topic's statements by side
    if by_side:
        others = sorted(others, key=_side_order(store, viewer))
    about_page = [_said_view(viewer, describe.said(store, base, s))
                  for s in others[about_offset:about_offset + limit]]
    about = _by_side(about_page) if by_side else [(None, about_page)]
    if is_fact:
        spans = describe.spans(store, node)
        relations = [Sentence([RelationView(*(viewer.value(t) for t in triple),
                                            viewer.sources(spans))
                               for triple in describe.reified(store, node)],
                              viewer.quotes(spans))]
        relations_total = len(relations[0].relations)
    else:
        relations_total, stated = describe.stated_relations(store, node, RELATIONS_SHOWN)
        relations = _by_sentence(viewer, stated)
    rests_on, rests_on_total = [], 0
    if not (is_statement or is_fact):  # those show their text with them; a span or a
        evidence = [value for predicate, value in pairs  # mention shows it on its own
                    if predicate in describe.EVIDENCE_LINKS]
        rests_on = viewer.quotes(describe.own_spans(store, node, VALUES_SHOWN, evidence))
        rests_on_total = max(len(rests_on), len(evidence))

    label = viewer.label_of(node) or describe.compact(node.value, base)
    # bookkeeping, and the links from the statements the page lists, go to "RDF details"
    hidden = detail_properties()
    listed = hidden | ({p.value for p in describe.statement_predicates(store)}
                       if made or others else set())
    view = EntityView(
        iri=node.value, label=label,
        kinds=[viewer.value(t) for t in describe.types(store, node)],
        definition=describe.definition(store, node),
        aliases=describe.aliases(store, node, label),
        groups=[g for g in outgoing if g.predicate.iri not in hidden],
        incoming=[g for g in incoming if g.predicate.iri not in listed],
        external=sorted(external, key=_order),
        said=said, said_total=len(made), said_offset=said_offset,
        about=about, about_total=len(others), about_offset=about_offset,
        relations=relations, relations_total=relations_total,
        text=rests_on, text_total=rests_on_total,
        details=[g for g in outgoing if g.predicate.iri in hidden] +
        [g for g in incoming if g.predicate.iri in listed])
    view.neighbours = _neighbours(view.groups, view.incoming)
    view.jsonld = embeddable_jsonld(
        [Triple(node, p, o) for p, o in pairs] +
        [Triple(NamedNode(v.iri), NamedNode(RDFS + "label"), Literal(v.text))
         for g in outgoing for v in g.values if v.iri and viewer.labels.get(v.iri)])
    return view


def _side_order(store: Store, viewer: Viewer):
    """Statements sorted by who made them (the sides, by name), then in text order."""
    def key(statement: NamedNode) -> tuple:
        speakers = describe.objects(store, statement, describe.STATED_BY)
        return (_side(sorted(viewer.value(s).text for s in speakers)),
                describe.text_order(statement))
    return key


def _side(names: list[str]) -> str:
    return " and ".join(names) if names else "Not attributed"


def _by_side(said: list[SaidView]) -> list[tuple[str | None, list[SaidView]]]:
    """Statements ordered by side, under each side's name."""
    groups: list[tuple[str | None, list[SaidView]]] = []
    for s in said:
        if groups and groups[-1][0] == s.side:
            groups[-1][1].append(s)
        else:
            groups.append((s.side, [s]))
    return groups


def _by_sentence(viewer: Viewer, stated: list[describe.StatedRelation]) -> list[Sentence]:
    """Stated relations under the text they rest on (each relation once, with every release
    that states it), each text quoted once: the relations one sentence states together (a
    party of two; three initiatives named in one sentence) share their quote."""
    sentences: dict[tuple, Sentence] = {}
    for r in stated:
        quotes = viewer.quotes(r.spans)
        sentence = sentences.setdefault(tuple(q.text for q in quotes), Sentence([], quotes))
        for quote, again in zip(sentence.quotes, quotes, strict=True):
            quote.places |= again.places  # the same words: at the same places, or elsewhere
            quote.at_least |= r.facts > describe.SPANS_READ
        sentence.relations.append(RelationView(viewer.value(r.subject),
                                               viewer.value(r.predicate),
                                               viewer.value(r.object), viewer.dated(r.releases)))
    return list(sentences.values())


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
        quotes=viewer.quotes(said.spans),
        side=_side(sorted(viewer.value(s).text for s in said.speakers)))


NEIGHBOURS = 12  # nodes around the entity in its diagram


def _neighbours(outgoing: list[Group], incoming: list[Group]
                ) -> list[tuple[Value, Value, bool]]:
    """The entity's nearest linked things for its diagram: a few per property, outgoing
    first, from the properties shown to readers."""
    found: list[tuple[Value, Value, bool]] = []
    seen: set[str] = set()
    for groups, out in ((outgoing, True), (incoming, False)):
        for group in groups:
            for value in group.values[:3]:
                if value.internal and value.iri not in seen and len(found) < NEIGHBOURS:
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
