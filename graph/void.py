"""The dataset's description of itself (VoID + DCAT 3) for {base}graph/metadata, computed
from the store at build time — every count is counted in the store, never typed in (by
SPARQL, and the property partition from quads per property less the repeats of triples
that several graphs hold).

What is described: `{base}dataset`, the data graphs (every graph but the metadata graph,
which describes them and is not counted). Licence and attribution come from the releases
in the store (their `dcterms:source` and `dcterms:publisher`). The metadata graph is
written in two steps around the dumps: `describe()` before them (it is part of every
dump), `file_facts()` after them (size, SHA-256 and statement count of each file, which
cannot be inside the file they describe). All IRIs, no blank nodes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store, Variable

from .document import parse_document
from .dumps import FORMATS, GZIP_MEDIA_TYPE, IANA, LICENSE, DumpFile, Shared, shared_triples
from .extract.gaps import coverage, result_sentences
from .iris import DCAT, DCTERMS, OA, PROV, RDF, RDFS, SKOS, VOID, XSD, Iris, ns
from .lexicon import load_lexicon
from .source import SourceText

FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
PROJECT = "the policykg project"
EXAMPLE_CLASSES = ("Meeting", "Statement", "Country")  # a meeting, a statement, an actor


def _data(iris: Iris, pattern: str) -> str:
    """A graph pattern over every graph but the metadata graph."""
    return (f"GRAPH ?g {{ {pattern} }} FILTER(?g != <{iris.graph('metadata').value}>)")


def statistics_queries(iris: Iris) -> dict[str, str]:
    """The SPARQL behind each VoID count of the dataset but void:triples, the sum of the
    property partition (the distinct triples grouped by property)."""
    base = iris.base
    return {
        # the subjects grouped first, then filtered: 1.4 s at 1M quads, where the filter
        # pushed down to every quad took 5.1 s
        "entities": f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?s WHERE "
                    f"{{ {_data(iris, '?s ?p ?o')} }} GROUP BY ?s }} "
                    f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{base}id/\")) }}",
        "distinctSubjects": f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE "
                            f"{{ {_data(iris, '?s ?p ?o')} }}",
        "distinctObjects": f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE "
                           f"{{ {_data(iris, '?s ?p ?o')} }}",
        "properties": f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE "
                      f"{{ {_data(iris, '?s ?p ?o')} }}",
        "classes": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE "
                   f"{{ {_data(iris, f'?s <{RDF}type> ?c')} }}",
    }


def class_partition_query(iris: Iris) -> str:
    return (f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_data(iris, f'?s <{RDF}type> ?c')}"
            f" FILTER(isIRI(?c)) }} GROUP BY ?c ORDER BY ?c")


def property_partition_query(iris: Iris) -> str:
    """Quads per property; a triple held by several graphs is then counted once
    (`_property_partition`), where a DISTINCT over every triple would hold them all
    (+190 MB at 1M quads)."""
    return (f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {_data(iris, '?s ?p ?o')} }} "
            f"GROUP BY ?p ORDER BY ?p")


def _property_partition(rows: list[tuple], shared: Shared, iris: Iris) -> list[tuple]:
    """(property, distinct triples) from (property, quads) and the triples several data
    graphs hold."""
    uncounted = {str(DefaultGraph()), str(iris.graph("metadata"))}
    repeats: Counter[str] = Counter()
    for triple, graphs in shared.items():
        held = sum(1 for graph in graphs if graph not in uncounted)
        repeats[triple.predicate.value] += max(held - 1, 0)
    return [(p, int(n.value) - repeats[p.value]) for p, n in rows]


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=ns(XSD, "integer"))


def _example_query(iris: Iris, local: str) -> str:
    pattern = _data(iris, f"?s a <{iris.term(local).value}>")
    return f"SELECT ?s WHERE {{ {pattern} FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT 1"


def _rows(store: Store, sparql: str, release: NamedNode | None = None) -> list[tuple]:
    """The rows of a SELECT; with `release`, for that release only (?r bound to it)."""
    result = store.query(sparql, substitutions={Variable("r"): release} if release else None)
    names = [v.value for v in result.variables]
    return [tuple(row[n] for n in names) for row in result]


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _key(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:12]


def distribution(iris: Iris, key: str) -> NamedNode:
    return NamedNode(f"{iris.base}dataset/distribution/{key}")


def download_url(iris: Iris, file_name: str) -> NamedNode:
    return NamedNode(f"{iris.base}dumps/{file_name}")


def sources(store: Store, iris: Iris) -> list[tuple[str, str | None, str | None]]:
    """(source URL, publisher IRI, publisher label) of each release in the store. The
    labels are looked up per publisher: joined in the query, a publisher's label stated by
    every release's graph made a row per release and graph (4.6 s at 1,000 releases)."""
    release = iris.term("Release").value
    rows = store.query(
        f"SELECT DISTINCT ?src ?pub WHERE {{ GRAPH ?g {{ ?r a <{release}> ;"
        f" <{DCTERMS}source> ?src . OPTIONAL {{ ?r <{DCTERMS}publisher> ?pub }} }} }}")
    found = [(r["src"].value, r["pub"]) for r in rows]
    labels = {pub: sorted({q.object.value for q in store.quads_for_pattern(
        pub, ns(SKOS, "prefLabel"), None, None)}) or [None]
        for pub in {pub for _, pub in found if pub is not None}}
    return sorted((src, pub.value if pub else None, label) for src, pub in found
                  for label in (labels[pub] if pub else [None]))


def attribution(found: list[tuple[str, str | None, str | None]]) -> str:
    """The rights statement: where the data come from (the releases' `sources`), that they
    were derived, the licence."""
    publishers = sorted({label or pub for _, pub, label in found if pub})
    urls = [src for src, _, _ in found]
    who = ", ".join(publishers) or "the publishers of the source releases"
    return (f"Derived by {PROJECT} by processing press releases published by {who} "
            f"({', '.join(urls) or 'no releases'}). This is an edited, processed version; "
            f"it is not a publication of {who}. The knowledge graph is licensed under "
            f"CC BY 4.0 ({LICENSE}); cite the source releases and this dataset.")


def describe(store: Store, iris: Iris, version: str, built: dt.datetime,
             with_dumps: bool = True, shared: Shared | None = None,
             coverage: dict[str, Literal] | None = None,
             figures: dict[str, list[tuple]] | None = None,
             touched: Iterable | None = None) -> list[Quad]:
    """VoID + DCAT quads for the metadata graph, computed from the store's data graphs
    (and `shared`, the triples several graphs hold, if the caller has them); the dumps are
    described only when the build writes them. `coverage`: releases' statement coverage
    known already (`recorded_coverage`); `figures`: the statistics and partitions known
    already (a change's, graph/void_change.py), which are then not counted; `touched`:
    the subjects of the graphs a change added or removed (`statement_coverage`)."""
    graph = iris.graph("metadata")
    base = iris.base
    dataset = NamedNode(f"{base}dataset")
    service = NamedNode(f"{base}dataset/service/sparql")
    project = NamedNode(f"{base}id/actor/policykg-project")
    endpoint = NamedNode(f"{base}sparql")
    when = Literal(built.isoformat().replace("+00:00", "Z"), datatype=ns(XSD, "dateTime"))
    out: list[tuple] = []

    def add(s, p, o) -> None:
        out.append((s, p, o))

    add(dataset, ns(RDF, "type"), ns(VOID, "Dataset"))
    add(dataset, ns(RDF, "type"), ns(DCAT, "Dataset"))
    add(dataset, ns(DCTERMS, "title"), Literal("policykg: Japan-EU ICT policy dialogue "
                                               "knowledge graph", language="en"))
    add(dataset, ns(DCTERMS, "license"), NamedNode(LICENSE))
    statistics = statistics_queries(iris)
    # one after another: side by side on 2 cores saved 1.1 s of 18.7 at 1,000 releases
    # but held two sets of distinct terms at once (+60 MB peak)
    counted = {} if figures is not None else {
        **statistics, "classPartition": class_partition_query(iris),
        "propertyPartition": property_partition_query(iris)}
    queries = {**counted, **{local: _example_query(iris, local) for local in EXAMPLE_CLASSES
                             if local not in (figures or {})}}
    found = {name: _rows(store, sparql) for name, sparql in queries.items()}
    if figures is not None:
        found |= figures
    else:
        found["classPartition"] = [(c, int(n.value)) for c, n in found["classPartition"]]
        found["propertyPartition"] = _property_partition(
            found["propertyPartition"], shared_triples(store) if shared is None else shared,
            iris)
    released = sources(store, iris)
    add(dataset, ns(DCTERMS, "rights"), Literal(attribution(released), language="en"))
    add(dataset, ns(DCTERMS, "publisher"), project)
    add(project, ns(RDF, "type"), ns(FOAF, "Agent"))
    add(project, ns(FOAF, "name"), Literal(PROJECT))
    add(dataset, ns(DCTERMS, "issued"), when)
    add(dataset, ns(VOID, "sparqlEndpoint"), endpoint)
    add(dataset, ns(VOID, "uriSpace"), Literal(base))  # how a store tells its base
    for src, pub, _ in released:
        add(dataset, ns(DCTERMS, "source"), NamedNode(src))
        add(dataset, ns(PROV, "wasDerivedFrom"), NamedNode(src))
        if pub:
            add(NamedNode(src), ns(DCTERMS, "publisher"), NamedNode(pub))

    add(dataset, ns(VOID, "triples"),
        _int(sum(n for _, n in found["propertyPartition"])))
    for name in statistics:
        add(dataset, ns(VOID, name), _int(sum(int(n.value) for (n,) in found[name])))
    vocabularies = set()
    partitions = (  # query, IRI path, VoID term, what is counted
        ("classPartition", "class-partition", "class", "entities"),
        ("propertyPartition", "property-partition", "property", "triples"))
    for link, path, term, measure in partitions:
        for node, count in found[link]:
            iri = node.value
            vocabularies.add(_namespace(iri))
            part = NamedNode(f"{base}dataset/{path}/{_key(iri)}")
            add(dataset, ns(VOID, link), part)
            add(part, ns(VOID, term), NamedNode(iri))
            add(part, ns(VOID, measure), _int(count))
    for vocabulary in sorted(vocabularies):
        add(dataset, ns(VOID, "vocabulary"), NamedNode(vocabulary))
    for local in EXAMPLE_CLASSES:
        for (example,) in found[local]:
            add(dataset, ns(VOID, "exampleResource"), example)

    add(dataset, ns(DCAT, "accessService"), service)
    add(service, ns(RDF, "type"), ns(DCAT, "DataService"))
    add(service, ns(DCAT, "endpointURL"), endpoint)
    add(service, ns(DCAT, "servesDataset"), dataset)
    add(service, ns(DCTERMS, "conformsTo"), NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    for fmt in FORMATS if with_dumps else ():
        dist, url = distribution(iris, fmt.key), download_url(iris, fmt.file_name)
        add(dataset, ns(VOID, "dataDump"), url)
        add(dataset, ns(DCAT, "distribution"), dist)
        add(dist, ns(RDF, "type"), ns(DCAT, "Distribution"))
        scope = "all named graphs" if fmt.dataset else "merged graph"
        add(dist, ns(DCTERMS, "title"),
            Literal(f"{fmt.label} dump, gzip-compressed ({scope})", language="en"))
        add(dist, ns(DCAT, "downloadURL"), url)
        add(dist, ns(DCAT, "accessURL"), NamedNode(f"{base}dumps/"))
        add(dist, ns(DCAT, "mediaType"), NamedNode(fmt.media_type_iri))
        add(dist, ns(DCAT, "compressFormat"), NamedNode(IANA + GZIP_MEDIA_TYPE))
        add(dist, ns(DCTERMS, "license"), NamedNode(LICENSE))
        add(dist, ns(DCAT, "version"), Literal(version))
    add(NamedNode(LICENSE), ns(RDFS, "label"), Literal("CC BY 4.0"))
    for release, share in statement_coverage(store, iris, coverage or {}, touched):
        add(release, iris.term("statementCoverage"), share)
    seen, quads = set(), []
    for s, p, o in out:
        if (s, p, o) not in seen:
            seen.add((s, p, o))
            quads.append(Quad(s, p, o, graph))
    return quads


def _spans_query(iris: Iris, path: str) -> str:
    """(release, start, end) of the evidence of what `path` leads to from a release."""
    return (f"SELECT ?r ?start ?end WHERE {{ GRAPH ?g {{ ?r a <{iris.term('Release').value}> "
            f". {path} ?x . ?x <{iris.term('evidence').value}>/<{OA}hasSelector> ?p . "
            f"?p <{OA}start> ?start ; <{OA}end> ?end }} }}")


def statement_coverage(store: Store, iris: Iris, known: dict[str, Literal],
                       touched: Iterable | None = None) -> list[tuple[NamedNode, Literal]]:
    """Each release's pk:statementCoverage: the share of its result sentences that gave a
    statement. A figure about the extraction, not a fact the release states, so it is
    described here, counted from the store like every figure of this graph: the
    release's text, its meetings' and statements' evidence, all in the release's own graph.
    So a release whose graph a change kept has the figure it had (`known`, by release
    IRI): its text is not parsed again, nor its evidence read (most of the time this
    takes); those of the others are read release by release. With `touched` (a change's:
    the subjects of the graphs it added or removed), the store's releases are the known
    ones and those of the touched subjects that are releases with a text."""
    genre = load_lexicon().genre
    if known and touched is not None:
        release, text = iris.term("Release"), iris.term("text")
        listed = [(NamedNode(r),) for r in known] + [
            (r,) for r in set(touched) if isinstance(r, NamedNode) and r.value not in known
            and next(store.quads_for_pattern(r, ns(RDF, "type"), release, None), None)
            and next(store.quads_for_pattern(r, text, None, None), None)]
    elif known:
        listed = _rows(store, f"SELECT DISTINCT ?r WHERE {{ GRAPH ?g {{ ?r a "
                              f"<{iris.term('Release').value}> ; "
                              f"<{iris.term('text').value}> ?text }} }}")
    fresh = [_evidence(store, iris, r) for (r,) in listed if r.value not in known] if known \
        else [_evidence(store, iris)]
    out = [(r, known[r.value]) for (r,) in listed if r.value in known] if known else []
    for texts, meetings, spans in fresh:
        for release, text in texts:
            doc = parse_document(SourceText(release.value, text.value), genre)
            sentences, silent = result_sentences(doc, meetings.get(release.value, 0),
                                                 spans.get(release.value, []))
            share = f"{coverage(sentences, silent):.3f}".rstrip("0").rstrip(".")  # canonical
            out.append((release, Literal(share, datatype=ns(XSD, "decimal"))))
    return sorted(out, key=lambda row: row[0].value)


def _evidence(store: Store, iris: Iris, release: NamedNode | None = None
              ) -> tuple[list[tuple], dict[str, int], dict[str, list[tuple[int, int]]]]:
    """The texts of the releases (or of `release`), where their meetings' evidence ends,
    and their statements' evidence spans."""
    term = iris.term
    texts = _rows(store, f"SELECT ?r ?text WHERE {{ GRAPH ?g {{ ?r a <{term('Release').value}>"
                         f" ; <{term('text').value}> ?text }} }}", release)
    meetings: dict[str, int] = {}
    for r, _, end in _rows(store, _spans_query(iris, f"?r <{term('reports').value}>"), release):
        meetings[r.value] = max(meetings.get(r.value, 0), int(end.value))
    spans: dict[str, list[tuple[int, int]]] = {}
    query = (f"SELECT ?r ?start ?end WHERE {{ GRAPH ?g {{ ?x a <{term('Statement').value}> ; "
             f"<{term('evidence').value}> ?e . ?e <{OA}hasSource> ?r ; <{OA}hasSelector> ?p . "
             f"?p <{OA}start> ?start ; <{OA}end> ?end }} }}")
    for r, start, end in _rows(store, query, release):
        spans.setdefault(r.value, []).append((int(start.value), int(end.value)))
    return texts, meetings, spans


def recorded_coverage(store: Store, iris: Iris) -> dict[str, Literal]:
    """The statement coverage of each release, as the store's metadata graph records it."""
    return {quad.subject.value: quad.object for quad in store.quads_for_pattern(
        None, iris.term("statementCoverage"), None, iris.graph("metadata"))}


def file_facts(iris: Iris, files: list[DumpFile]) -> list[Quad]:
    """What is known only once each dump is written: its size, SHA-256 and statements."""
    graph = iris.graph("metadata")
    quads = []
    for f in files:
        dist = distribution(iris, f.format)
        checksum = NamedNode(f"{dist.value}#sha256")
        quads += [
            Quad(dist, ns(DCAT, "byteSize"),
                 Literal(str(f.bytes), datatype=ns(XSD, "nonNegativeInteger")), graph),
            Quad(dist, ns(VOID, "triples"), _int(f.statements), graph),
            Quad(dist, ns(SPDX, "checksum"), checksum, graph),
            Quad(checksum, ns(RDF, "type"), ns(SPDX, "Checksum"), graph),
            Quad(checksum, ns(SPDX, "algorithm"), ns(SPDX, "checksumAlgorithm_sha256"), graph),
            Quad(checksum, ns(SPDX, "checksumValue"),
                 Literal(f.sha256, datatype=ns(XSD, "hexBinary")), graph),
        ]
    return quads


def is_file_fact(quad: Quad, iris: Iris) -> bool:
    """Whether a quad is one `file_facts` adds, after the dumps (so absent from them)."""
    subject = quad.subject.value
    if subject.startswith(f"{iris.base}dataset/distribution/") and subject.endswith("#sha256"):
        return True
    return (subject.startswith(f"{iris.base}dataset/distribution/")
            and quad.predicate.value in (f"{DCAT}byteSize", f"{VOID}triples",
                                         f"{SPDX}checksum"))
