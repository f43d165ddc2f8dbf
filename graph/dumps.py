"""Gzip-compressed RDF dumps of a store, written at build time (never at request time).

The dumps of a build live in its own directory, under ``<build dir>/dumps/`` (Oxigraph
ignores files it did not write), so they are swapped in and pruned with the store they were
made from. A build writes each dump as gzip members, one per graph (graph/dump_members.py:
the N-Quads and TriG ones as it loads the store, graph by graph, the others from each
graph's N-Quads parsed back), so that `policykg add` writes only the members of the graphs
it adds. Here: the merged graph, and a store's dumps written whole (`policykg dump`,
`write_dumps`), through gzip into a writer that hashes and counts the compressed bytes as
they go: memory stays flat whatever the size of the graph.
The gzip header is deterministic (no file name, mtime 0), so the same data give the same
bytes and the same SHA-256.

N-Quads and TriG hold every named graph; Turtle, N-Triples, JSON-LD and RDF/XML hold the
merged graph (the union of all graphs, each triple once). The merged graph is not a SPARQL
CONSTRUCT: Oxigraph removes a CONSTRUCT's duplicate triples with a set of every triple it
wrote (~650 MB at 1M triples), and so does a COUNT of DISTINCT triples. Instead the quads
stream by and a triple is written from the first graph holding it (found beforehand among the
quads of the subjects that occur in several graphs), and counted as it is written: memory stays flat
(bench/dump_bench.py).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from .interrupts import WorkerPool, leave_to_parent

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
    """One graph's quads as N-Quads ("nq") and in the format of each dump of `also`."""
    return {key: serialize(quads, format=BY_KEY[key].writer) for key in (SOURCE.key, *also)}


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


def write_dumps(store: Store, directory: Path, version: str,
                formats: tuple[DumpFormat, ...] = FORMATS, processes: int = 1,
                shared: Shared | None = None) -> list[DumpFile]:
    """Write the dumps of `formats` of a whole store into `directory` and their manifest;
    return them (bench/dump_bench.py; a build writes members, graph/dump_members.py).

    The N-Quads dump is streamed from the store. Every other format is parsed back from
    it, a quarter of the cost of scanning the store again (at 1M quads ~2.5 s a format,
    not ~9 s); with several `processes`, fresh processes write them side by side (else a
    thread, one after another), the merged-graph ones once the triples held by several
    graphs are known (`shared`, if the caller has them). Each file is the same bytes either way."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {SOURCE.key: _write_source(store, directory, version)}
    source = str(directory / SOURCE.file_name)
    others = [fmt for fmt in formats if fmt.key not in files]
    merged = [fmt for fmt in others if not fmt.dataset]
    pool = WorkerPool(processes, mp_context=multiprocessing.get_context("spawn"),
                      initializer=leave_to_parent) \
        if processes > 1 else ThreadPoolExecutor(1)
    with pool:
        futures = {fmt.key: pool.submit(_write_derived, source, str(directory), fmt.key,
                                        version, {}) for fmt in others if fmt.dataset}
        if merged and shared is None:
            shared = shared_triples(store)
        futures |= {fmt.key: pool.submit(_write_derived, source, str(directory), fmt.key,
                                         version, shared) for fmt in merged}
        files |= {key: future.result() for key, future in futures.items()}
    written = [files[fmt.key] for fmt in formats]
    write_manifest(directory, written)
    return written


def _write_source(store: Store, directory: Path, version: str) -> DumpFile:
    return _gzipped(directory, SOURCE, version, lambda out: write_rdf(store, out, SOURCE))


def _write_derived(nquads: str, directory: str, key: str, version: str,
                   shared: Shared) -> DumpFile:
    """One dump read back from the N-Quads dump (blank nodes keep their labels)."""
    fmt = BY_KEY[key]

    def fill(out: BinaryIO) -> int:
        written = [0]
        with gzip.open(nquads, "rb") as compressed:
            quads = parse(compressed, format=RdfFormat.N_QUADS)
            serialize(_counted(quads, written) if fmt.dataset else
                      _merged(quads, shared, written), out, fmt.writer)
        return written[0]

    return _gzipped(Path(directory), fmt, version, fill)


def _counted(quads: Iterable[Quad], written: list[int]) -> Iterator[Quad]:
    for quad in quads:
        written[0] += 1
        yield quad


class Writing:
    """A dump file being written whole through gzip, whose output is hashed and counted as
    it goes."""

    def __init__(self, directory: Path, fmt: DumpFormat) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self.raw = (directory / fmt.file_name).open("wb")
        self.hasher = HashingWriter(self.raw)
        self.out = gzip.GzipFile(filename="", mode="wb", fileobj=self.hasher, mtime=0,
                                 compresslevel=6)
        self.statements = 0

    def close(self, version: str) -> DumpFile:
        self._finish()
        fmt = self.fmt
        return DumpFile(fmt.key, fmt.label, fmt.file_name, fmt.media_type,
                        "all named graphs" if fmt.dataset else "merged graph",
                        self.hasher.size, self.hasher.sha256.hexdigest(), self.statements,
                        version, LICENSE)

    def discard(self) -> None:
        """Close the file of a failed dump, raising nothing."""
        with contextlib.suppress(Exception):
            self._finish()

    def _finish(self) -> None:
        try:
            self.out.close()
        finally:
            self.raw.close()


def _gzipped(directory: Path, fmt: DumpFormat, version: str,
             fill: Callable[[BinaryIO], int]) -> DumpFile:
    """A dump file: `fill` writes the RDF (and says how many statements)."""
    writing = Writing(directory, fmt)
    try:
        writing.statements = fill(writing.out)
    except BaseException:
        writing.discard()
        raise
    return writing.close(version)


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
