"""Releases in, store out: the whole pipeline behind `policykg build`.

Releases stream through one at a time (extract → RDF → store), so memory stays flat
however many there are; the new store is validated before it is swapped in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, StoreError
from .extract import extract
from .facts import ReleaseFacts
from .iris import Iris
from .lexicon import load_lexicon
from .rdf import lexicon_quads, ontology_quads, release_quads
from .source import read_source
from .store import Building, BuildResult
from .validate import summary, validate_store


@dataclass(frozen=True)
class ReleaseSummary:
    id: str
    title: str
    path: str
    statements: int


@dataclass
class Built:
    result: BuildResult
    releases: list[ReleaseSummary]


def build(paths: Sequence[Path], store_path: Path, base: str, validate: bool = True,
          dumps: bool = True) -> Built:
    """Extract, convert, store, validate and dump; the old store survives any failure."""
    lexicon = load_lexicon()
    iris = Iris(base)
    building = Building(store_path, iris)
    try:
        building.add(list(ontology_quads(iris)))
        building.add(lexicon_quads(lexicon, iris))
        releases: dict[str, ReleaseSummary] = {}
        labels: dict[str, str] = {}
        for path in paths:
            facts = extract(read_source(path), lexicon)
            _one_label(facts, labels)
            if facts.id in releases:
                raise InputError(str(path), f"the same release as {releases[facts.id].path} "
                                 f"({facts.title}, {facts.published})")
            releases[facts.id] = ReleaseSummary(facts.id, facts.title, str(path),
                                                len(facts.statements))
            building.add(release_quads(facts, iris))
        building.flush()
        if validate:
            report = validate_store(building.store, iris)
            if not report.conforms:
                raise StoreError(f"the extracted graph does not conform to the shapes: "
                                 f"{summary(report)}")
        result = building.commit(dumps)  # the metadata graph and the dumps, then the swap
    except BaseException:
        building.abort()
        raise
    return Built(result, list(releases.values()))


def _one_label(facts: ReleaseFacts, labels: dict[str, str]) -> None:
    """A discovered entity written differently in two releases ("NOTICE", "Notice") is one
    IRI with one preferred label: the first release's; later spellings become aliases."""
    for entity in facts.entities:
        if entity.curated:
            continue
        first = labels.setdefault(entity.id, entity.label)
        if first != entity.label:
            entity.aliases = [entity.label, *entity.aliases]
            entity.label = first
