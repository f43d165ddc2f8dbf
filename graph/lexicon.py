"""The lexicon: curated actors, initiatives, places, series, topics, speech acts and the
genre's patterns, loaded from the YAML files in ``lexicon/``.

Keeping this knowledge in data lets the extractor stay generic: a new release of the same
genre needs, at most, new lexicon entries, never new code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import yaml

LEXICON_DIR = Path(__file__).parent / "lexicon"


@dataclass(frozen=True)
class Entry:
    """One curated thing: its frozen slug, label, classes, names and identifiers."""

    key: str
    category: str  # actor | initiative | place | series | topic | speech-act | status
    label: str
    kinds: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: Entry


@dataclass
class Lexicon:
    entries: dict[tuple[str, str], Entry]
    genre: dict
    topic_scheme: dict

    def get(self, category: str, key: str) -> Entry | None:
        return self.entries.get((category, key))

    def of(self, category: str) -> list[Entry]:
        return list(self._by_category.get(category, ()))

    @cached_property
    def _by_category(self) -> dict[str, tuple[Entry, ...]]:
        out: dict[str, list[Entry]] = {}
        for (category, _), entry in self.entries.items():
            out.setdefault(category, []).append(entry)
        return {category: tuple(entries) for category, entries in out.items()}

    @cached_property
    def _name_pattern(self) -> re.Pattern[str]:
        names = {
            alias
            for entry in self.entries.values()
            if entry.category in ("actor", "initiative", "place", "topic")
            for alias in entry.aliases
        }
        return re.compile(rf"(?<!\w)(?:{trie_pattern(names)})(?!\w)")

    @cached_property
    def _by_alias(self) -> dict[str, Entry]:
        order = {"actor": 0, "initiative": 1, "place": 2, "topic": 3}
        table: dict[str, Entry] = {}
        for entry in sorted(self.entries.values(), key=lambda e: order.get(e.category, 9)):
            for alias in entry.aliases:
                table.setdefault(alias, entry)
        return table

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Match]:
        """Known names in text[start:end], leftmost-longest, with absolute offsets."""
        end = len(text) if end is None else end
        return [
            Match(m.start(), m.end(), self._by_alias[m.group(0)])
            for m in self._name_pattern.finditer(text, start, end)
        ]

    @cached_property
    def party_names(self) -> tuple[str, ...]:
        """Names of countries and parties of several words ("Viet Nam"), longest first: the
        sides a series name may join with a hyphen ("Japan-Viet Nam")."""
        suffixes = ("side", "delegation", "Government", "government")
        return tuple(sorted({a for e in self.of("actor") if {"Country", "Party"} & set(e.kinds)
                             for a in e.aliases if " " in a and not a.endswith(suffixes)},
                            key=len, reverse=True))

    @cached_property
    def country_names(self) -> frozenset[str]:
        """Every one-word name of a country or party ("Japan", "Germany", "EU")."""
        return frozenset(a for e in self.of("actor") if {"Country", "Party"} & set(e.kinds)
                         for a in e.aliases if " " not in a)

    @cached_property
    def country_codes(self) -> dict[str, str]:
        """A country's names → its ISO 3166-1 code ("Ecuador", "Republic of Ecuador" → EC)."""
        return {a: e.extra["iso3166"] for e in self.of("actor") if e.extra.get("iso3166")
                for a in e.aliases}

    @cached_property
    def country_adjectives(self) -> frozenset[str]:
        """One-word adjectives a country or party speaks as ("Japanese" of "the Japanese
        side"), other than its name ("the Singapore side")."""
        return frozenset(a[:-len(" side")] for e in self.of("actor")
                         if {"Country", "Party"} & set(e.kinds) for a in e.aliases
                         if a.endswith(" side") and " " not in a[:-len(" side")]
                         and a[:-len(" side")] != e.label)

    def lookup(self, name: str) -> Entry | None:
        """The entry one of whose aliases is exactly this name."""
        return self._by_alias.get(name.strip())

    def stage(self, entry: Entry, day: dt.date | None) -> Entry:
        """The entry a name of ``entry`` means in a release of ``day``. A proposal and the
        act it became bear one name ("Cyber Resilience Act"): up to the day the act was
        adopted (``adopted_on`` in initiatives.yaml) the name is the proposal's, from then
        on the act's (``adopted_as``), so a 2025 release's "the Cyber Resilience Act
        entered into force" is a claim about the act, and a 2023 release's "proposed" stays
        the proposal's."""
        adopted_on = entry.extra.get("adopted_on")
        if day is None or adopted_on is None or day < adopted_on:
            return entry
        return self.get(entry.category, entry.extra["adopted_as"]) or entry

    def series_by_name(self, name: str) -> Entry | None:
        for entry in self.of("series"):
            if name in entry.aliases or name in entry.extra.get("short", ()):
                return entry
        return None

    @cached_property
    def verb_pattern(self) -> tuple[re.Pattern[str], dict[str, tuple[str, Entry]]]:
        """One pattern for every speech-act form (longest first, so "exchanged views" wins
        over a shorter form at the same place), and form → (kind, act), where kind is
        finite, gerund, participle (after was/were: passive), nominal, passive-nominal
        ("explanations were given"), speakerless or modal. The forms are made from the
        lemmas in speech_acts.yaml."""
        forms: dict[str, tuple[str, Entry]] = {}
        for entry in self.of("speech-act"):
            for phrase in entry.extra.get("verbs", ()):
                for kind, form in verb_forms(phrase):
                    forms.setdefault(form.lower(), (kind, entry))
            for noun in entry.extra.get("passive_nouns", ()):
                for form in passive_forms(noun, self.genre["passive_support"]):
                    forms.setdefault(form.lower(), ("passive-nominal", entry))
            for key in ("nouns", "speakerless", "modal"):
                for phrase in entry.extra.get(key, ()):
                    for form in _determined(phrase.split()):
                        forms.setdefault(form.lower(), ({"nouns": "nominal"}.get(key, key),
                                                        entry))
        return re.compile(rf"(?<![\w-])(?:{trie_pattern(forms)})(?![\w-])", re.IGNORECASE), forms


    @cached_property
    def opening_words(self) -> frozenset[str]:
        """Words that open a statement with no subject, lower case: the one-word finite
        and participle forms of the speech-act verbs ("Explained …", "Introduced …") and
        the nouns of their nominal forms ("Introduction of …")."""
        _, forms = self.verb_pattern
        return frozenset(f for f, (kind, _) in forms.items()
                         if kind in ("finite", "participle") and " " not in f) \
            | frozenset(f.split()[0] for f, (kind, _) in forms.items()
                        if kind == "nominal" and f.split()[0] not in _DETERMINERS)


_DETERMINERS = ("a", "an", "the", "its", "their", "his", "her", "our")
_PARTICLES = {"about", "on", "of", "for", "to", "out", "with", "over", "at"}
_VERB_KINDS = {"VBD": "finite", "VBZ": "finite", "VBP": "finite", "VBG": "gerund",
               "VBN": "participle"}


def _determined(words: list[str]) -> list[str]:
    """A phrase with each determiner slot filled by any determiner or none."""
    if not words:
        return [""]
    rest = _determined(words[1:])
    if words[0].lower() in _DETERMINERS:
        heads = [d + " " for d in _DETERMINERS] + [""]
        return [h + r for h in heads for r in rest]
    return [(words[0] + " " + r).strip() for r in rest]


def passive_forms(noun: str, support: dict) -> list[str]:
    """"Explanations were also given", "An update was provided": a speech act's noun
    (singular or plural, with or without an article) as the subject of a passive support
    verb (genre ``passive_support``: the verbs and the adverbs that may come before them)."""
    plural = noun + ("es" if noun.endswith(("s", "sh", "ch")) else "s")
    adverbs = [""] + [a + " " for a in support["adverbs"]]
    heads = [f"{d}{noun} was" for d in ("", "a ", "an ", "the ")] + [f"{plural} were"]
    return [f"{h} {a}{v}" for h in heads for a in adverbs for v in support["verbs"]]


def verb_forms(phrase: str) -> list[tuple[str, str]]:
    """(kind, form) for every inflection of a verb phrase's first word (lemminflect), a
    determiner allowed before a noun that follows the verb ("expressed its hope")."""
    from lemminflect import getAllInflections

    first, *rest = phrase.split()
    tails = _determined(rest)
    if rest and rest[0].lower() not in _PARTICLES | set(_DETERMINERS):
        tails += [d + " " + t for d in _DETERMINERS for t in tails]
    out = []
    for tag, words in getAllInflections(first, upos="VERB").items():
        kind = _VERB_KINDS.get(tag)
        for word in words if kind else ():
            out += [(kind, f"{word} {tail}".strip()) for tail in tails]
    return out


def trie_pattern(words) -> str:
    """One regex alternation for many literal words, sharing their prefixes (a trie), so
    that matching does not try each word in turn; longer words win at the same place."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())
                    if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return pattern(trie)


def _entries(category: str, data: dict) -> dict[tuple[str, str], Entry]:
    out = {}
    for key, spec in (data or {}).items():
        spec = dict(spec)
        out[(category, str(key))] = Entry(
            key=str(key),
            category=category,
            label=spec.pop("label"),
            kinds=tuple(spec.pop("kinds", ())),
            aliases=tuple(spec.pop("aliases", ())),
            same_as=tuple(spec.pop("same_as", ())),
            extra=spec,
        )
    return out


def _with_sides(entries: dict[tuple[str, str], Entry]) -> dict[tuple[str, str], Entry]:
    """A party known by an acronym speaks as "the ASEAN side", "the ASEAN delegation"."""
    out = {}
    for key, entry in entries.items():
        if "Party" in entry.kinds:
            sides = [f"{a} {word}" for a in entry.aliases if re.fullmatch(r"[A-Z]{2,}", a)
                     for word in ("side", "delegation")]
            entry = replace(entry, aliases=tuple(dict.fromkeys(entry.aliases + tuple(sides))))
        out[key] = entry
    return out


def _read(name: str, directory: Path) -> dict:
    return yaml.safe_load((directory / name).read_text(encoding="utf-8")) or {}


def _countries(extra: dict, curated: dict[tuple[str, str], Entry], places: dict
               ) -> dict[tuple[str, str], Entry]:
    """Every ISO 3166-1 country (pycountry) as an actor entry that is not curated knowledge
    of ours but reference data: it enters a release's graph only when the release names
    it. Forms releases use ("the German side", "Viet Nam") come from countries.yaml."""
    import pycountry

    known = {alias for entry in curated.values() for alias in entry.aliases}
    of_places = {str(spec.get("country")) for spec in places.values()}
    out = {}
    for country in pycountry.countries:
        spec = extra.get(country.alpha_2) or {}
        label = spec.get("label") or getattr(country, "common_name", None) or country.name
        names = [label, country.name, getattr(country, "common_name", None),
                 getattr(country, "official_name", None), *spec.get("names", [])]
        names = [n for n in dict.fromkeys(names) if n and not re.search(r"[,(]", n)]
        if known & set(names):
            continue  # a curated actor (Japan, Belgium) already is this country
        sides = [f"{adjective} {word}" for adjective in spec.get("adjectives", [])
                 for word in ("side", "delegation", "Government", "government")]
        aliases = names + sides + [f"Government of {label}"]
        key = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        out[("actor", key)] = Entry(key=key, category="actor", label=label,
                                    kinds=("Country", "Party"),
                                    aliases=tuple(dict.fromkeys(aliases)),
                                    extra={"iso3166": country.alpha_2,
                                           "reference": key not in of_places})
    return out


def _cities(cities: dict, entries: dict[tuple[str, str], Entry]) -> dict[tuple[str, str], Entry]:
    """The cities of cities.yaml (capitals, hubs) as reference place entries with their
    country, unless a curated entry already has the name ("Tokyo", "Geneva")."""
    import unicodedata

    taken = {alias for entry in entries.values() for alias in entry.aliases}
    by_iso = {e.extra["iso3166"]: e.key for e in entries.values() if e.extra.get("iso3166")}
    out = {}
    for iso, names in cities.items():
        country = by_iso.get(str(iso)) or _curated_country(str(iso), entries)
        for name in names:
            plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
            if country is None or name in taken or plain in taken:
                continue
            key = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
            out[("place", key)] = Entry(key=key, category="place", label=name, kinds=("Place",),
                                        aliases=tuple(dict.fromkeys([name, plain])),
                                        extra={"country": country, "reference": True})
    return out


def _curated_country(iso: str, entries: dict[tuple[str, str], Entry]) -> str | None:
    """The key of the curated actor that is the ISO country `iso` ("JP" → japan)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=iso)
    names = {getattr(country, a, None) for a in ("name", "common_name", "official_name")}
    return next((e.key for e in entries.values() if e.category == "actor"
                 and "Country" in e.kinds and names & set(e.aliases)), None) if country else None


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read every lexicon file; the result is immutable in use and cheap to share."""
    entries: dict[tuple[str, str], Entry] = {}
    entries |= _with_sides(_entries("actor", _read("actors.yaml", directory)))
    places = _read("places.yaml", directory)
    entries |= _countries(_read("countries.yaml", directory), entries, places)
    entries |= _entries("initiative", _read("initiatives.yaml", directory))
    entries |= _entries("place", places)
    entries |= _cities(_read("cities.yaml", directory), entries)
    entries |= _entries("series", _read("series.yaml", directory))
    entries |= _entries("speech-act", _read("speech_acts.yaml", directory))
    entries |= _entries("status", _read("statuses.yaml", directory))
    topics = _read("topics.yaml", directory)
    entries |= _entries("topic", topics.get("topics", {}))
    return Lexicon(entries=entries, genre=_read("genre.yaml", directory),
                   topic_scheme=topics.get("scheme", {}))
