"""The rules by which the extractor infers a fact that no text states in so many words.

Each rule is an individual of the ontology (``pk:InferenceRule``, in the scheme
``pk:InferenceRules``) whose local name is the value here, with a definition there; an
inferred fact carries its rule (``Relation.rule``, ``Meeting.inferred``, ``Entity.rule``)
and ``graph/rdf.py`` marks it with ``pk:inferredBy``, so a reader can tell what the
release says from what we concluded.
"""

from __future__ import annotations

import re

IN_PERSON_BY_DEFAULT = "InPersonByDefault"
YEAR_FROM_RELEASE_DATE = "YearFromReleaseDate"
COUNTRY_OF_REFERENCE_CITY = "CountryOfReferenceCity"
COUNTRY_OF_HOST = "CountryOfHost"
PARTIES_FROM_SERIES_NAME = "PartiesFromSeriesName"
OCCURRENCE_OF_SERIES = "OccurrenceOfSeries"
UNIT_CHAIN_IN_ADDRESS = "UnitChainInAddress"

RULES = (IN_PERSON_BY_DEFAULT, YEAR_FROM_RELEASE_DATE, COUNTRY_OF_REFERENCE_CITY,
         COUNTRY_OF_HOST, PARTIES_FROM_SERIES_NAME, OCCURRENCE_OF_SERIES,
         UNIT_CHAIN_IN_ADDRESS)

_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def yearless(written: str) -> bool:
    """A date as written without its year ("February 27", "this October"): the year is
    the release's (graph/dates.py), an inference."""
    return _YEAR.search(written) is None
