"""One release file to its RDF (read → extract → RDF → N-Quads), and many of them on every
core, handed back in the order given.

Extraction and conversion are Python, one core's worth of work a release; loading the
store is Rust. So a build of many releases converts them in worker processes while the
building process loads what they hand back. What crosses over is small: a summary, the
names of the entities the release discovered, and the release's graph as N-Quads, the
bytes the store loads and the build's content hash digests (and as TriG, for the dump the
build writes beside the N-Quads one while it loads).

One thing is not a release's own: a discovered entity written differently in two releases
("NOTICE", "Notice") keeps the first release's label (`harmonise`). A worker cannot
know what came first, so it reports the names as written, and the rare release whose names
clash with earlier ones is converted again by the building process, with the labels
known by then: the graph is the one a one-at-a-time build makes.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Quad

from .dumps import Piece, piece
from .extract import extract
from .extract.gaps import summary_line
from .facts import ReleaseFacts
from .interrupts import WorkerPool, leave_to_parent
from .iris import Iris
from .lexicon import Lexicon
from .rdf import release_quads
from .source import read_source

PARALLEL_FROM = 8  # releases; fewer are converted in the building process (no pool)
AHEAD = 4  # releases in flight per worker: enough to keep them busy, little memory
SERIALIZED_AT_ONCE = 20_000  # quads of a release's graph in one Piece (serialized at once)


@dataclass(frozen=True)
class Converted:
    path: Path
    id: str
    title: str
    published: str
    statements: int
    gaps: str  # one line: what extraction did not understand (graph/extract/gaps.py)
    names: tuple[tuple[str, str], ...]  # (id, label as written) of each discovered entity
    # the release's graph in pieces, in order, each as N-Quads ("nq") and in each other
    # format asked for (by the key of its dump, graph/dumps.py: the dumps written while
    # the store loads): a list from a worker process; made as they are read (once) when
    # converted `lazily` in the building process (`_pieces`)
    pieces: Iterable[Piece]


def convert(path: Path, lexicon: Lexicon, iris: Iris, labels: dict[str, str] | None = None,
            also: tuple[str, ...] = (), lazily: bool = False) -> Converted:
    """A release's graph, serialized as N-Quads and as the dumps `also` names; with
    `labels` (the first label of each discovered entity so far, updated here), its
    entities take the first label seen, as `harmonise` says. `lazily`, its pieces are
    made as the caller reads them: only the release's facts and a piece are in memory,
    not its whole graph (which is what a worker process has to hand back)."""
    facts = extract(read_source(path), lexicon)
    names = tuple((e.id, e.label) for e in facts.entities if not e.curated)
    if labels is not None:
        harmonise(facts, labels)
    pieces = _pieces(release_quads(facts, iris), also)
    return Converted(path, facts.id, facts.title, str(facts.published),
                     len(facts.statements), summary_line(facts), names,
                     pieces if lazily else list(pieces))


def _pieces(quads: Iterable[Quad], also: tuple[str, ...]) -> Iterator[Piece]:
    """Each quad once (the first time it comes, as the store holds it), serialized
    SERIALIZED_AT_ONCE at a time (a TriG piece is a block of the graph). What is kept of
    the quads already passed is a 128-bit digest of each (~90 bytes, where a quad object
    takes ~600): two different quads share one with odds of ~1e-27 at a million quads."""
    seen: set[int] = set()
    pending: list[Quad] = []
    for quad in quads:
        digest = int.from_bytes(hashlib.blake2b(str(quad).encode(), digest_size=16).digest())
        if digest in seen:
            continue
        seen.add(digest)
        pending.append(quad)
        if len(pending) == SERIALIZED_AT_ONCE:
            yield piece(pending, also)
            pending = []
    if pending:
        yield piece(pending, also)


def harmonise(facts: ReleaseFacts, labels: dict[str, str]) -> None:
    """A discovered entity written differently in two releases ("NOTICE", "Notice") is one
    IRI with one preferred label: the first release's; later spellings become aliases."""
    for entity in facts.entities:
        if entity.curated:
            continue
        first = labels.setdefault(entity.id, entity.label)
        if first != entity.label:
            entity.aliases = [entity.label, *entity.aliases]
            entity.label = first


def clashes(names: Sequence[tuple[str, str]], labels: dict[str, str]) -> bool:
    """Whether `harmonise` would relabel any of a release's discovered entities."""
    seen: dict[str, str] = {}
    return any(labels.get(i, seen.setdefault(i, label)) != label for i, label in names)


@contextmanager
def converted(paths: Sequence[Path], lexicon: Lexicon, iris: Iris, also: tuple[str, ...] = ()
              ) -> Iterator[Iterator[Converted]]:
    """The releases converted, in the order given: by worker processes (one per core) when
    there are many. The workers are forked on entering, before the caller opens its store,
    so none of them holds a copy of an open store."""
    workers = os.cpu_count() or 1
    if workers < 2 or len(paths) < PARALLEL_FROM:
        yield (convert(path, lexicon, iris, also=also, lazily=True) for path in paths)
        return
    context = multiprocessing.get_context("fork")
    with WorkerPool(workers, mp_context=context, initializer=_remember,
                    initargs=(lexicon, iris, also)) as pool:
        window = deque(pool.submit(_convert_here, path) for path in paths[:AHEAD * workers])
        rest = iter(paths[AHEAD * workers:])

        def in_order() -> Iterator[Converted]:
            while window:
                done = window.popleft().result()
                following = next(rest, None)
                if following is not None:
                    window.append(pool.submit(_convert_here, following))
                yield done

        yield in_order()


_worker: tuple[Lexicon, Iris, tuple[str, ...]] | None = None  # what a worker converts with


def _remember(lexicon: Lexicon, iris: Iris, also: tuple[str, ...]) -> None:
    global _worker
    _worker = (lexicon, iris, also)
    leave_to_parent()


def _convert_here(path: Path) -> Converted:
    lexicon, iris, also = _worker
    return convert(path, lexicon, iris, also=also)
