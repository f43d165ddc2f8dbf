"""Names ranked from their sorted starts (server/names.py) rank as comparing every name
holding the words did, and the likeness prefilter drops no name alike enough."""

from __future__ import annotations

import random
import re

import pytest
from rapidfuzz import fuzz

from server.names import Entry, Names, ranked
from server.search import LIKENESS, PREFIXES_UP_TO, fold

LABELS = ["Japan", "Japan-EU ICT Policy Dialogue", "Japanese Government", "EU", "European Union",
          "AI Act", "actor", "speech act", "Data Act", "Open Data Act", "data spaces",
          "Results of the 28th Japan-EU ICT Policy Dialogue", "Act on the Protection of Data",
          "National Institute of Information and Communications Technology", "NICT",
          "Gigabit Connectivity Programme", "Cyber Resilience Act", "the EU", "Tokyo",
          "Brussels", "cyber security", "Cybersecurity", "data-sharing", "Data sharing act"]
WORD = re.compile(r"\w+")


def _entries(rng: random.Random) -> list[Entry]:
    """Labels and aliases of things, some things with several names, some names shared."""
    entries = []
    for number, label in enumerate(LABELS):
        iri = f"https://example.org/id/{number % 17}"
        entries.append(Entry(fold(label), label, iri, rng.random() < 0.3))
    return entries


def _holding(entries: list[Entry], wanted: str) -> list[int]:
    """What the full-text index answers: names holding every word, the last as a prefix."""
    words = WORD.findall(wanted)
    found = []
    for position, entry in enumerate(entries):
        tokens = WORD.findall(entry.key)
        if all(w in tokens for w in words[:-1]) and any(t.startswith(words[-1]) for t in tokens):
            found.append(position)
    return found


@pytest.mark.parametrize("seed", range(5))
def test_names_rank_as_comparing_every_name_holding_the_words(seed):
    rng = random.Random(seed)
    entries = _entries(rng)
    names = Names(entries)
    typed = {label[:n] for label in LABELS for n in range(1, len(label) + 1)} | {
        "act", "data", "eu", "japan eu", "policy dialogue", "of data", "security", "cyber s"}
    for text in sorted(typed):
        wanted = fold(text)
        if not WORD.findall(wanted):
            continue
        holding = _holding(entries, wanted)
        expected = ranked([entries[p] for p in holding], wanted, 8, words=True)
        assert names.find(wanted, 8, lambda h=holding: h) == expected, text


def test_the_words_held_apart_are_asked_only_when_starts_are_too_few():
    names = Names(_entries(random.Random(0)))
    asked = []
    assert len(names.find("ja", 2, lambda: asked.append(1) or [])) == 2
    assert asked == []
    names.find("policy dialogue", 8, lambda: asked.append(1) or [])
    assert asked == [1]


@pytest.mark.parametrize("typed", ["japn", "europen union", "cybersecurty", "nict", "tokio",
                                   "dta act", "gigabit conectivity programe", "brusels"])
def test_names_alike_are_those_rapidfuzz_finds_among_all(typed):
    entries = _entries(random.Random(1))
    found = Names(entries).alike(typed, 50, LIKENESS, PREFIXES_UP_TO)
    everything = {e.iri for e in entries
                  if fuzz.ratio(typed, e.key) >= LIKENESS
                  or len(typed) < PREFIXES_UP_TO
                  and fuzz.ratio(typed, e.key[:len(typed) + 1]) >= LIKENESS}
    assert found and {e.iri for e in found} == everything
