"""Releases in, store out: the whole pipeline behind `policykg build`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import rdflib
from pyoxigraph import Quad

from .errors import InputError, StoreError
from .extract import extract
from .facts import ReleaseFacts
from .iris import Iris
from .lexicon import Lexicon, load_lexicon
from .rdf import lexicon_quads, ontology_quads, release_quads
from .source import read_source
from .store import BuildResult, write_store
from .validate import summary, to_rdflib, validate_graph


@dataclass
class Built:
    result: BuildResult
    releases: list[ReleaseFacts]


def extract_all(paths: Sequence[Path], lexicon: Lexicon) -> list[ReleaseFacts]:
    """Extract every release; two files that are the same release are an error."""
    releases: dict[str, tuple[Path, ReleaseFacts]] = {}
    for path in paths:
        facts = extract(read_source(path), lexicon)
        if facts.id in releases:
            raise InputError(str(path), f"the same release as {releases[facts.id][0]} "
                             f"({facts.title}, {facts.published})")
        releases[facts.id] = (path, facts)
    return [facts for _, facts in releases.values()]


def dataset_quads(releases: Sequence[ReleaseFacts], lexicon: Lexicon, iris: Iris
                  ) -> Iterator[list[Quad]]:
    """The data in batches: the ontology, the lexicon, then one batch per release."""
    yield list(ontology_quads(iris))
    yield lexicon_quads(lexicon, iris)
    for facts in releases:
        yield release_quads(facts, iris)


def build(paths: Sequence[Path], store_path: Path, base: str, validate: bool = True) -> Built:
    """Extract, convert, validate and store; the old store survives any failure."""
    lexicon = load_lexicon()
    iris = Iris(base)
    releases = extract_all(paths, lexicon)
    batches = list(dataset_quads(releases, lexicon, iris))
    if validate:
        _validate(releases, batches, iris)
    result = write_store(store_path, [q for batch in batches for q in batch], iris)
    return Built(result, releases)


def _validate(releases: Sequence[ReleaseFacts], batches: list[list[Quad]], iris: Iris) -> None:
    shared = to_rdflib(batches[1])
    for facts, batch in zip(releases, batches[2:], strict=True):
        data = rdflib.Graph()
        data += shared
        data += to_rdflib(batch)
        report = validate_graph(data, iris)
        if not report.conforms:
            raise StoreError(f"{facts.title}: the extracted graph does not conform to the "
                             f"shapes: {summary(report)}")
