"""What the store says about one resource, read for a page or an RDF answer: its outgoing
triples, the links into it, the labels of its neighbours, and the text spans of the
releases that say it.

Reads walk the store with pyoxigraph's pattern lookups (each an index range scan), so no
request text ever becomes query text. The few SPARQL queries (server/queries) get the
resource as a substitution, and only in a basic pattern that it binds: Oxigraph may
evaluate a UNION's branches without the substitution and join it afterwards, a lookup
that walks the whole graph (100 s for one page on 850k quads, measured).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice, product
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple, Variable

from graph.iris import DCTERMS, OA, RDF, RDFS, SCHEMA, SKOS
from graph.query import prefixes
from ontology import PK

QUERIES = Path(__file__).parent / "queries"
TYPE = NamedNode(RDF + "type")
LABELS = (NamedNode(SKOS + "prefLabel"), NamedNode(RDFS + "label"),
          NamedNode(DCTERMS + "title"))
ALT_LABEL = NamedNode(SKOS + "altLabel")
DEFINITIONS = (NamedNode(SKOS + "definition"), NamedNode(RDFS + "comment"))
EXTERNAL = (NamedNode(SCHEMA + "sameAs"), NamedNode(SKOS + "exactMatch"),
            NamedNode(SKOS + "closeMatch"), NamedNode(SKOS + "broadMatch"))
INCOMING_CAP = 1000  # links into one resource given in its RDF description
EVIDENCE_CAP = 25  # stated relations whose evidence (spans, quotes) the description adds


@cache
def sparql(name: str) -> str:
    """A query of server/queries (read once per process)."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def select(store: Store, base: str, name: str, **bound) -> Iterator:
    """Rows of a named query over the union of the graphs, with variables bound."""
    return iter(store.query(sparql(name), base_iri=base, use_default_graph_as_union=True,
                            substitutions={Variable(k): v for k, v in bound.items()}))


def exists(store: Store, node: NamedNode) -> bool:
    """Whether the store says anything of or about the resource."""
    return next(store.quads_for_pattern(node, None, None), None) is not None or \
        next(store.quads_for_pattern(None, None, node), None) is not None


def outgoing(store: Store, node: NamedNode) -> list[tuple[NamedNode, object]]:
    """(predicate, object) pairs, once each though several graphs hold them (a topic's
    are repeated in every release that names it)."""
    return list(dict.fromkeys((q.predicate, q.object)
                              for q in store.quads_for_pattern(node, None, None)))


def prefetch(store: Store, nodes: list, hops: int = 2) -> None:
    """Tell the store what a page is about to read of these things, one by one: an engine's
    (server/remote.py) fetches it all in one request a step (`hops` steps beyond the
    things themselves); the embedded store has no need."""
    ahead = getattr(store, "prefetch", None)
    if ahead is not None and nodes:
        ahead(nodes, hops)


def incoming_counts(store: Store, base: str, node: NamedNode) -> list[tuple[NamedNode, int]]:
    """How many distinct resources link to the resource, per predicate."""
    return [(row["p"], int(row["n"].value))
            for row in select(store, base, "incoming-counts", o=node)]


def subjects(store: Store, predicate: NamedNode, node) -> Iterator:
    """The distinct subjects of (?, predicate, node), lazily (several graphs may hold the
    same triple)."""
    seen = set()
    for quad in store.quads_for_pattern(None, predicate, node):
        if quad.subject not in seen:
            seen.add(quad.subject)
            yield quad.subject


def objects(store: Store, node, predicate: NamedNode) -> list:
    return list(dict.fromkeys(q.object for q in store.quads_for_pattern(node, predicate, None)))


def one(store: Store, node, predicate: NamedNode):
    return next((q.object for q in store.quads_for_pattern(node, predicate, None)), None)


def incoming(store: Store, node: NamedNode, predicate: NamedNode, offset: int, limit: int
             ) -> list:
    """One page of the subjects linking to the resource by one predicate."""
    return list(islice(subjects(store, predicate, node), offset, offset + limit))


DATES = (NamedNode(SCHEMA + "startDate"), NamedNode(DCTERMS + "issued"))  # meeting, release
ORDERED_CAP = 2000  # links by one property put in order; beyond, as the store holds them


def in_order(store: Store, node: NamedNode, predicate: NamedNode, offset: int, limit: int
             ) -> list:
    """One page of the subjects linking to the resource by one predicate, in date order
    where they have dates (meetings, releases), else by name: as a reader looks for them.
    (Whether they are dated, and by which date, is read from the first: one property
    links one kind.)"""
    found = list(islice(subjects(store, predicate, node), ORDERED_CAP + 1))
    if len(found) > ORDERED_CAP:
        return incoming(store, node, predicate, offset, limit)
    prefetch(store, found, hops=0)  # their dates or labels, in one request from an engine
    dated = next((d for d in DATES if found and one(store, found[0], d) is not None), None)

    def key(subject) -> tuple:
        if dated is not None:
            when = one(store, subject, dated)
            return (when.value if when is not None else "9999", subject.value)
        return ((label(store, subject) or subject.value).casefold(), subject.value)

    return sorted(found, key=key)[offset:offset + limit]


def label(store: Store, node, language: str = "en") -> str | None:
    """The name to show: skos:prefLabel, rdfs:label or dcterms:title, in the page's
    language if there is one."""
    if not isinstance(node, NamedNode | BlankNode):
        return None
    fallback = None
    for predicate in LABELS:
        for quad in store.quads_for_pattern(node, predicate, None):
            literal = quad.object
            if not isinstance(literal, Literal):
                continue
            if literal.language == language:
                return literal.value
            fallback = fallback or literal.value
        if fallback:
            return fallback
    return None


def aliases(store: Store, node: NamedNode, name: str | None = None) -> list[str]:
    """The other names, once each whatever their case ("cyber security", "Cyber security"
    and "cybersecurity" beside the name "Cybersecurity" are one alias and the name)."""
    seen = {name.casefold()} if name else set()
    found = []
    for alias in sorted({q.object.value for q in store.quads_for_pattern(node, ALT_LABEL, None)}):
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            found.append(alias)
    return found


def definition(store: Store, node: NamedNode) -> str | None:
    for predicate in DEFINITIONS:
        for quad in store.quads_for_pattern(node, predicate, None):
            return quad.object.value
    return None


ISSUED = NamedNode(DCTERMS + "issued")


def issued(store: Store, release: NamedNode) -> str:
    """A release's date ("" when it has none)."""
    found = next(store.quads_for_pattern(release, ISSUED, None), None)
    return found.object.value if found is not None else ""


def is_a(store: Store, node: NamedNode, kind: str) -> bool:
    return next(store.quads_for_pattern(node, TYPE, NamedNode(kind)), None) is not None


REIFIED = tuple(NamedNode(RDF + local) for local in ("subject", "predicate", "object"))


def reified(store: Store, node: NamedNode) -> list[tuple]:
    """The (subject, predicate, object) an rdf:Statement of ours says the text states."""
    parts = [[q.object for q in store.quads_for_pattern(node, p, None)] for p in REIFIED]
    return [(s, p, o) for s in parts[0] for p in parts[1] for o in parts[2]]


def types(store: Store, node: NamedNode) -> list[NamedNode]:
    return sorted({q.object for q in store.quads_for_pattern(node, TYPE, None)
                   if isinstance(q.object, NamedNode)}, key=lambda n: n.value)


@dataclass(frozen=True)
class Span:
    """A span of a release's text that says something, from its evidence resource."""

    evidence: NamedNode
    release: NamedNode | None
    start: int | None
    end: int | None
    quote: str


# statement/fact, mention → span
EVIDENCE_LINKS = (NamedNode(PK + "evidence"), NamedNode(OA + "hasTarget"))
SOURCE, SELECTOR = NamedNode(OA + "hasSource"), NamedNode(OA + "hasSelector")
START, END, EXACT = NamedNode(OA + "start"), NamedNode(OA + "end"), NamedNode(OA + "exact")


def evidence_of(store: Store, node: NamedNode) -> list[NamedNode]:
    return [e for link in EVIDENCE_LINKS for e in objects(store, node, link)]


def spans(store: Store, node: NamedNode, limit: int | None = None,
          evidence: list[NamedNode] | None = None) -> list[Span]:
    """The evidence of a statement, a stated relation or a mention (or the `evidence`
    already read), in text order (the first `limit` of them by IRI, which starts with
    the release's date, when limited)."""
    if evidence is None:
        evidence = evidence_of(store, node)
    if limit is not None:
        evidence = sorted(evidence, key=lambda e: e.value)[:limit]
    found = [span(store, e) for e in evidence]
    return sorted(found, key=lambda s: (s.release.value if s.release else "", s.start or 0))


def span(store: Store, evidence: NamedNode) -> Span:
    start = end = None
    quote = ""
    for selector in objects(store, evidence, SELECTOR):
        start = _int(one(store, selector, START)) if start is None else start
        end = _int(one(store, selector, END)) if end is None else end
        quote = quote or getattr(one(store, selector, EXACT), "value", "")
    return Span(evidence, one(store, evidence, SOURCE), start, end, quote)


def _int(term) -> int | None:
    return int(term.value) if term is not None else None


@dataclass
class Said:
    """A statement about a resource, as its page shows it."""

    statement: NamedNode
    label: str | None
    speakers: list[NamedNode] = field(default_factory=list)
    attribution: str | None = None
    act: NamedNode | None = None
    topics: list[NamedNode] = field(default_factory=list)
    meeting: NamedNode | None = None
    spans: list[Span] = field(default_factory=list)


def statement_predicates(store: Store) -> list[NamedNode]:
    """The properties whose subjects are statements (rdfs:domain pk:Statement in the
    ontology): the links from a statement to what it is by, at, on or about."""
    return sorted(subjects(store, NamedNode(RDFS + "domain"),
                           NamedNode(PK + "Statement")), key=lambda n: n.value)


def statements_about(store: Store, base: str, node: NamedNode
                     ) -> tuple[list[NamedNode], list[NamedNode]]:
    """The statements the resource made (pk:statedBy it), and the others linked to it
    (on it, at it, mentioning it), each in release and text order (a statement's IRI is
    its release's, which starts with the date, and its number in the text)."""
    made, others = set(), set()
    for row in select(store, base, "statements-about", e=node):
        (made if row["p"] == STATED_BY else others).add(row["st"])
    return sorted(made, key=text_order), sorted(others - made, key=text_order)


def text_order(node: NamedNode) -> tuple[str, int, str]:
    stem, _, number = node.value.rpartition("-")
    return (stem, int(number), "") if number.isdigit() else (node.value, 0, node.value)


STATED_BY = NamedNode(PK + "statedBy")
PK_LOCALS = ("statedBy", "attributionText", "speechAct", "onTopic", "madeAt")


def said(store: Store, base: str, statement: NamedNode) -> Said:
    pk = {local: NamedNode(PK + local) for local in PK_LOCALS}
    result = Said(statement, label(store, statement))
    for predicate, value in outgoing(store, statement):
        if predicate == pk["statedBy"]:
            result.speakers.append(value)
        elif predicate == pk["attributionText"]:
            result.attribution = value.value
        elif predicate == pk["speechAct"]:
            result.act = value
        elif predicate == pk["onTopic"]:
            result.topics.append(value)
        elif predicate == pk["madeAt"]:
            result.meeting = value
    result.spans = spans(store, statement)
    return result


@dataclass(frozen=True)
class StatedRelation:
    """A relation the text states, once however many releases state it: the releases that
    state it with their dates (the latest first), and the evidence of the latest
    statements of it (rdf:Statement, one per release and sentence)."""

    subject: NamedNode
    predicate: NamedNode
    object: object
    releases: list[tuple[NamedNode, str]]
    spans: list[Span]
    facts: int  # statements of it, every one


def facts_about(store: Store, node: NamedNode) -> list[NamedNode]:
    """The stated relations (rdf:Statement) with the resource as subject or object, in
    release and text order."""
    return sorted(dict.fromkeys(f for p in REIFIED[::2] for f in subjects(store, p, node)),
                  key=text_order)


SPANS_READ = 10  # statements of one relation whose evidence a page reads, the latest


def stated_relations(store: Store, node: NamedNode, limit: int
                     ) -> tuple[int, list[StatedRelation]]:
    """(how many distinct, the first `limit` of) the relations the releases state about the
    resource, the most recently stated first and, within a release, in text order: a
    party to a series is stated by each edition's release, and is one relation stated by
    them all. A party to every meeting is stated thousands of times on a large store, so
    each statement is read in one lookup (and its release in another), and the evidence
    only of the latest statements of the relations shown."""
    facts = facts_about(store, node)
    prefetch(store, facts)
    stating: dict[tuple, list[NamedNode]] = {}
    releases: dict[tuple, dict[NamedNode, None]] = {}
    for fact in facts:  # in release and text order
        parts: dict[NamedNode, list] = {}
        for predicate, value in outgoing(store, fact):
            parts.setdefault(predicate, []).append(value)
        evidence = parts.get(EVIDENCE_LINKS[0])
        release = one(store, evidence[0], SOURCE) if evidence else None
        for triple in product(*(parts.get(p, []) for p in REIFIED)):
            stating.setdefault(triple, []).append(fact)
            if release is not None:
                releases.setdefault(triple, {})[release] = None
    in_text = sorted(stating, key=lambda triple: text_order(stating[triple][-1])[1:])
    newest = sorted(in_text, key=lambda triple: text_order(stating[triple][-1])[0],
                    reverse=True)[:limit]
    latest = {triple: stating[triple][-SPANS_READ:] for triple in newest}
    dates = {r: issued(store, r) for triple in newest for r in releases.get(triple, {})}
    return len(stating), [
        StatedRelation(*triple, sorted(((r, dates[r]) for r in releases.get(triple, {})),
                                       key=_dated, reverse=True),
                       [span for fact in latest[triple] for span in spans(store, fact)],
                       len(stating[triple]))
        for triple in newest]


def _dated(release: tuple[NamedNode, str]) -> tuple[str, str]:
    return release[1], release[0].value


@dataclass(frozen=True)
class Description:
    triples: list[Triple]
    incoming: int  # links into the resource, in all
    more: bool  # whether a later page has more of them


def description(store: Store, base: str, node: NamedNode, page: int = 1) -> Description:
    """The resource's RDF description: its triples, the links into it (INCOMING_CAP a
    page, property by property as the store holds them), the labels and kinds of its
    neighbours, and its evidence with the quoted text."""
    triples: dict[Triple, None] = {}

    def add(s, p, o) -> None:
        triples.setdefault(Triple(s, p, o), None)

    neighbours: set = set()
    for predicate, value in outgoing(store, node):
        add(node, predicate, value)
        neighbours.update((predicate, value))
    counts = incoming_counts(store, base, node)
    skip, seen = (page - 1) * INCOMING_CAP, 0
    for predicate, count in counts:
        if skip >= count:  # this property's links are all on earlier pages
            skip -= count
            continue
        for subject in incoming(store, node, predicate, skip, INCOMING_CAP - seen):
            add(subject, predicate, node)
            neighbours.update((subject, predicate))
            seen += 1
        skip = 0
        if seen >= INCOMING_CAP:
            break
    total = sum(count for _, count in counts)
    if page == 1:  # the evidence comes with the first page
        for fact in facts_about(store, node)[:EVIDENCE_CAP]:
            _evidence_triples(store, fact, add)
        _evidence_triples(store, node, add)
    for neighbour in neighbours:
        if isinstance(neighbour, NamedNode) and neighbour != node:
            for predicate in (*LABELS, TYPE):
                for quad in store.quads_for_pattern(neighbour, predicate, None):
                    add(neighbour, predicate, quad.object)
    return Description(list(triples), total, page * INCOMING_CAP < total)


def own_spans(store: Store, node: NamedNode, limit: int | None = None,
              evidence: list[NamedNode] | None = None) -> list[Span]:
    """The text a resource rests on: its evidence's spans, or its own if it is a span."""
    if one(store, node, SELECTOR) is not None:
        return [span(store, node)]
    return spans(store, node, limit, evidence)


def _evidence_triples(store: Store, node: NamedNode, add) -> None:
    """The resource's evidence spans and their selectors, as triples."""
    for quad in store.quads_for_pattern(node, None, None):
        add(quad.subject, quad.predicate, quad.object)
    for found in own_spans(store, node, EVIDENCE_CAP):
        for quad in store.quads_for_pattern(found.evidence, None, None):
            add(quad.subject, quad.predicate, quad.object)
            if quad.predicate == SELECTOR:
                for selector in store.quads_for_pattern(quad.object, None, None):
                    add(selector.subject, selector.predicate, selector.object)


def compact(iri: str, base: str) -> str:
    """A prefixed name for an IRI where one of our prefixes fits; the IRI otherwise."""
    best = ""
    for prefix, namespace in _prefix_table(base):
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, name = namespace, prefix
    return f"{name}:{iri[len(best):]}" if best else iri


@cache
def _prefix_table(base: str) -> tuple[tuple[str, str], ...]:
    return tuple(prefixes(base).items()) if base else ()
