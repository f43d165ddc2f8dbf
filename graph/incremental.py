"""`policykg add`, `remove` and `list`: change a store release by release, and end where a
whole build of the same releases in the same order ends.

A change starts from a copy of the store's current build (Oxigraph's backup: hard links,
~0.1 s whatever its size) and its record (graph/corpus.py). It drops the graphs of the
releases removed or replaced and the metadata graph, adds the new releases' graphs (an
added release goes last, as a build given it last would put it; a replaced one keeps its
place), then ends as a build ends (pipeline.finish: SHACL validation of what changed, the
record, the metadata graph, dumps, full-text index, the atomic swap), under the same lock
and stop signals. A failure leaves the last good store.

Cross-release identity: each release's graph holds the entities it discovered, so an
entity first seen in a removed release goes with its graph, and one seen in several
stays with the others. What crosses releases is a discovered entity's label, the first
release's (graph/convert.py `harmonise`): when a change moves the first release of an
entity, the releases whose labels move are converted again from their kept sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import corpus
from .convert import Converted, clashes, convert, converted
from .dumps import SOURCE, serialized, serialized_besides
from .errors import InputError, StoreError
from .interrupts import checkpoint
from .iris import Iris
from .lexicon import Lexicon, load_lexicon
from .pipeline import aborting, finish
from .rdf import lexicon_quads, ontology_quads
from .source import MAX_RELEASE_BYTES, check_size
from .store import Building, BuildResult, build_lock, graph_digest, hold
from .void import recorded_coverage


@dataclass
class Change:
    """What `add` or `remove` did; `result` is None when the store was left as it was (the
    releases added were the ones it holds)."""

    previous: Path  # the build the change started from
    result: BuildResult | None = None
    added: list[corpus.Entry] = field(default_factory=list)
    replaced: list[corpus.Entry] = field(default_factory=list)
    removed: list[corpus.Entry] = field(default_factory=list)
    relabelled: list[corpus.Entry] = field(default_factory=list)  # converted again
    unchanged: list[str] = field(default_factory=list)  # files added that were held already


@dataclass
class _Fresh:
    """A release to convert into the new build: from a user's file, or again from the
    source a build kept (`previous`, its entry then)."""

    done: Converted
    previous: corpus.Entry | None = None


def add(paths: Sequence[Path], store_path: Path, validate: bool = True, dumps: bool = True,
        max_release_bytes: int = MAX_RELEASE_BYTES) -> Change:
    """Add release files to the store, or replace the releases they are new versions of
    (same release IRI); adding a release the store holds, unchanged, changes nothing."""
    if not paths:
        raise InputError(str(store_path), "no releases to add; the store is unchanged")
    for path in paths:
        check_size(path, max_release_bytes)
    with build_lock(store_path):
        current = _current(store_path)
        record = corpus.read(current)
        iris, lexicon = Iris(record.base), load_lexicon()
        _check_same_schema(record, lexicon, iris)
        order: list[corpus.Entry | _Fresh] = list(record.releases)
        where = {entry.id: number for number, entry in enumerate(order)}
        given: dict[str, Path] = {}
        also = serialized_besides(dumps)  # each release's graph as TriG too, for its dumps
        with converted(list(paths), lexicon, iris, also) as releases_in_order:
            for done in releases_in_order:
                checkpoint()
                if done.id in given:
                    raise InputError(str(done.path), f"the same release as {given[done.id]} "
                                     f"({done.title}, {done.published})")
                given[done.id] = done.path
                if done.id in where:
                    order[where[done.id]] = _Fresh(done)
                else:
                    order.append(_Fresh(done))
        return _change(store_path, current, record, order, iris, lexicon, validate, dumps)


def remove(release: str, store_path: Path, validate: bool = True, dumps: bool = True
           ) -> Change:
    """Remove one release (its IRI, `release/<slug>`, slug, or the name of the file it was
    added from) and everything only it held."""
    with build_lock(store_path):
        current = _current(store_path)
        record = corpus.read(current)
        iris, lexicon = Iris(record.base), load_lexicon()
        gone = find(record, release)
        if len(record.releases) == 1:
            raise InputError(release, "the store's only release: a store of nothing is no "
                             "store; build another instead")
        _check_same_schema(record, lexicon, iris)
        order = [entry for entry in record.releases if entry is not gone]
        return _change(store_path, current, record, order, iris, lexicon, validate, dumps)


def releases(store_path: Path) -> list[corpus.Entry]:
    """The store's releases in the order they were built or added."""
    held = hold(_current(store_path))
    try:
        return corpus.read(held.directory).releases
    finally:
        held.release()


def find(record: corpus.Record, name: str) -> corpus.Entry:
    """The release `name` designates: its IRI, `release/<slug>`, its slug, or the name of
    the file it was added from; a one-line error for none, or for a file name two
    releases were added from."""
    prefix = f"{record.base}id/"
    wanted = name.removeprefix(prefix)
    by_id = [e for e in record.releases if wanted in (e.id, e.slug)]
    found = by_id or [e for e in record.releases if Path(name).name == e.file]
    if not found:
        raise InputError(name, "no such release in the store (give its IRI, slug or file "
                               "name; `policykg list` shows them)")
    if len(found) > 1:
        raise InputError(name, f"{len(found)} releases were added from files of this name; "
                               "give the slug instead")
    return found[0]


def _current(store_path: Path) -> Path:
    current = store_path.resolve()
    if not store_path.is_symlink() or not current.is_dir():
        raise StoreError(f"{store_path}: no store here; run `policykg build` first")
    return current


def _check_same_schema(record: corpus.Record, lexicon: Lexicon, iris: Iris) -> None:
    """A change converts with this code's lexicon and ontology: if the store was built with
    others, the result would be no build's, so it is refused."""
    for name, quads, graph in (("ontology", list(ontology_quads(iris)), record.ontology),
                               ("lexicon", lexicon_quads(lexicon, iris), record.lexicon)):
        nquads = serialized(list(dict.fromkeys(quads)))[SOURCE.key]
        if graph_digest([nquads]).hex() != graph.digest:
            raise StoreError(f"the {name} has changed since this store was built; "
                             "run `policykg build` to rebuild it whole")


def _change(store_path: Path, current: Path, record: corpus.Record,
            order: list[corpus.Entry | _Fresh], iris: Iris, lexicon: Lexicon,
            validate: bool, dumps: bool) -> Change:
    """Bring every release of `order` to the graph a build in this order gives, then build
    the new store from a copy of the current one, changing only the graphs that differ."""
    change = Change(current)
    before = {entry.id: entry for entry in record.releases}
    order = _harmonised(order, record, current, lexicon, iris, serialized_besides(dumps))
    plan: list[corpus.Entry | _Fresh] = []
    for item in order:
        if isinstance(item, _Fresh):
            # its digest decides whether it changed, before it is added: its pieces are read
            # twice, so they are held (a change converts a few releases, not a corpus)
            item.done = replace(item.done, pieces=list(item.done.pieces))
            held = before.get(item.done.id)
            digest = graph_digest([p.text[SOURCE.key] for p in item.done.pieces]).hex()
            if held is not None and held.graph.digest == digest:
                if item.previous is None:
                    change.unchanged.append(str(item.done.path))
                item = held  # the same graph: kept as it is
        plan.append(item)
    kept = {item.id for item in plan if isinstance(item, corpus.Entry)}
    ids = kept | {item.done.id for item in plan if isinstance(item, _Fresh)}
    change.removed = [entry for entry in record.releases if entry.id not in ids]
    if not change.removed and all(isinstance(item, corpus.Entry) for item in plan):
        return change
    building = Building(store_path, iris, dumps, copy_of=current)
    with aborting(building):
        new = corpus.Record(record.base, record.ontology, record.lexicon)
        building.keep(iris.graph("ontology"), record.ontology)
        building.keep(iris.graph("lexicon"), record.lexicon)
        kept_iris = {iris.thing(entry_id).value for entry_id in kept}
        building.coverage = {release: share for release, share
                             in recorded_coverage(building.store, iris).items()
                             if release in kept_iris}
        building.drop(iris.graph("metadata"))
        for entry in record.releases:
            if entry.id not in kept:
                building.drop(iris.graph(entry.id))
        for item in plan:
            checkpoint()
            if isinstance(item, corpus.Entry):
                building.keep(iris.graph(item.id), item.graph)
                corpus.keep_source(building.directory, corpus.source_path(current, item),
                                   item.slug, kept=True)
                new.releases.append(item)
                continue
            added = building.add_serialized(item.done.pieces, iris.graph(item.done.id))
            entry = corpus.entry(building.directory, item.done, added,
                                 item.previous.file if item.previous else None,
                                 kept=item.previous is not None)
            new.releases.append(entry)
            held = before.get(entry.id)
            (change.relabelled if item.previous else change.replaced if held
             else change.added).append(entry)
        change.result = finish(building, new, validate)
    return change


def _harmonised(order: list[corpus.Entry | _Fresh], record: corpus.Record, current: Path,
                lexicon: Lexicon, iris: Iris, also: tuple[str, ...]
                ) -> list[corpus.Entry | _Fresh]:
    """The releases of `order`, each converted (again) where the first label of one of its
    discovered entities is not what it was: what a build in this order would do (`also`:
    the formats its dumps' members are written in besides N-Quads)."""
    had = _firsts(record.releases)
    labels: dict[str, str] = {}
    out: list[corpus.Entry | _Fresh] = []
    for item in order:
        checkpoint()
        if isinstance(item, corpus.Entry):
            if _first_labels(item.names, labels) != had[item.id]:
                source = corpus.source_path(current, item)
                item = _Fresh(convert(source, lexicon, iris, dict(labels), also), item)
        elif clashes(item.done.names, labels):
            item = _Fresh(convert(item.done.path, lexicon, iris, dict(labels), also))
        names = item.names if isinstance(item, corpus.Entry) else item.done.names
        for entity, label in names:
            labels.setdefault(entity, label)
        out.append(item)
    return out


def _firsts(entries: list[corpus.Entry]) -> dict[str, dict[str, str]]:
    """For each release, the label each of its discovered entities has in a build of
    `entries` in order."""
    labels: dict[str, str] = {}
    out = {}
    for entry in entries:
        out[entry.id] = _first_labels(entry.names, labels)
        for entity, label in entry.names:
            labels.setdefault(entity, label)
    return out


def _first_labels(names: Sequence[tuple[str, str]], labels: dict[str, str]) -> dict[str, str]:
    mine: dict[str, str] = {}
    for entity, label in names:
        mine.setdefault(entity, labels.get(entity, label))
    return mine
