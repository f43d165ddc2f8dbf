"""`policykg publish`: the store's named graphs written to a SPARQL 1.1 engine, and readers
switched to them all at once.

How a reader never sees a mix of two versions:
1. Each graph is uploaded (Graph Store HTTP Protocol, one PUT per graph) under a staging
   name, ``urn:policykg:staging:<version>-<token>:<n>``, which no reader of policykg's graphs
   asks for: the live graphs are untouched while the upload runs.
2. Once every graph is in, one SPARQL Update request MOVEs each staging graph onto its real
   name, DROPs the graphs of the previous version that the new one no longer has, and
   rewrites the version record (the graph ``<base>graph/publication``: the version and every
   graph it is made of). An engine applies one update request as one transaction (Oxigraph
   always; Virtuoso in its default, logged mode), so a query runs before it or after it.
3. Any failure before that request (unreachable engine, 401, 4xx/5xx) leaves the live graphs
   and the record as they were; the staging graphs are dropped on the way out, and the next
   publish drops those a killed one left.

Where readers name graphs (graph/engines.yaml), the version's triples are also copied, on
the engine (SPARQL Update ADD), into one graph, ``<base>graph/union``, moved into place by
the same switch: readers name it as their default graph and the release graphs as their
named graphs. Oxigraph evaluates a default graph of many named graphs pattern by pattern
over each (at 100 releases, 103 graphs: 20-50 times slower than one graph holding the same
triples), and Virtuoso 7.2 answers some queries wrongly over such a default graph (a
property path across graphs); the copy costs the engine's storage once more.

What readers must do: name the graphs the record lists (`reader_dataset`), or query the
engine's default graph as the union of its graphs and accept that during an upload the
staging graphs are in that union too (the new version's triples, once more; Virtuoso's
union also holds its own graphs). Both engines' readers do the former (graph/engines.yaml).
Virtuoso reads at READ COMMITTED: a query running while the switch commits can see part of
each version (tests/test_publish.py).
One publish per engine at a time: a second one would drop the first one's staging graphs.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, serialize

from .engine import Engine
from .errors import StoreError
from .iris import DCAT, DCTERMS, XSD, Iris, ns, store_base

STAGING = "urn:policykg:staging:"
# graphs uploaded at once: an engine parses one while the next is on its way (at 100
# releases, 103 graphs: 42-57 s one at a time to oxigraph serve under load)
UPLOADS = 4
RECORD = "publication"  # the record graph's name: Iris.graph(RECORD)
UNION = "union"  # the graph of the version's triples, readers' default graph: Iris.graph(UNION)

STORE_VERSION_QUERY = (
    f"SELECT ?version WHERE {{ GRAPH ?g {{ ?dataset <{DCAT}version> ?version . "
    f"?dataset <{DCTERMS}identifier> ?id }} }} LIMIT 1")
STAGING_GRAPHS_QUERY = (f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} '
                        f'FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}')
# the graphs of the version readers see now: {record} is the record graph's IRI, as <…>
RECORDED_GRAPHS_QUERY = f"SELECT ?g WHERE {{ GRAPH {{record}} {{ ?r <{DCTERMS}hasPart> ?g }} }}"
RECORDED_VERSION_QUERY = f"SELECT ?v WHERE {{ GRAPH {{record}} {{ ?r <{DCAT}version> ?v }} }}"
HOLDS_QUERY = "ASK { GRAPH {graph} { ?s ?p ?o } }"  # {graph}: a graph's IRI, as <…>


@dataclass(frozen=True)
class Published:
    version: str
    graphs: int
    triples: int
    removed: int  # graphs of the previous version the new one does not have
    seconds: float


def store_version(store: Store) -> str:
    for row in store.query(STORE_VERSION_QUERY):
        return row["version"].value
    raise StoreError("the store has no version in its metadata graph; rebuild it")


def record_graph(base: str) -> NamedNode:
    return Iris(base).graph(RECORD)


def recorded_graphs(engine: Engine, base: str) -> list[str]:
    """The graphs of the version the engine's readers see (none before a first publish)."""
    query = RECORDED_GRAPHS_QUERY.replace("{record}", str(record_graph(base)))
    return [row["g"] for row in engine.select(query)]


def reader_dataset(engine: Engine, base: str) -> tuple[list[str], list[str]] | None:
    """The dataset a reader of the published version names (SPARQL Protocol default-graph-uri
    and named-graph-uri): the version's union graph (or, published before there was one, its
    graphs), as the embedded store's union default graph, and its graphs as named graphs;
    none of the engine's others (staging graphs, the record, other data). None where the
    engine answers such a dataset wrongly (graph/engines.yaml): readers query its union."""
    if not engine.services.named:
        return None
    graphs = recorded_graphs(engine, base)
    union = union_graph(base)
    return ([union.value] if engine.ask(HOLDS_QUERY.replace("{graph}", str(union))) else graphs,
            graphs)


def union_graph(base: str) -> NamedNode:
    return Iris(base).graph(UNION)


def recorded_version(engine: Engine, base: str) -> str | None:
    query = RECORDED_VERSION_QUERY.replace("{record}", str(record_graph(base)))
    return next((row["v"] for row in engine.select(query)), None)


def publish(store: Store, engine: Engine) -> Published:
    started = time.perf_counter()
    base = store_base(store)
    if base is None:
        raise StoreError("not a policykg store (no metadata graph)")
    version = store_version(store)
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)),
                    key=lambda g: g.value)
    _drop(engine, [row["g"] for row in engine.select(STAGING_GRAPHS_QUERY)])
    token = secrets.token_hex(4)
    staged = [(NamedNode(f"{STAGING}{version}-{token}:{number}"), graph)
              for number, graph in enumerate(graphs)]

    def upload(pair: tuple[NamedNode, NamedNode]) -> int:
        staging, graph = pair
        data = serialize((q.triple for q in store.quads_for_pattern(None, None, None, graph)),
                         format=RdfFormat.N_TRIPLES)
        engine.put_graph(staging.value, data)
        return data.count(b"\n")

    moved = staged
    try:
        with ThreadPoolExecutor(engine.services.uploads or UPLOADS,
                                thread_name_prefix="publish") as pool:
            triples = sum(pool.map(upload, staged))  # the first failure is raised here
        if engine.services.named:
            union = NamedNode(f"{STAGING}{version}-{token}:{UNION}")
            moved = [*staged, (union, union_graph(base))]
            engine.update(" ;\n".join(f"ADD SILENT GRAPH {staging} TO GRAPH {union}"
                                      for staging, _ in staged))
        names = {g.value for g in graphs}
        stale = [g for g in recorded_graphs(engine, base) if g not in names]
        engine.update(_switch(moved, [NamedNode(g) for g in stale], record_graph(base),
                              _record(base, version, graphs)))
    except BaseException:
        _drop(engine, [staging.value for staging, _ in moved], quietly=True)
        raise
    return Published(version, len(graphs), triples, len(stale), time.perf_counter() - started)


def _record(base: str, version: str, graphs: list[NamedNode]) -> list[tuple]:
    """The version record: which version readers see and the graphs it is made of."""
    record = NamedNode(f"{base}dataset/publication")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return [(record, ns(DCAT, "version"), Literal(version)),
            (record, ns(DCTERMS, "modified"), Literal(now, datatype=ns(XSD, "dateTime"))),
            *((record, ns(DCTERMS, "hasPart"), graph) for graph in graphs)]


def _switch(staged: list[tuple[NamedNode, NamedNode]], stale: list[NamedNode],
            graph: NamedNode, record: list[tuple]) -> str:
    """The one update request that makes the new version the one readers see. Terms are
    written by pyoxigraph (str of a term is its SPARQL/N-Triples form), never pasted text."""
    operations = [f"MOVE SILENT GRAPH {staging} TO GRAPH {target}"
                  for staging, target in staged]
    operations += [f"DROP SILENT GRAPH {g}" for g in stale]
    operations.append(f"DROP SILENT GRAPH {graph}")
    triples = " ".join(f"{s} {p} {o} ." for s, p, o in record)
    operations.append(f"INSERT DATA {{ GRAPH {graph} {{ {triples} }} }}")
    return " ;\n".join(operations)


def _drop(engine: Engine, graphs: list[str], quietly: bool = False) -> None:
    if not graphs:
        return
    try:
        engine.update(" ;\n".join(f"DROP SILENT GRAPH {NamedNode(g)}" for g in graphs))
    except Exception:
        if not quietly:
            raise
