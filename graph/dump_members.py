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
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from .dumps import FORMATS, LICENSE, DumpFile, DumpFormat, HashingWriter, Shared
from .interrupts import WorkerPool, leave_to_parent

MEMBERS_DIR = "members"  # in a build's dumps directory: <format>/<key>.gz
# in MEMBERS_DIR: each member's statements, by format and key, and each dump's members
INDEX = "members.json"
COMPRESS_LEVEL = 6
# A document format's tail, and what separates two bodies; its head is what comes before
# the tail in an empty document.
TAILS = {"jsonld": b"]", "rdfxml": b"</rdf:RDF>"}
SEPARATORS = {"jsonld": b","}
QUEUED_WRITES = 16  # pieces waiting to be compressed into members, at most


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
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0,
                       compresslevel=COMPRESS_LEVEL) as member:
        member.write(data)
    return out.getvalue()


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
        self.out: gzip.GzipFile | None = None
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
            self.out = gzip.GzipFile(filename="", mode="wb", fileobj=self.temporary.open("wb"),
                                     mtime=0, compresslevel=COMPRESS_LEVEL)
        self._submit(start)

    def write(self, data: bytes) -> None:
        self._submit(lambda: self.out.write(data))

    def end(self, key: str, statements: int) -> None:
        def close() -> None:
            raw = self.out.fileobj
            self.out.close()
            raw.close()
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
                self.out.fileobj.close()


def dataset_member(store: Store, graph: NamedNode, fmt: DumpFormat, members: Members,
                   key: str) -> None:
    """A dataset format's member of a graph the build holds without one (the build it
    started from wrote none: made by an older policykg, or without dumps), from the
    store: the same quads, in the store's order rather than its conversion's."""
    quads = list(store.quads_for_pattern(None, None, None, graph))
    members.path(fmt, key).write_bytes(compressed(serialize(quads, format=fmt.writer)))
    members.made(fmt, key, len(quads))


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
    fmt = next(f for f in FORMATS if f.key == task.fmt)
    framing = frame(fmt)
    counts = []
    for nquads, left_out, target in task.members:
        out = Path(target).with_name(".making.gz")
        written = [0]
        skip = set(left_out)
        with gzip.open(nquads, "rb") as source, out.open("wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                              compresslevel=COMPRESS_LEVEL) as member:
            body = _Body(member, framing)
            serialize(_kept(parse(source, format=RdfFormat.N_QUADS), skip, written), body,
                      fmt.writer)
            body.finish()
        os.replace(out, target)
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
