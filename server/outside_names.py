"""Names for the terms of vocabularies outside the graph that the graph links to without
naming them: a release's language is the Library of Congress' ISO 639-1 IRI
(`…/iso639-1/en`), which a reader should read as "English" (pycountry's name), still
linked to the IRI. The store is never asked to hold these names: they are not what the
releases say."""

from __future__ import annotations

from functools import cache

import pycountry

from graph.iris import LANGUAGES


@cache
def name(iri: str) -> str | None:
    """The name a page shows for the IRI, or None when it is no term we can name."""
    code = iri.removeprefix(LANGUAGES)
    if code == iri or not (len(code) == 2 and code.isascii() and code.isalpha()):
        return None
    language = pycountry.languages.get(alpha_2=code.lower())
    return language.name if language is not None else None
