"""The on-disk Oxigraph store: built whole into a new directory, validated, then swapped in
atomically, so readers never see a half-built store and a failed build changes nothing.

Layout: the store path is a symbolic link to ``<path>.builds/<build-id>``; a build writes a
new directory beside the others, then replaces the link with ``os.replace`` (atomic on
POSIX). A build's dumps sit inside its directory, in ``dumps/`` (Oxigraph leaves files it
did not write alone), so they come and go with it.

Who may remove what:
- One build of a store at a time: a build holds ``<path>.builds/.build.lock`` (an flock,
  released by the kernel however the holder dies), which names its pid for the one that is
  refused.
- A build is complete once ``<build-id>.readers`` exists beside it (written just before
  the swap). Holding the build lock, a build removes the directories without one that the
  link does not point to: partial builds of processes that died (SIGKILL, power loss).
- Readers (`hold`) take a shared flock on ``<build-id>.readers``. After a swap the build
  removes older complete builds, keeping the previous one for readers that do not hold,
  and never one a reader holds: it takes the exclusive lock without waiting, and skips the
  build if a reader has it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import itertools
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from filelock import FileLock, Timeout
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from . import dump_members, dumps, search_index, void, void_change
from .delta import Delta, delta
from .errors import StoreError
from .interrupts import checkpoint
from .iris import DCAT, DCTERMS, PROV, RDF, XSD, Iris, ns

KEEP_BUILDS = 2  # the current build and the previous one, for readers that do not `hold`
LOCK = ".build.lock"  # in <path>.builds: held by the build running
SHARED = "shared"  # in a build: the triples several graphs hold (dumps.write_shared)
READERS = ".readers"  # <build-id> + READERS: the build is complete; readers lock it shared
# N-Quads bytes given to one call of Oxigraph's bulk loader: its memory grows ~3 bytes a
# byte with what one call is given (112 MB of a release's N-Quads in one call: +350 MB;
# in pieces of 8 MB: +50 MB, and no slower), so a large graph is loaded in pieces. It is
# also the size of a batch handed to the loading thread (two are in memory: one loading).
LOAD_BYTES = 8_000_000


def data_home() -> Path:
    """$XDG_DATA_HOME/policykg (~/.local/share/policykg): the store and what the server
    keeps beside it (the workbench's permalinks)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "policykg"


def default_store_path() -> Path:
    """$POLICYKG_STORE, else $XDG_DATA_HOME/policykg/store (~/.local/share/policykg/store)."""
    if os.environ.get("POLICYKG_STORE"):
        return Path(os.environ["POLICYKG_STORE"])
    return data_home() / "store"


@dataclass(frozen=True)
class BuildResult:
    path: Path
    directory: Path
    version: str
    quads: int


@dataclass(frozen=True)
class Added:
    """A graph as a build added it: the hex SHA-256 of its N-Quads (`graph_digest`) and
    its quads."""

    digest: str
    quads: int


def builds_of(path: Path) -> Path:
    """Where the builds of the store at `path` live; refuses a path that is not ours."""
    path = path.absolute()
    if path.exists() and not path.is_symlink():
        raise StoreError(f"{path}: exists and is not a store built by policykg "
                         "(expected a symbolic link); move it away or choose another --store")
    return path.with_name(path.name + ".builds")


@contextlib.contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold the store's build lock for a build, or fail at once naming the build that holds
    it; then remove what builds that died left behind (none of them is running now)."""
    builds = builds_of(path)
    builds.mkdir(parents=True, exist_ok=True)
    lock = FileLock(builds / LOCK, blocking=False, thread_local=False, on_acquired=_write_pid)
    try:
        lock.acquire()
    except Timeout:
        holder = (builds / LOCK).read_text().strip() or "unknown"
        raise StoreError(f"another build of {path} is running (pid {holder})") from None
    try:
        _remove_partial(builds, path.absolute())
        yield
    finally:
        lock.release()


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


class Building:
    """A store being built in a new directory. Add graphs, then `commit()` to write the
    metadata graph (graph/void.py) and the dumps (graph/dumps.py) and swap it in; if
    `commit()` fails or is never reached the directory is removed and the old store
    stays."""

    def __init__(self, path: Path, iris: Iris, with_dumps: bool = True,
                 copy_of: Path | None = None) -> None:
        """`copy_of`: a complete build to start from (graph/incremental.py), copied by
        Oxigraph's backup (hard links to its immutable files: ~0.1 s whatever its size);
        the dumps' members of the graphs it keeps are linked from it
        (graph/dump_members.py)."""
        self.path = path.absolute()
        self.builds = builds_of(self.path)
        self.iris = iris
        self.started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.builds.mkdir(parents=True, exist_ok=True)
        self.directory = self.builds / (f"{self.started:%Y%m%dT%H%M%SZ}-{os.getpid()}-"
                                        f"{secrets.token_hex(3)}")
        self.with_dumps = with_dumps
        self.copy_of = copy_of
        # the graphs added or dropped, each once (a replaced graph is both), in order
        self.changed: dict[NamedNode, None] = {}
        # once loaded, what they changed (graph/delta.py): what validating and describing
        # a change start from
        self.change: Delta | None = None
        self.previous: Store | None = None  # copy_of, open to read
        try:  # a failure or a stop signal from here on removes the directory
            if copy_of is not None:
                Store.read_only(str(copy_of)).backup(str(self.directory))
            self.store = Store(str(self.directory))
            self.also = dumps.serialized_besides(with_dumps)  # each graph's formats but N-Quads
            members = Path(dumps.DUMPS_DIR, dump_members.MEMBERS_DIR)
            self.members = dump_members.Members(
                self.directory / members, copy_of / members if copy_of else None) \
                if with_dumps else None
            # the dumps' members written from what is loaded (the others' come at commit)
            self.writing = {fmt.key: dump_members.MemberWriting(self.members, fmt)
                            for fmt in (dumps.WHILE_LOADING if with_dumps else ())}
        except BaseException:
            self.__dict__.pop("store", None)
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        self.digests: list[bytes] = []
        self.graphs: list[tuple[NamedNode, Added]] = []  # in the order of the dumps
        # releases' statement coverage known already: a change's kept releases (graph/void.py)
        self.coverage: dict[str, Literal] = {}
        self.pending: list[Quad] = []
        self.serialized: list[bytes] = []  # graphs already serialized as N-Quads
        self.pending_bytes = 0  # of N-Quads
        self.quads = 0
        self.version = ""
        self.committed = False
        self.loader = ThreadPoolExecutor(1, thread_name_prefix="load")
        self.loading: Future[None] | None = None  # the batch being loaded
        # once loaded: the metadata graph, and the triples held by several data graphs
        self.description: Future[tuple[list[Quad], dumps.Shared]] | None = None

    def keep(self, name: NamedNode, graph: Added) -> None:
        """Count a graph the copied build already holds, as `add` counted it then: its
        digest joins the content hash, so the version is the one a whole build gives; its
        dumps' members are the copied build's."""
        self.digests.append(bytes.fromhex(graph.digest))
        self.quads += graph.quads
        self.graphs.append((name, graph))

    def drop(self, graph: NamedNode) -> None:
        """Remove a graph of the copied build (a release replaced or removed)."""
        self.changed[graph] = None
        self.store.remove_graph(graph)

    def add(self, quads: list[Quad]) -> Added:
        """Add one graph's quads; their digest joins the content hash, which sorts the
        digests so it does not depend on the order of the graphs (each graph's quads come
        in a deterministic order). Quads reach the store in large batches, the fast path
        of bulk loading; blank nodes keep their labels (the ontology's OWL lists)."""
        quads = list(dict.fromkeys(quads))  # the dump holds each quad once, as the store does
        self.pending += quads
        return self._added([dumps.piece(quads, self.also)], quads[0].graph_name,
                           loads_text=False)

    def add_serialized(self, pieces: Iterable[dumps.Piece], graph: NamedNode) -> Added:
        """Add one graph, serialized by graph/convert.py (each quad once: what `add` would
        hash and store) as N-Quads, loaded by Oxigraph's parser, which gives blank nodes
        new labels: for graphs with none (a release's), and in the formats of `also`. The
        pieces may be made as they are read: each is loaded and written into the dumps,
        then let go, so a large release's graph is never whole in memory."""
        return self._added(pieces, graph, loads_text=True)

    def _added(self, pieces: Iterable[dumps.Piece], graph: NamedNode,
               loads_text: bool) -> Added:
        """Load the pieces and write them into the graph's dumps' members; the graph's
        digest is that of its N-Quads in the dumps' order. A graph of one piece is in that
        order already, and its members are written as it loads; the pieces of a larger one
        are each sorted, merged (from disk) for the digest, and its members made at commit
        from the store (graph/dump_members.py)."""
        pieces = iter(pieces)
        first, second = next(pieces, None), next(pieces, None)
        whole = second is None
        writing = self.writing if whole else {}
        digest, quads = hashlib.sha256(), 0
        for each in writing.values():
            each.begin()
        with dump_members.Runs() as runs:
            for piece in itertools.chain(filter(None, (first, second)), pieces):
                checkpoint()  # a large release takes minutes: a stop signal need not wait
                text = piece.text[dumps.SOURCE.key]
                if whole:
                    digest.update(text)
                else:
                    runs.add(text)
                if loads_text:
                    self.serialized.append(text)
                for key, each in writing.items():
                    each.write(piece.text[key])
                self.quads += piece.quads
                quads += piece.quads
                self.pending_bytes += len(text)
                if self.pending_bytes >= LOAD_BYTES:
                    self.flush()
            for line in runs.lines():
                digest.update(line)
        self.digests.append(digest.digest())
        self.changed[graph] = None
        added = Added(digest.hexdigest(), quads)
        for each in writing.values():
            each.end(added.digest, quads)
        self.graphs.append((graph, added))
        return added

    def flush(self) -> None:
        """Hand the batch to the store on a thread (Oxigraph lets go of the GIL while it
        loads), so the next releases arrive meanwhile; one batch loads at a time."""
        pending, serialized = self.pending, self.serialized
        self.pending, self.serialized, self.pending_bytes = [], [], 0
        if self.loading is not None:
            self.loading.result()
        self.loading = self.loader.submit(self._load, pending, serialized)

    def _load(self, pending: list[Quad], serialized: list[bytes]) -> None:
        if pending:
            self.store.bulk_extend(pending)
        for piece in _pieces(serialized):  # our own writer's: the parser need not check IRIs
            self.store.bulk_load(piece, format=RdfFormat.N_QUADS, lenient=True)

    def loaded(self) -> None:
        """Every graph is in: flush them, and start describing the store (graph/void.py,
        one core's worth of queries) on a thread of its own, so that validating it, which
        the caller may do meanwhile, has the other cores."""
        self.flush()
        self.loader.shutdown()  # waits for the last batch
        self.loading.result()
        self.store.flush()
        if self.copy_of is not None:
            self.previous = Store.read_only(str(self.copy_of))
            self.change = delta(self.store, self.previous, self.changed,
                                self.iris.graph("metadata"))
        digest = hashlib.sha256(b"".join(sorted(self.digests))).hexdigest()[:16]
        self.version = f"{self.started:%Y-%m-%d}-{digest}"
        pool = ThreadPoolExecutor(1, thread_name_prefix="describe")
        self.description = pool.submit(self._describe, digest)
        pool.shutdown(wait=False)  # the thread ends with its one task

    def _describe(self, digest: str) -> tuple[list[Quad], dumps.Shared]:
        """The metadata graph, and the triples several graphs hold (VoID's and the merged
        dumps'); a change's from the build it started from and what it changed, where that
        build kept them (graph/void_change.py)."""
        before = None if self.change is None else dumps.read_shared(self.copy_of / SHARED)
        shared = dumps.shared_triples(self.store) if before is None else \
            dumps.shared_after(self.store, before, self.change.touched)
        dumps.write_shared(self.directory / SHARED, shared)
        figures = None if self.change is None else void_change.changed_figures(
            self.store, self.previous, self.change, self.iris)
        return _metadata(self.iris, digest, self.version, self.started) + void.describe(
            self.store, self.iris, self.version, self.started, self.with_dumps,
            shared, self.coverage, figures,
            None if self.change is None else self.change.touched), shared

    def commit(self) -> BuildResult:
        if self.description is None:
            self.loaded()
        version = self.version
        # The metadata graph, then the dumps (which include it), then what only the written
        # files can tell (size, SHA-256), all before the swap: a failed dump changes nothing.
        metadata, shared = self.description.result()
        checkpoint()
        self.store.bulk_extend(metadata)
        self.store.flush()
        if self.with_dumps:
            files = self._dumps(metadata, shared, version)
            self.store.bulk_extend(void.file_facts(self.iris, files))
            self.store.flush()
        checkpoint()
        # server/search.py's; a change updates the copied build's index where it changed
        search_index.write(self.store, self.iris, self.directory,
                           self.copy_of / search_index.INDEX if self.copy_of else None,
                           list(self.changed))
        checkpoint()  # the last: a stop signal from here on comes after the swap
        self._swap()
        return BuildResult(self.path, self.directory, version, self.quads)

    def _dumps(self, metadata: list[Quad], shared: dumps.Shared,
               version: str) -> list[dumps.DumpFile]:
        """Each dump, the concatenation of its graphs' members (graph/dump_members.py):
        those of the metadata graph written now, the others' made unless the build has
        them (written while loading, or linked from the build it started from)."""
        members, graph = self.members, self.iris.graph("metadata")
        text = dumps.serialized(metadata, self.also)
        described = Added(hashlib.sha256(text[dumps.SOURCE.key]).hexdigest(), len(metadata))
        for key, writing in self.writing.items():
            writing.begin()
            writing.write(text[key])
            writing.end(described.digest, described.quads)
            writing.close()
        order = sorted([*self.graphs, (graph, described)],
                       key=lambda held: dump_members.dump_position(held[0], graph))
        return dump_members.finish(
            self.store, members, [(name, added.digest) for name, added in order],
            shared | dumps.shared_triples(self.store, within=graph),
            self.directory / dumps.DUMPS_DIR, version)

    def _swap(self) -> None:
        _readers(self.directory).touch()  # complete: from now on only a prune removes it
        link = self.builds / f".link-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(self.directory, self.path.parent))
        os.replace(link, self.path)
        self.committed = True
        _prune(self.builds, self.directory)

    def abort(self) -> None:
        if self.committed:  # stopped after the swap: this build is the store now
            return
        self.loader.shutdown(cancel_futures=True)  # waits for a batch being loaded
        if self.description is not None:
            self.description.exception()  # waits: its queries hold the store
        for writing in self.writing.values():
            writing.discard()
        del self.store
        shutil.rmtree(self.directory, ignore_errors=True)


def graph_digest(nquads: list[bytes]) -> bytes:
    """The SHA-256 of a graph's N-Quads as a build serializes them (each quad once, in the
    order its conversion gives): what the content hash is made of, and how an added
    release is known to be the one the store holds."""
    digest = hashlib.sha256()
    for piece in nquads:
        digest.update(piece)
    return digest.digest()


def _pieces(graphs: list[bytes]) -> Iterator[bytes]:
    """The graphs' N-Quads regrouped into pieces of about LOAD_BYTES, cut at line ends."""
    pending: list[bytes] = []
    size = 0
    for data in graphs:
        start = 0
        while start < len(data):
            room = LOAD_BYTES - size
            if len(data) - start <= room:
                pending.append(data[start:] if start else data)
                size += len(data) - start
                break
            cut = data.find(b"\n", start + max(room, 1) - 1) + 1 or len(data)
            pending.append(data[start:cut])
            yield b"".join(pending)
            pending, size, start = [], 0, cut
    if pending:
        yield b"".join(pending)


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


def _readers(directory: Path) -> Path:
    return directory.with_name(directory.name + READERS)


def _prune(builds: Path, current: Path) -> None:
    """Remove the complete builds older than the previous one, but none a reader holds."""
    others = sorted((d for d in builds.iterdir() if d.is_dir() and d != current
                     and _readers(d).exists()),
                    key=lambda d: _readers(d).stat().st_mtime_ns, reverse=True)
    for old in others[KEEP_BUILDS - 1:]:
        _remove_unless_held(old)


def _remove_unless_held(directory: Path) -> None:
    """Remove a complete build unless a reader holds it. Its readers file goes last, once
    the directory is gone, so a reader waiting for it finds it unlinked (`hold`)."""
    marker = _readers(directory)
    try:
        file = marker.open("rb")
    except FileNotFoundError:
        return
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a reader has it
        shutil.rmtree(directory, ignore_errors=True)
        if not directory.exists():
            marker.unlink()


def _remove_partial(builds: Path, path: Path) -> None:
    """Remove the directories of builds that never completed (their process died, since the
    caller holds the build lock), their swap links, and readers files left without a build."""
    current = path.resolve() if path.is_symlink() else None
    for entry in builds.iterdir():
        if entry.name.startswith(".link-") and entry.is_symlink():
            entry.unlink()
        elif entry.is_dir() and entry != current and not _readers(entry).exists():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.endswith(READERS) and not entry.with_name(
                entry.name[: -len(READERS)]).exists():
            entry.unlink()


class Held:
    """A reader's hold on a build directory: no build removes it while the hold is open.
    Closing it (`release`, leaving the `with`, or the object being collected) lets go."""

    def __init__(self, directory: Path, file: BinaryIO | None) -> None:
        self.directory = directory
        self.file = file

    def release(self) -> None:
        if self.file is not None:
            self.file.close()

    def __enter__(self) -> Held:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def hold(directory: Path) -> Held:
    """Hold a build directory (what a store link resolves to) for reading; StoreError if it
    has been removed meanwhile (resolve the link again). A directory policykg did not build,
    or built before holds existed, has nothing to hold and is never removed by a prune."""
    marker = _readers(directory)
    try:
        file = marker.open("rb")
    except FileNotFoundError:
        if directory.is_dir():
            return Held(directory, None)
        raise StoreError(f"{directory}: this build has been removed") from None
    fcntl.flock(file, fcntl.LOCK_SH)  # waits while a prune removes it (briefly)
    if os.fstat(file.fileno()).st_nlink == 0 or not directory.is_dir():
        file.close()
        raise StoreError(f"{directory}: this build has been removed")
    return Held(directory, file)


def open_held(path: Path) -> tuple[Store, Held]:
    """Open the store at `path` read-only with a hold on the build it points to, so that
    no later build removes it while it is open: what a reader of a store should use. If a
    prune removed the build between resolving the link and holding it, the link has moved
    on: it is resolved again."""
    while True:
        target = path.resolve()
        if not target.is_dir():
            raise _no_store(path)
        try:
            held = hold(target)
        except StoreError:
            if path.resolve() != target:
                continue
            raise
        try:
            return _open_read_only(target, path), held
        except BaseException:
            held.release()
            raise


def open_store(path: Path) -> Store:
    """Open a built store read-only; a clear one-line error if there is none, or if the
    directory is empty or damaged."""
    return _open_read_only(path.resolve(), path)


def _open_read_only(target: Path, path: Path) -> Store:
    if not target.is_dir():
        raise _no_store(path)
    if not (target / "CURRENT").exists():  # what every RocksDB (Oxigraph) directory has
        raise StoreError(f"{path}: not a store (no Oxigraph database in {target}); "
                         "run `policykg build`")
    try:
        store = Store.read_only(str(target))
        next(iter(store.named_graphs()), None)  # reads: a damaged store fails here, not
        next(iter(store.quads_for_pattern(None, None, None)), None)  # in a later query
    except (OSError, RuntimeError) as exc:  # RocksDB reports corruption as RuntimeError
        raise StoreError(f"{path}: cannot open the store ({exc})") from exc
    return store


def _no_store(path: Path) -> StoreError:
    return StoreError(f"{path}: no store here; run `policykg build` first")


def check(path: Path) -> None:
    """Raise StoreError (one line) unless `path` is a store that opens and reads: what a
    server checks before it starts answering."""
    open_store(path)
