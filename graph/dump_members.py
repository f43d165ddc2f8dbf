"""A build's dumps made of gzip members, one per graph and format, kept beside the dumps.

Why: `policykg add` changes a few graphs of a store of hundreds; written whole, the six
dumps cost it as much as a build's (each is the whole store, compressed). gzip allows a
file to be several members one after another (RFC 1952 §2.2; `gzip -d`, Python's gzip and
every RDF tool's reader read them as one stream), so a dump is the concatenation of its
graphs' members, in the build's order of graphs, the metadata graph last. A build writes
every member; a change links the members of the graphs it kept from the build it started
from (hard links: they are never written again), makes those of the graphs it added, and
concatenates: the same bytes a whole build of the same releases writes.

- N-Quads and TriG (all named graphs): a graph's member is its serialization as the build
  loads it (its N-Quads are the bytes hashed into its digest), named by that digest.
- Turtle, N-Triples, JSON-LD, RDF/XML (the merged graph, each triple once: graph/dumps.py):
  a graph's member holds its triples but those written from another graph (the first of
  the graphs holding them in the dump's order, the build's: so a graph added last changes
  no other graph's member), so it is named by its digest and those triples.
  JSON-LD and RDF/XML are one document: the member holds the body (the document less its
  fixed head and tail), and the dump adds the head, a separator between bodies (JSON-LD's
  comma) and the tail, each a member of its own.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import heapq
import io
import itertools
import json
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from .dumps import (
    BY_KEY,
    FORMATS,
    LICENSE,
    SOURCE,
    WHILE_LOADING,
    DumpFile,
    DumpFormat,
    HashingWriter,
    Shared,
    in_dump_order,
    shared_triples,
    write_manifest,
)
from .interrupts import WorkerPool, leave_to_parent
from .iris import Iris, store_base

MEMBERS_DIR = "members"  # in a build's dumps directory: <format>/<key>.gz
# in MEMBERS_DIR: each member's statements, by format and key, and each dump's members
INDEX = "members.json"
COMPRESS_LEVEL = 6
# A document format's tail, and what separates two bodies; its head is what comes before
# the tail in an empty document.
TAILS = {"jsonld": b"]", "rdfxml": b"</rdf:RDF>"}
SEPARATORS = {"jsonld": b","}
QUEUED_WRITES = 16  # pieces waiting to be compressed into members, at most
BLOCK = 1 << 18  # bytes compressed at a time (MemberOut)
RUN = 20_000  # quads of a stored graph sorted in memory at once (graph_lines)
PARALLEL_FROM = 100_000  # quads of members to make; fewer take less than starting processes


@dataclass(frozen=True)
class Frame:
    head: bytes
    separator: bytes
    tail: bytes


def frame(fmt: DumpFormat) -> Frame:
    """What a dump of `fmt` has besides its members' bodies."""
    tail = TAILS.get(fmt.key, b"")
    empty = serialize([], format=fmt.writer)
    if not empty.endswith(tail):
        raise RuntimeError(f"an empty {fmt.label} document ends otherwise than expected")
    return Frame(empty[: len(empty) - len(tail)], SEPARATORS.get(fmt.key, b""), tail)


def compressed(data: bytes) -> bytes:
    """One gzip member, with the header every member of a dump has (no name, mtime 0)."""
    out = io.BytesIO()
    member = MemberOut(out)
    member.write(data)
    member.close()
    return out.getvalue()


class MemberOut:
    """A gzip member (no name, mtime 0) compressed BLOCK bytes at a time, however its
    writer splits what it writes: zlib's output depends on how its input comes, and a
    member must be the same bytes whoever makes it (a build as it loads, a front-end
    from an engine's graphs)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.gzip = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                  compresslevel=COMPRESS_LEVEL)
        self.pending = bytearray()

    def write(self, data) -> int:
        self.pending += data
        if len(self.pending) >= BLOCK:
            cut = len(self.pending) - len(self.pending) % BLOCK
            for start in range(0, cut, BLOCK):
                self.gzip.write(self.pending[start:start + BLOCK])
            del self.pending[:cut]
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.pending:
            self.gzip.write(self.pending)
        self.gzip.close()


@dataclass
class Members:
    """The members of a build (`directory`, its dumps directory's MEMBERS_DIR) and of the
    build it started from (`previous`), whose members are linked, never copied."""

    directory: Path
    previous: Path | None = None
    statements: dict[str, dict[str, int]] = field(default_factory=dict)  # format → key → n
    before: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for fmt in FORMATS:
            (self.directory / fmt.key).mkdir(parents=True, exist_ok=True)
            self.statements.setdefault(fmt.key, {})
        if self.previous is not None:
            with contextlib.suppress(OSError, ValueError, KeyError):  # none, or unreadable
                self.before = read_index(self.previous)["statements"]

    def path(self, fmt: DumpFormat, key: str) -> Path:
        return self.directory / fmt.key / f"{key}.gz"

    def held(self, fmt: DumpFormat, key: str) -> bool:
        """Whether the member is here, linked from the previous build if it was there."""
        if key in self.statements[fmt.key]:
            return True
        count = self.before.get(fmt.key, {}).get(key)
        if count is None or self.previous is None:
            return False
        try:
            os.link(self.previous / fmt.key / f"{key}.gz", self.path(fmt, key))
        except FileExistsError:
            pass
        except OSError:
            return False  # gone, or links not allowed here: it is made again
        self.statements[fmt.key][key] = count
        return True

    def made(self, fmt: DumpFormat, key: str, statements: int) -> None:
        self.statements[fmt.key][key] = statements

    def save(self, dumps: dict[str, list[str]]) -> None:
        """Keep the members' statements and which members each dump is made of."""
        body = {"statements": self.statements, "dumps": dumps}
        (self.directory / INDEX).write_text(json.dumps(body, sort_keys=True) + "\n",
                                            encoding="utf-8")

    def concatenate(self, fmt: DumpFormat, keys: list[str], out_dir: Path,
                    version: str) -> DumpFile:
        """The dump of `fmt`: its frame and the members of `keys`, in order (empty ones
        left out); its size, SHA-256 and statements as the manifest lists them."""
        framing = frame(fmt)
        counts = self.statements[fmt.key]
        with (out_dir / fmt.file_name).open("wb") as raw:
            out = HashingWriter(raw)
            if framing.head:
                out.write(compressed(framing.head))
            separator = compressed(framing.separator) if framing.separator else b""
            first = True
            for key in keys:
                if counts[key] == 0:
                    continue
                if not first:
                    out.write(separator)
                with self.path(fmt, key).open("rb") as member:
                    while chunk := member.read(1 << 20):
                        out.write(chunk)
                first = False
            if framing.tail:
                out.write(compressed(framing.tail))
        return DumpFile(fmt.key, fmt.label, fmt.file_name, fmt.media_type,
                        "all named graphs" if fmt.dataset else "merged graph", out.size,
                        out.sha256.hexdigest(), sum(counts[k] for k in keys), version,
                        LICENSE)


def read_index(directory: Path) -> dict:
    """What `Members.save` kept in a members directory."""
    return json.loads((directory / INDEX).read_text(encoding="utf-8"))


class MemberWriting:
    """Members of one format written as a build loads its graphs, compressed on a thread
    of their own (zlib lets go of the GIL), at most QUEUED_WRITES pieces behind; each is
    written under a temporary name and renamed to its key once its graph is complete."""

    def __init__(self, members: Members, fmt: DumpFormat) -> None:
        self.members = members
        self.fmt = fmt
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="member")
        self.pending: list[Future[object]] = []
        self.out: MemberOut | None = None
        self.temporary = members.directory / fmt.key / ".writing.gz"

    def _submit(self, action: Callable[[], object]) -> None:
        done = [future for future in self.pending if future.done()]
        for future in done:
            future.result()  # raises a failed write's error here
        self.pending = [future for future in self.pending if future not in done]
        while len(self.pending) >= QUEUED_WRITES:
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(action))

    def begin(self) -> None:
        def start() -> None:
            self.out = MemberOut(self.temporary.open("wb"))
        self._submit(start)

    def write(self, data: bytes) -> None:
        self._submit(lambda: self.out.write(data))

    def end(self, key: str, statements: int) -> None:
        def close() -> None:
            self.out.close()
            self.out.raw.close()
            os.replace(self.temporary, self.members.path(self.fmt, key))
        self._submit(close)
        self.members.made(self.fmt, key, statements)

    def close(self) -> None:
        """Wait for every member to be written; a failed write's error is raised here."""
        for future in self.pending:
            future.result()
        self.pending = []
        self.pool.shutdown()

    def discard(self) -> None:
        """Stop writing (a failed build: its directory is removed), raising nothing."""
        self.pool.shutdown(cancel_futures=True)
        if self.out is not None:
            with contextlib.suppress(Exception):
                self.out.raw.close()


def dataset_member(store: Store, graph: NamedNode, fmt: DumpFormat, members: Members,
                   key: str) -> None:
    """A dataset format's member of a graph, from the store: for a graph loaded in several
    pieces, one the build it started from holds without members (made by an older
    policykg, or without dumps), and every graph of a store's dumps (`write_dumps`). The
    N-Quads member is the graph's lines in the dumps' order (graph/dumps.py
    in_dump_order), the others its quads parsed back from it: what a build writes as it
    loads a graph of one piece."""
    written = [0]
    with _writing_member(members.path(fmt, key)) as out:
        if fmt is SOURCE:
            for line in graph_lines(store, graph):
                out.write(line)
                written[0] += 1
        else:
            with gzip.open(members.path(SOURCE, key), "rb") as source:
                serialize(_counted(parse(source, format=RdfFormat.N_QUADS), written), out,
                          fmt.writer)
    members.made(fmt, key, written[0])


@contextlib.contextmanager
def _writing_member(target: Path) -> Iterator[BinaryIO]:
    """A member written under a temporary name, renamed to `target` once complete."""
    making = target.with_name(".making.gz")
    with making.open("wb") as raw:
        out = MemberOut(raw)
        yield out
        out.close()
    os.replace(making, target)


def graph_lines(store: Store, graph: NamedNode) -> Iterator[bytes]:
    """A stored graph's N-Quads lines in the dumps' order, RUN quads sorted in memory at a
    time: memory stays flat whatever the size of the graph."""
    quads = store.quads_for_pattern(None, None, None, graph)
    with Runs() as runs:
        while chunk := list(itertools.islice(quads, RUN)):
            runs.add(in_dump_order(chunk)[1])
        yield from runs.lines()


class Runs:
    """Sorted runs of a graph's N-Quads lines in temporary files, merged into one sorted
    stream: a graph too large to sort in memory, in the dumps' order."""

    def __init__(self) -> None:
        self.files: list[BinaryIO] = []

    def add(self, text: bytes) -> None:
        run = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__, with the others
        self.files.append(run)
        run.write(text)
        run.seek(0)

    def lines(self) -> Iterator[bytes]:
        return heapq.merge(*self.files)

    def __enter__(self) -> Runs:
        return self

    def __exit__(self, *_exc) -> None:
        for run in self.files:
            run.close()


def _counted(quads: Iterable[Quad], written: list[int]) -> Iterator[Quad]:
    for quad in quads:
        written[0] += 1
        yield quad


def write_dumps(store: Store, directory: Path, version: str,
                processes: int = 1) -> list[DumpFile]:
    """The six dumps of a whole store and their manifest, the bytes a build of the same
    graphs writes: its graphs' members, made from the store in a temporary members
    directory (removed after), concatenated in the build's order. Where a front-end makes
    the files of a version published to an engine (server/engine_files.py), and for
    bench/dump_bench.py. The store's metadata graph must not hold the facts of the files
    (graph/void.py is_file_fact), as a build's did not when it wrote them."""
    base = store_base(store)
    metadata = Iris(base).graph("metadata") if base else None
    graphs = sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)),
                    key=lambda g: dump_position(g, metadata))
    directory.mkdir(parents=True, exist_ok=True)
    members = Members(directory / MEMBERS_DIR)
    try:
        parts = [(graph, hashlib.sha256(graph.value.encode()).hexdigest()) for graph in graphs]
        return finish(store, members, parts, shared_triples(store), directory, version,
                      processes)
    finally:
        shutil.rmtree(members.directory, ignore_errors=True)


def dump_position(graph: NamedNode, metadata: NamedNode | None) -> tuple[bool, str]:
    """Where a graph goes in the dumps: by name, the metadata graph last (an order the
    store's graphs give alone, whatever order they were built or added in)."""
    return graph == metadata, graph.value


def finish(store: Store, members: Members, parts: list[tuple[NamedNode, str]],
           shared: Shared, directory: Path, version: str,
           processes: int | None = None) -> list[DumpFile]:
    """Each dump of `parts` (each graph and the key of its members, in the dumps' order),
    the concatenation of their members: those `members` lacks made (from the store, and
    the merged graph's from those), then the files, their manifest and the members' index.
    `processes`: how many make the merged graph's members (None: every core, if the
    members to make hold PARALLEL_FROM quads or more)."""
    for fmt in WHILE_LOADING:
        for graph, key in parts:
            if not members.held(fmt, key):
                dataset_member(store, graph, fmt, members, key)
    left_out = excluded(shared, [graph for graph, _ in parts])
    keys = {fmt.key: [key for _, key in parts] for fmt in WHILE_LOADING}
    tasks, making = [], 0
    for fmt in FORMATS:
        if fmt.dataset:
            continue
        todo, keys[fmt.key] = [], []
        for graph, key in parts:
            merged = merged_key(fmt, key, left_out[str(graph)])
            keys[fmt.key].append(merged)
            if not members.held(fmt, merged):
                todo.append((str(members.path(SOURCE, key)), left_out[str(graph)],
                             str(members.path(fmt, merged))))
                making += members.statements[SOURCE.key][key]
        if todo:
            tasks.append(MergedTask(fmt.key, todo))
    if processes is None:
        processes = (os.cpu_count() or 1) if making >= PARALLEL_FROM else 1
    for task, counts in zip(tasks, make_all_merged(tasks, processes), strict=True):
        for (_, _, target), count in zip(task.members, counts, strict=True):
            members.made(BY_KEY[task.fmt], Path(target).name[:-len(".gz")], count)
    files = [members.concatenate(fmt, keys[fmt.key], directory, version) for fmt in FORMATS]
    write_manifest(directory, files)
    members.save(keys)
    return files


def excluded(shared: Shared, graphs: list[NamedNode]) -> dict[str, list[Triple]]:
    """For each graph of `graphs` (in the dump's order), the triples it holds that the
    merged graph takes from another: from the first in that order of the graphs holding
    it. (`policykg dump` takes it from the first by name, graph/dumps.py `_merged`: the same
    triples. Name order would let a release added last, named before others, take their
    triples and change their members: a thousand of them for an entity all releases
    mention.)"""
    position = {str(graph): number for number, graph in enumerate(graphs)}
    out: dict[str, list[Triple]] = {name: [] for name in position}
    for triple, held in shared.items():
        holders = sorted((position[graph], graph) for graph in held if graph in position)
        for _, graph in holders[1:]:
            out[graph].append(triple)
    return out


def merged_key(fmt: DumpFormat, digest: str, left_out: list[Triple]) -> str:
    """A merged-graph member's name: the format, the graph's digest, the triples left out."""
    text = "\n".join(sorted(str(t) for t in left_out))
    return hashlib.sha256(f"{fmt.key}\n{digest}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class MergedTask:
    """The merged-graph members of one format to make: for each graph, its N-Quads
    member, the triples to leave out, and where its member goes."""

    fmt: str
    members: list[tuple[str, list[Triple], str]]


def make_merged(task: MergedTask) -> list[int]:
    """Make the members of `task` (in a worker process for a large build); return each
    member's statements. Each graph's N-Quads member is parsed back, a quarter of the cost
    of reading the store again."""
    fmt = BY_KEY[task.fmt]
    framing = frame(fmt)
    counts = []
    for nquads, left_out, target in task.members:
        written = [0]
        skip = set(left_out)
        with gzip.open(nquads, "rb") as source, _writing_member(Path(target)) as member:
            body = _Body(member, framing)
            serialize(_kept(parse(source, format=RdfFormat.N_QUADS), skip, written), body,
                      fmt.writer)
            body.finish()
        counts.append(written[0])
    return counts


def _kept(quads: Iterable[Quad], skip: set[Triple], written: list[int]) -> Iterator[Triple]:
    for quad in quads:
        if quad.triple not in skip:
            written[0] += 1
            yield quad.triple


class _Body:
    """A writer that passes on a document but its frame's head and tail (which it checks)."""

    def __init__(self, out: BinaryIO, framing: Frame) -> None:
        self.out = out
        self.framing = framing
        self.seen = b""  # the first bytes, until the head is past
        self.held = b""  # the last bytes, which may be the tail

    def write(self, data) -> int:
        size = len(data)
        data = bytes(data)
        if len(self.seen) < len(self.framing.head):
            room = len(self.framing.head) - len(self.seen)
            self.seen += data[:room]
            data = data[room:]
        self.held += data
        cut = len(self.held) - len(self.framing.tail)
        if cut > 0:
            self.out.write(self.held[:cut])
            self.held = self.held[cut:]
        return size

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self.seen != self.framing.head or self.held != self.framing.tail:
            raise RuntimeError("a serialized graph does not have its format's frame")


def make_all_merged(tasks: list[MergedTask], processes: int) -> list[list[int]]:
    """Make the merged-graph members of every task: in fresh processes side by side when
    there are several, else on this thread."""
    if processes <= 1 or len(tasks) <= 1:
        return [make_merged(task) for task in tasks]
    with WorkerPool(processes, mp_context=multiprocessing.get_context("spawn"),
                    initializer=leave_to_parent) as pool:
        return list(pool.map(make_merged, tasks))
