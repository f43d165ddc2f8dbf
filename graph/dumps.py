"""Gzip-compressed RDF dumps of a store, written at build time (never at request time).

The dumps of a build live in its own directory, under ``<build dir>/dumps/`` (Oxigraph
ignores files it did not write), so they are swapped in and pruned with the store they were
made from. A dump is gzip members, one per graph (graph/dump_members.py: the N-Quads and
TriG ones as the build loads the store, graph by graph, the others from each graph's
N-Quads parsed back), so that `policykg add` writes only the members of the graphs it adds.

What a dump holds is a function of the store's quads alone, so that anyone who makes the
dumps again from the same graphs (a front-end in front of an engine the version was
published to, server/engine_files.py) gets the same bytes and the SHA-256 the metadata
graph records: the graphs by name, the metadata graph last; each graph's quads sorted by
their N-Quads line (`in_dump_order`); the ontology's blank nodes labelled by RDFC-1.0
(graph/rdf.py; the data has none); gzip headers without file name or time.

N-Quads and TriG hold every named graph; Turtle, N-Triples, JSON-LD and RDF/XML hold the
merged graph (the union of all graphs, each triple once, written from the first graph
holding it in the dumps' order). Here: the formats, the triples several graphs hold, the
manifest, and the merged graph streamed whole (`policykg dump`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)

DUMPS_DIR = "dumps"
MANIFEST = "manifest.json"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
IANA = "https://www.iana.org/assignments/media-types/"
GZIP_MEDIA_TYPE = "application/gzip"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@dataclass(frozen=True)
class DumpFormat:
    key: str  # `policykg dump --format` value
    label: str
    extension: str
    media_type: str
    writer: RdfFormat
    dataset: bool  # all named graphs (else the merged graph)

    @property
    def file_name(self) -> str:
        return f"policykg.{self.extension}.gz"

    @property
    def media_type_iri(self) -> str:
        return IANA + self.media_type


FORMATS = (
    DumpFormat("nq", "N-Quads", "nq", "application/n-quads", RdfFormat.N_QUADS, True),
    DumpFormat("trig", "TriG", "trig", "application/trig", RdfFormat.TRIG, True),
    DumpFormat("ttl", "Turtle", "ttl", "text/turtle", RdfFormat.TURTLE, False),
    DumpFormat("nt", "N-Triples", "nt", "application/n-triples", RdfFormat.N_TRIPLES, False),
    DumpFormat("jsonld", "JSON-LD", "jsonld", "application/ld+json", RdfFormat.JSON_LD,
               False),
    DumpFormat("rdfxml", "RDF/XML", "rdf", "application/rdf+xml", RdfFormat.RDF_XML, False),
)
BY_KEY = {f.key: f for f in FORMATS}
SOURCE = BY_KEY["nq"]  # every other dump not written while loading is read back from it
# Written by a build (their members) while it loads the store, graph by graph, from the graphs' own
# serializations (each graph's quads are together in these formats; the merged graph needs
# the triples held by several graphs, known only once all are loaded).
WHILE_LOADING = tuple(f for f in FORMATS if f.dataset)


def serialized(quads: list[Quad], also: tuple[str, ...] = ()) -> dict[str, bytes]:
    """One graph's quads in the dumps' order as N-Quads ("nq") and in the format of each
    dump of `also`."""
    ordered, text = in_dump_order(quads)
    return {SOURCE.key: text} | {key: serialize(ordered, format=BY_KEY[key].writer) or b""
                                 for key in also}


def with_canonical_blank_nodes(quads: list[Quad]) -> list[Quad]:
    """The quads with their blank nodes labelled by RDFC-1.0 (W3C RDF Dataset
    Canonicalization): labels that depend on the quads alone, where a parser's or an
    engine's are arbitrary, so a graph with blank nodes has one form in the dumps. (A quad
    without blank nodes has no bearing on them: callers may pass only those with.)"""
    if not any(isinstance(t, BlankNode) for q in quads for t in (q.subject, q.object)):
        return quads
    dataset = Dataset(quads)
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def in_dump_order(quads: list[Quad]) -> tuple[list[Quad], bytes]:
    """The quads sorted by their N-Quads line, and those lines: the order of a graph's
    quads in every dump. It depends on the quads alone, not on the order a conversion or
    an engine gives them in, so the dumps a front-end makes from an engine's copy of a
    version are the build's bytes (server/engine_files.py) and their checksums the ones
    the metadata graph records."""
    lines = (serialize(quads, format=RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    if len(lines) != len(quads):  # N-Quads writes one line per quad; said, not assumed
        raise RuntimeError("a quad's N-Quads is not one line")
    order = sorted(range(len(lines)), key=lines.__getitem__)
    return [quads[n] for n in order], b"".join(lines[n] for n in order)


@dataclass(frozen=True)
class Piece:
    """Some quads of a graph (each once), serialized: what a build loads and writes into
    its dumps a piece at a time, so that a large graph is never whole in memory."""

    quads: int
    text: dict[str, bytes]  # N-Quads ("nq") and the formats of the dumps written beside


def piece(quads: list[Quad], also: tuple[str, ...] = ()) -> Piece:
    return Piece(len(quads), serialized(quads, also))


def serialized_besides(with_dumps: bool) -> tuple[str, ...]:
    """The formats, besides N-Quads (which the store loads), that a build serializes each
    graph in: those of the other dumps written while loading, if it writes dumps."""
    return tuple(f.key for f in WHILE_LOADING if f is not SOURCE) if with_dumps else ()


@dataclass(frozen=True)
class DumpFile:
    """One written dump, as the manifest and the metadata graph list it."""

    format: str
    label: str
    file: str
    media_type: str
    graphs: str  # "all named graphs" or "merged graph"
    bytes: int  # compressed size
    sha256: str  # of the compressed file
    statements: int  # quads (dataset formats) or triples (merged graph)
    version: str
    license: str


class HashingWriter:
    """A binary sink that passes bytes on and keeps their SHA-256 and count."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


def write_rdf(store: Store, out: BinaryIO, fmt: DumpFormat,
              shared: Shared | None = None) -> int:
    """Stream the store in one format (uncompressed) into `out`; return the statements
    written: quads (counted by SPARQL) or triples of the merged graph (as written).
    `shared` (from `shared_triples`) can be passed when several formats are written."""
    if fmt.dataset:
        store.dump(out, fmt.writer)
        return count_quads(store)
    written = [0]
    if shared is None:
        shared = shared_triples(store)
    serialize(_merged(store.quads_for_pattern(None, None, None, None), shared, written), out,
              fmt.writer)
    return written[0]


def count_quads(store: Store) -> int:
    for row in store.query(COUNT_QUADS):
        return int(row["n"].value)
    return 0


# Only a subject that occurs in several graphs can have a triple in several graphs: they
# are few (the lexicon's entities a release restates, entities two releases mention), and
# one GROUP BY over the quads finds them (0.8 s at 1M quads, where looking up each quad's
# triple took 11 s). The default graph counts as a graph of its own.
MULTI_GRAPH_SUBJECTS = """SELECT ?s WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }
GROUP BY ?s HAVING (COUNT(DISTINCT COALESCE(?g, "")) > 1)"""


Shared = dict[Triple, tuple[str, ...]]  # a triple → the graphs holding it, sorted


def shared_triples(store: Store, within: NamedNode | None = None) -> Shared:
    """The triples held by more than one graph, each with those graphs (the first is the
    one the merged graph takes it from). With `within`, only those of the subjects of that
    graph: for a graph added after the others were searched (the metadata graph)."""
    subjects = (s for (s,) in store.query(MULTI_GRAPH_SUBJECTS)) if within is None else \
        {quad.subject for quad in store.quads_for_pattern(None, None, None, within)}
    return _shared_of(store, subjects)


def shared_after(store: Store, before: Shared, touched: Iterable) -> Shared:
    """`shared_triples` of a store changed from one whose were `before`, where the
    subjects `touched` are those of every quad of a graph added or removed: the others'
    quads are as they were, so are their shared triples."""
    touched = set(touched)
    return {triple: held for triple, held in before.items()
            if triple.subject not in touched} | _shared_of(store, touched)


def _shared_of(store: Store, subjects: Iterable) -> Shared:
    shared: Shared = {}
    for subject in subjects:
        graphs: dict[Triple, list[str]] = {}
        for quad in store.quads_for_pattern(subject, None, None, None):
            graphs.setdefault(quad.triple, []).append(str(quad.graph_name))
        shared |= {triple: tuple(sorted(held)) for triple, held in graphs.items()
                   if len(held) > 1}
    return shared


def write_shared(path: Path, shared: Shared) -> None:
    """Keep `shared` beside a build, for a change of it to start from: its triples once,
    as N-Triples, then (JSON) the graphs holding each, as numbers in a list of their names
    (a triple 1,000 releases state is one line and 1,000 numbers, not 1,000 quads)."""
    triples = list(shared)
    names = sorted({graph for held in shared.values() for graph in held})
    number = {name: n for n, name in enumerate(names)}
    index = json.dumps({"graphs": names,
                        "held": [[number[graph] for graph in shared[t]] for t in triples]})
    with path.open("wb") as out:
        out.write(index.encode() + b"\n")
        out.write(serialize(triples, format=RdfFormat.N_TRIPLES) or b"")


def read_shared(path: Path) -> Shared | None:
    """What `write_shared` kept; None if it did not (a build by older code)."""
    if not path.exists():
        return None
    with path.open("rb") as kept:
        index = json.loads(kept.readline())
        triples = [quad.triple for quad in parse(kept, format=RdfFormat.N_TRIPLES)]
    names = index["graphs"]
    return {triple: tuple(names[n] for n in held)
            for triple, held in zip(triples, index["held"], strict=True)}


def _merged(quads: Iterable[Quad], shared: Shared, written: list[int]) -> Iterator[Triple]:
    """Each triple of the union of all graphs once: a triple held by several graphs is
    written from the first of them."""
    for quad in quads:
        held = shared.get(quad.triple)
        if held is None or held[0] == str(quad.graph_name):
            written[0] += 1
            yield quad.triple


def write_manifest(directory: Path, files: list[DumpFile]) -> None:
    body = {"license": LICENSE, "files": [asdict(f) for f in files]}
    (directory / MANIFEST).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def read_manifest(directory: Path) -> list[DumpFile]:
    """The dumps listed in a build's manifest ([] if it has none)."""
    try:
        body = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [DumpFile(**f) for f in body.get("files", [])]
