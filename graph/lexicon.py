"""The lexicon: curated actors, initiatives, places, series, topics, speech acts and the
genre's patterns, loaded from the YAML files in ``lexicon/``.

Keeping this knowledge in data lets the extractor stay generic: a new release of the same
genre needs, at most, new lexicon entries, never new code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
        return [e for (cat, _), e in self.entries.items() if cat == category]

    @cached_property
    def _name_pattern(self) -> re.Pattern[str]:
        names = {
            alias
            for entry in self.entries.values()
            if entry.category in ("actor", "initiative", "place", "topic")
            for alias in entry.aliases
        }
        alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")

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

    def lookup(self, name: str) -> Entry | None:
        """The entry one of whose aliases is exactly this name."""
        return self._by_alias.get(name.strip())

    def series_by_name(self, name: str) -> Entry | None:
        for entry in self.of("series"):
            if name in entry.aliases or name in entry.extra.get("short", ()):
                return entry
        return None

    @cached_property
    def verb_pattern(self) -> tuple[re.Pattern[str], dict[str, tuple[str, Entry]]]:
        """One pattern for every speech-act verb form (longest first, so "exchanged views"
        wins over a shorter form at the same place), and form → (finite/gerund/nominal, act)."""
        forms = {
            form.lower(): (kind, entry)
            for entry in self.of("speech-act")
            for kind in ("finite", "gerund", "nominal")
            for form in entry.extra.get(kind, ())
        }
        alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE), forms


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


def _read(name: str, directory: Path) -> dict:
    return yaml.safe_load((directory / name).read_text(encoding="utf-8")) or {}


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read every lexicon file; the result is immutable in use and cheap to share."""
    entries: dict[tuple[str, str], Entry] = {}
    entries |= _entries("actor", _read("actors.yaml", directory))
    entries |= _entries("initiative", _read("initiatives.yaml", directory))
    entries |= _entries("place", _read("places.yaml", directory))
    entries |= _entries("series", _read("series.yaml", directory))
    entries |= _entries("speech-act", _read("speech_acts.yaml", directory))
    entries |= _entries("status", _read("statuses.yaml", directory))
    topics = _read("topics.yaml", directory)
    entries |= _entries("topic", topics.get("topics", {}))
    return Lexicon(entries=entries, genre=_read("genre.yaml", directory),
                   topic_scheme=topics.get("scheme", {}))
