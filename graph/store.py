"""The on-disk Oxigraph store: built whole into a new directory, validated, then swapped in
atomically, so readers never see a half-built store and a failed build changes nothing.

Layout: the store path is a symbolic link to ``<path>.builds/<build-id>``; a build writes a
new directory beside the others, then replaces the link with ``os.replace`` (atomic on
POSIX). A build's dumps sit inside its directory, in ``dumps/`` (Oxigraph leaves files it
did not write alone), so they come and go with it. The previous build is kept so a server
that still reads it is not pulled from under its feet; older ones are removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from . import dumps, void
from .errors import StoreError
from .iris import DCAT, DCTERMS, PROV, RDF, XSD, Iris, ns

KEEP_BUILDS = 2
BATCH = 100_000  # quads handed to the store at once (two batches are in memory: one loading)
PARALLEL_DUMPS_FROM = 100_000  # quads; smaller stores' dumps take less than starting processes


def default_store_path() -> Path:
    """$POLICYKG_STORE, else $XDG_DATA_HOME/policykg/store (~/.local/share/policykg/store)."""
    if os.environ.get("POLICYKG_STORE"):
        return Path(os.environ["POLICYKG_STORE"])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "policykg" / "store"


@dataclass(frozen=True)
class BuildResult:
    path: Path
    directory: Path
    version: str
    quads: int


class Building:
    """A store being built in a new directory. Add graphs, then `commit()` to write the
    metadata graph (graph/void.py) and the dumps (graph/dumps.py) and swap it in; if
    `commit()` fails or is never reached the directory is removed and the old store
    stays."""

    def __init__(self, path: Path, iris: Iris, with_dumps: bool = True) -> None:
        self.path = path.absolute()
        if self.path.exists() and not self.path.is_symlink():
            raise StoreError(f"{self.path}: exists and is not a store built by policykg "
                             "(expected a symbolic link); move it away or choose another --store")
        self.iris = iris
        self.started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.builds = self.path.with_name(self.path.name + ".builds")
        self.builds.mkdir(parents=True, exist_ok=True)
        self.directory = self.builds / (f"{self.started:%Y%m%dT%H%M%SZ}-{os.getpid()}-"
                                        f"{secrets.token_hex(3)}")
        self.store = Store(str(self.directory))
        self.also = dumps.serialized_besides(with_dumps)  # each graph's formats but N-Quads
        try:  # the dumps written from what is loaded (the others come at commit)
            self.writing = {fmt.key: dumps.Writing(self.directory / dumps.DUMPS_DIR, fmt)
                            for fmt in (dumps.WHILE_LOADING if with_dumps else ())}
        except BaseException:
            del self.store
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        self.digests: list[bytes] = []
        self.pending: list[Quad] = []
        self.serialized: list[bytes] = []  # graphs already serialized as N-Quads
        self.pending_quads = 0
        self.quads = 0
        self.version = ""
        self.loader = ThreadPoolExecutor(1, thread_name_prefix="load")
        self.loading: Future[None] | None = None  # the batch being loaded
        # once loaded: the metadata graph, and the triples held by several data graphs
        self.description: Future[tuple[list[Quad], dumps.Shared]] | None = None

    def add(self, quads: list[Quad]) -> None:
        """Add one graph's quads; their digest joins the content hash, which sorts the
        digests so it does not depend on the order of the graphs (each graph's quads come
        in a deterministic order). Quads reach the store in large batches, the fast path
        of bulk loading; blank nodes keep their labels (the ontology's OWL lists)."""
        quads = list(dict.fromkeys(quads))  # the dump holds each quad once, as the store does
        self.pending += quads
        self._added(dumps.serialized(quads, self.also), len(quads))

    def add_serialized(self, graph: dict[str, bytes], quads: int) -> None:
        """Add one graph, serialized by graph/convert.py (each quad once: what `add` would
        hash and store) as N-Quads, loaded by Oxigraph's parser, which gives blank nodes
        new labels: for graphs with none (a release's), and in the formats of `also`."""
        self.serialized.append(graph[dumps.SOURCE.key])
        self._added(graph, quads)

    def _added(self, graph: dict[str, bytes], quads: int) -> None:
        self.digests.append(hashlib.sha256(graph[dumps.SOURCE.key]).digest())
        for key, writing in self.writing.items():
            writing.write(graph[key], quads)
        self.quads += quads
        self.pending_quads += quads
        if self.pending_quads >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Hand the batch to the store on a thread (Oxigraph lets go of the GIL while it
        loads), so the next releases arrive meanwhile; one batch loads at a time."""
        pending, serialized = self.pending, self.serialized
        self.pending, self.serialized, self.pending_quads = [], [], 0
        if self.loading is not None:
            self.loading.result()
        self.loading = self.loader.submit(self._load, pending, serialized)

    def _load(self, pending: list[Quad], serialized: list[bytes]) -> None:
        if pending:
            self.store.bulk_extend(pending)
        if serialized:  # our own writer's output: the parser need not check IRIs
            self.store.bulk_load(b"".join(serialized), format=RdfFormat.N_QUADS, lenient=True)

    def loaded(self) -> None:
        """Every graph is in: flush them, and start describing the store (graph/void.py,
        one core's worth of queries) on a thread of its own, so that validating it, which
        the caller may do meanwhile, has the other cores."""
        self.flush()
        self.loader.shutdown()  # waits for the last batch
        self.loading.result()
        self.store.flush()
        digest = hashlib.sha256(b"".join(sorted(self.digests))).hexdigest()[:16]
        self.version = f"{self.started:%Y-%m-%d}-{digest}"
        pool = ThreadPoolExecutor(1, thread_name_prefix="describe")
        self.description = pool.submit(self._describe, digest)
        pool.shutdown(wait=False)  # the thread ends with its one task

    def _describe(self, digest: str) -> tuple[list[Quad], dumps.Shared]:
        shared = dumps.shared_triples(self.store)  # VoID's and the merged dumps'
        return _metadata(self.iris, digest, self.version, self.started) + void.describe(
            self.store, self.iris, self.version, self.started, bool(self.writing),
            shared), shared

    def commit(self) -> BuildResult:
        if self.description is None:
            self.loaded()
        version = self.version
        # The metadata graph, then the dumps (which include it), then what only the written
        # files can tell (size, SHA-256), all before the swap: a failed dump changes nothing.
        metadata, shared = self.description.result()
        self.store.bulk_extend(metadata)
        self.store.flush()
        if self.writing:
            graph = dumps.serialized(metadata, self.also)
            for key, writing in self.writing.items():
                writing.write(graph[key], len(metadata))
            processes = (os.cpu_count() or 1) if self.quads >= PARALLEL_DUMPS_FROM else 1
            shared |= dumps.shared_triples(self.store, within=self.iris.graph("metadata"))
            written = {key: writing.close(version) for key, writing in self.writing.items()}
            files = dumps.write_dumps(self.store, self.directory / dumps.DUMPS_DIR, version,
                                      processes=processes, written=written, shared=shared)
            self.store.bulk_extend(void.file_facts(self.iris, files))
            self.store.flush()
        link = self.builds / f".link-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(self.directory, self.path.parent))
        os.replace(link, self.path)
        _prune(self.builds, self.directory)
        return BuildResult(self.path, self.directory, version, self.quads)

    def abort(self) -> None:
        self.loader.shutdown(cancel_futures=True)  # waits for a batch being loaded
        if self.description is not None:
            self.description.exception()  # waits: its queries hold the store
        for writing in self.writing.values():
            writing.discard()
        del self.store
        shutil.rmtree(self.directory, ignore_errors=True)


def _metadata(iris: Iris, digest: str, version: str, now: dt.datetime) -> list[Quad]:
    graph = iris.graph("metadata")
    dataset = NamedNode(f"{iris.base}dataset")
    return [
        Quad(dataset, ns(RDF, "type"), ns(PROV, "Entity"), graph),
        Quad(dataset, ns(DCTERMS, "modified"), Literal(now.isoformat().replace("+00:00", "Z"),
             datatype=ns(XSD, "dateTime")), graph),
        Quad(dataset, ns(DCTERMS, "identifier"), Literal(f"sha256:{digest}"), graph),
        Quad(dataset, ns(DCAT, "version"), Literal(version), graph),
    ]


def _prune(builds: Path, current: Path) -> None:
    others = sorted((d for d in builds.iterdir() if d.is_dir() and d != current),
                    key=lambda d: d.stat().st_mtime_ns, reverse=True)
    for old in others[KEEP_BUILDS - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def open_store(path: Path) -> Store:
    """Open a built store read-only; a clear error if there is none."""
    target = path.resolve()
    if not target.is_dir():
        raise StoreError(f"{path}: no store here; run `policykg build` first")
    try:
        return Store.read_only(str(target))
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the store ({exc})") from exc
