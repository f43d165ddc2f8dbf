"""The names of a store version (labels and aliases, folded), laid out once so that a
search ranks only the names it shows.

A search ranks names: the name itself, then those starting with what was typed, then those
with a word starting with it, then those holding it elsewhere, then those holding its
words apart; within a level, names before aliases, shorter first, then alphabetically; one
name per thing. Comparing every name that holds the words typed costs a lot as one types
("jap" is in thousands of names of a large store), so the starts of names and of their
words are kept sorted: the first three levels are ranges found by bisection, each already
in that order by a number given to every name once. Only when they hold too few things are
the names holding the words (the full-text index's answer) compared one by one.

Names alike what was typed (a typo) are compared with each distinct name, or distinct
start, once, among only the names long enough to be alike at all."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain

from rapidfuzz import fuzz, process

LAST = "\U0010ffff"  # after every character: `text + LAST` bounds the strings starting with text
SEPARATORS = " -"  # a word starts after these (as typed: "eu" finds "Japan-EU")


@dataclass(frozen=True)
class Entry:
    key: str  # the label folded for matching
    label: str
    iri: str
    alias: bool


def level(key: str, wanted: str) -> int:
    """0 the name itself, 1 its start, 2 a word's start, 3 inside it, 4 its words only."""
    if key == wanted:
        return 0
    if key.startswith(wanted):
        return 1
    if f" {wanted}" in f" {key}" or f"-{wanted}" in key:
        return 2
    return 3 if wanted in key else 4


def order(entry: Entry) -> tuple:
    """Within a level: names before aliases, shorter first, then alphabetically."""
    return entry.alias, len(entry.key), entry.key, entry.iri


def ranked(entries: Iterable[Entry], wanted: str, limit: int, words: bool) -> list[Entry]:
    """The best entry per thing, best things first; with `words`, entries that hold the
    words of `wanted` but not `wanted` itself are kept (last)."""
    best: dict[str, tuple] = {}
    for entry in entries:
        found = level(entry.key, wanted)
        if found == 4 and not words:
            continue
        score = (found, *order(entry))
        if entry.iri not in best or score < best[entry.iri][0]:
            best[entry.iri] = (score, entry)
    return [entry for _, entry in sorted(best.values(), key=lambda b: b[0])[:limit]]


@dataclass
class Names:
    entries: list[Entry]
    by_rank: list[int] = field(init=False)  # entry positions in `order`
    # (start, rank of its entry), sorted: the whole keys, and the keys from each later word
    firsts: list[str] = field(init=False)
    first_ranks: list[int] = field(init=False)
    inner: list[str] = field(init=False)
    inner_ranks: list[int] = field(init=False)
    # each distinct name once (with the entries it stands for), shortest first
    whole: tuple[list[str], list[list[int]]] = field(init=False)
    lengths: list[int] = field(init=False)
    prefixes: dict[int, tuple[list[str], list[list[int]]]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_rank = sorted(range(len(self.entries)), key=lambda p: order(self.entries[p]))
        rank = [0] * len(self.entries)
        for number, position in enumerate(self.by_rank):
            rank[position] = number
        firsts = sorted((entry.key, rank[p]) for p, entry in enumerate(self.entries))
        inner = sorted((entry.key[at + 1:], rank[p]) for p, entry in enumerate(self.entries)
                       for at, c in enumerate(entry.key) if c in SEPARATORS)
        self.firsts, self.first_ranks = _columns(firsts)
        self.inner, self.inner_ranks = _columns(inner)
        self.whole = _distinct(sorted(((entry.key, p) for p, entry in enumerate(self.entries)),
                                      key=lambda pair: len(pair[0])))
        self.lengths = [len(text) for text in self.whole[0]]
        self.prefixes = {}

    def find(self, wanted: str, limit: int,
             holding_words: Callable[[], list[int]]) -> list[Entry]:
        """The best `limit` things named `wanted` (folded), one entry each, best first;
        `holding_words` gives the positions of the entries holding its words (the last
        as a prefix), asked only if the names starting with it, or with a word starting
        with it, are too few."""
        low, high = bisect_left(self.firsts, wanted), bisect_left(self.firsts, wanted + LAST)
        same = bisect_right(self.firsts, wanted, low, high)
        inner_low = bisect_left(self.inner, wanted)
        inner_high = bisect_left(self.inner, wanted + LAST, inner_low)
        found: dict[str, Entry] = {}
        for number in chain(sorted(self.first_ranks[low:same]),
                            sorted(self.first_ranks[same:high]),
                            sorted(self.inner_ranks[inner_low:inner_high])):
            entry = self.entries[self.by_rank[number]]
            found.setdefault(entry.iri, entry)
            if len(found) == limit:
                return list(found.values())
        rest = (self.entries[p] for p in holding_words())
        more = ranked((e for e in rest if e.iri not in found), wanted, limit - len(found),
                      words=True)
        return [*found.values(), *more]

    def alike(self, wanted: str, limit: int, likeness: float, prefixes_up_to: int
              ) -> list[Entry]:
        """Names like `wanted` (a typo), most alike first, one per thing: the whole name,
        or (for up to `prefixes_up_to` characters typed) its start as long as `wanted`
        and a character more: a name being typed."""
        best: dict[int, float] = {}
        choices = [self._whole(len(wanted), likeness)]
        if len(wanted) < prefixes_up_to:
            choices.append(self._starts(len(wanted) + 1))
        for texts, positions in choices:
            for _, score, number in process.extract(wanted, texts, scorer=fuzz.ratio,
                                                    processor=None, score_cutoff=likeness,
                                                    limit=None):
                for position in positions[number]:
                    best[position] = max(score, best.get(position, 0))
        found: dict[str, Entry] = {}
        for position in sorted(best, key=lambda p: (-best[p], self.entries[p].alias,
                                                    len(self.entries[p].key),
                                                    self.entries[p].key)):
            found.setdefault(self.entries[position].iri, self.entries[position])
        return list(found.values())[:limit]

    def _whole(self, length: int, likeness: float) -> tuple[list[str], list[list[int]]]:
        """The distinct whole names that can be `likeness` alike a text of `length`
        characters (rapidfuzz's ratio is at most 200 × the shorter ÷ both lengths)."""
        low = bisect_left(self.lengths, length * likeness / (200 - likeness) - 1e-9)
        high = bisect_right(self.lengths, length * (200 - likeness) / likeness + 1e-9)
        return self.whole[0][low:high], self.whole[1][low:high]

    def _starts(self, length: int) -> tuple[list[str], list[list[int]]]:
        """The distinct starts of `length` characters of the names, made once."""
        if length not in self.prefixes:
            self.prefixes[length] = _distinct((entry.key[:length], p)
                                              for p, entry in enumerate(self.entries))
        return self.prefixes[length]


def _columns(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [text for text, _ in pairs], [number for _, number in pairs]


def _distinct(pairs: Iterable[tuple[str, int]]) -> tuple[list[str], list[list[int]]]:
    """Each text once, with the positions of the entries it stands for."""
    positions: dict[str, list[int]] = {}
    for text, position in pairs:
        positions.setdefault(text, []).append(position)
    return list(positions), list(positions.values())
