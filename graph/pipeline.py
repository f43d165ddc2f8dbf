"""Releases in, store out: the whole pipeline behind `policykg build`.

Releases stream through in order (read → extract → RDF, in worker processes when there are
many: graph/convert.py → store), so memory stays flat however many there are; the new
store is validated before it is swapped in.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import corpus
from .convert import clashes, convert, converted
from .dumps import serialized_besides
from .duplicates import Candidate, candidates
from .errors import InputError, StoreError
from .interrupts import checkpoint
from .iris import Iris
from .lexicon import load_lexicon
from .memory import give_back
from .rdf import lexicon_quads, ontology_quads
from .source import MAX_RELEASE_BYTES, check_size
from .store import Building, BuildResult, build_lock
from .validate import summary, validate_building
from .validate_change import mark_validated


@dataclass(frozen=True)
class ReleaseSummary:
    id: str
    title: str
    path: str
    statements: int
    gaps: str


@dataclass
class Built:
    result: BuildResult
    releases: list[ReleaseSummary]
    duplicates: list[Candidate]


def build(paths: Sequence[Path], store_path: Path, base: str, validate: bool = True,
          dumps: bool = True, max_release_bytes: int = MAX_RELEASE_BYTES) -> Built:
    """Extract, convert, store, validate and dump; the old store survives any failure.
    Inputs are checked before anything starts: a build of nothing would replace the store
    with an empty one, and a release over the size limit would take memory in proportion."""
    if not paths:
        raise InputError(str(store_path), "no releases to build from; the store is unchanged")
    for path in paths:
        check_size(path, max_release_bytes)
    with build_lock(store_path):
        return _build(paths, store_path, Iris(base), validate, dumps)


def _build(paths: Sequence[Path], store_path: Path, iris: Iris, validate: bool,
           dumps: bool) -> Built:
    lexicon = load_lexicon()
    also = serialized_besides(dumps)  # each release's graph as TriG too, for its dumps
    with converted(paths, lexicon, iris, also) as releases_in_order:
        building = Building(store_path, iris, dumps)
        with aborting(building):
            record = corpus.Record(iris.base, building.add(list(ontology_quads(iris))),
                                   building.add(lexicon_quads(lexicon, iris)))
            releases: dict[str, ReleaseSummary] = {}
            labels: dict[str, str] = {}  # the first label of each discovered entity
            for done in releases_in_order:
                checkpoint()
                if done.id in releases:
                    raise InputError(str(done.path), f"the same release as "
                                     f"{releases[done.id].path} ({done.title}, {done.published})")
                if clashes(done.names, labels):
                    done = convert(done.path, lexicon, iris, labels, also, lazily=True)
                else:
                    for entity, label in done.names:
                        labels.setdefault(entity, label)
                releases[done.id] = ReleaseSummary(done.id, done.title, str(done.path),
                                                   done.statements, done.gaps)
                added = building.add_serialized(done.pieces, iris.graph(done.id))
                record.releases.append(corpus.entry(building.directory, done, added))
            result = finish(building, record, validate)
    return Built(result, list(releases.values()), candidates(labels, lexicon))


@contextmanager
def aborting(building: Building) -> Iterator[Building]:
    """Remove the new build's directory on any failure or stop signal before its swap."""
    try:
        yield building
    except BaseException as error:
        # the failed step's frames may still hold the store (a dump writer's argument,
        # say): let them go, so it closes before its directory is removed
        traceback.clear_frames(error.__traceback__)
        building.abort()
        raise


def finish(building: Building, record: corpus.Record, validate: bool) -> BuildResult:
    """Every graph is in: validate, keep the record of the releases, then describe, dump
    and swap (the end of a build, and of `policykg add`/`remove`, graph/incremental.py)."""
    checkpoint()
    building.loaded()  # describing the store starts, beside its validation
    give_back()  # what loading freed, before validating takes other threads' memory
    if validate:
        report = validate_building(building.store, building.iris, building.copy_of,
                                   building.change)
        if not report.conforms:
            raise StoreError(f"the extracted graph does not conform to the shapes: "
                             f"{summary(report)}")
        mark_validated(building.directory)  # what a change of this build starts from
        give_back()  # what its queries freed, before the dumps and search index
    checkpoint()
    corpus.write(building.directory, record)
    return building.commit()  # the metadata graph and the dumps, then the swap
