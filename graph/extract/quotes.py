"""Sentences that quote a speaker: '"We will deepen …," said Minister X.', '"…," stressed
the Minister.', '"…," Minister X noted.', 'Minister X said that …', 'According to Minister
Y, …'.

A quote's speaker is named after (or before) the quote, not as the subject of its verbs,
and its own words speak in the first person ("We will …", "I welcome …"), so the clause
reader (statements.py) cannot see who speaks. Here the sentence is split into the quoted
words, the reporting verb and the speaker's words (genre.yaml ``quotes``); the statements
are then the acts the quote's own words make (its first person standing for the speaker)
and the act of a reporting verb of the speech-act table ("stressed" → emphasised); a quote
that makes neither, under a verb that only reports ("said", "according to"), is the
speaker's stated view (README: act).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_OPEN, _CLOSE = "\"“", "\"”"
_WORDS = r"[^\"“”]+?"


@dataclass(frozen=True)
class Quote:
    words: tuple[int, int]  # what the speaker said (the quote, or the clause after "that")
    speaker: tuple[int, int] | None  # where the speaker is named ("Minister X", "the
    # Minister"); None for a quote that goes on from the sentence before
    verb: tuple[int, int] | None  # the reporting verb, if any ("said", "stressed")
    direct: bool  # the words are the speaker's own, in quotation marks


@lru_cache(maxsize=4)
def _patterns(reporting: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The frames of a quoted sentence; a reporting verb is one of genre.yaml
    ``quotes.reporting_verbs`` or any word in "-ed" ("stressed", "pointed out": the caller
    keeps it only if it is a verb of the speech-act table)."""
    verb = r"(?:" + "|".join(re.escape(v) for v in reporting) + r"|[a-z]+ed)(?:\s+out)?"
    # "Minister X", "Ms. X", "the Minister", "Minister for Internal Affairs and Communications X"
    who = r"(?:[Tt]he\s+)?[A-Z][^\"“”,;:]*?[\w'’]|[Hh]e|[Ss]he"
    quote = rf"[{_OPEN}](?P<words>{_WORDS})[,.!?]?[{_CLOSE}]\s*,?\s*"
    aside = rf"(?:,\s+[^{_OPEN}{_CLOSE}]*)?"  # ", Minister of …", ", adding that …"
    return (
        re.compile(rf"{quote}(?P<verb>{verb})\s+(?P<who>{who}){aside}\s*\.?\s*$"),  # said X
        re.compile(rf"{quote}(?P<who>{who})\s+(?P<verb>{verb}){aside}\s*\.?\s*$"),  # X said
        re.compile(rf"(?P<who>{who})\s+(?P<verb>{verb})(?:\s+that)?\s*[:,]\s*[{_OPEN}]"
                   rf"(?P<words>{_WORDS})[,.!?]?[{_CLOSE}]\s*\.?\s*$"),  # X said: "…"
    )


@lru_cache(maxsize=4)
def _indirect(reporting: tuple[str, ...], leads: tuple[str, ...]
              ) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A quote standing alone, "According to X, …" and "(In his remarks,) X said that …"."""
    said = "|".join(re.escape(v) for v in reporting)
    return (re.compile(rf"[{_OPEN}](?P<words>{_WORDS})[{_CLOSE}]\s*$"),
            re.compile(rf"(?:{'|'.join(re.escape(w) for w in leads)})\s+(?P<who>[^,]+),\s+"),
            re.compile(rf"(?:[^,\"“]+,\s+)?(?P<who>[^,\"“]+?)\s+(?P<verb>{said})\s+that\s+"))


def find_quote(text: str, start: int, end: int, genre: dict) -> Quote | None:
    """The quote frame of text[start:end], if the sentence is one."""
    quotes = genre["quotes"]
    reporting = tuple(quotes["reporting_verbs"])
    for pattern in _patterns(reporting):
        m = pattern.match(text, start, end)
        if m:
            return Quote(m.span("words"), m.span("who"), m.span("verb"), True)
    alone, according, said_that = _indirect(reporting, tuple(quotes["according_to"]))
    whole = alone.match(text, start, end)
    if whole:  # a quote of its own after a quoted sentence: the same speaker goes on
        return Quote(whole.span("words"), None, None, True)
    m = according.match(text, start, end)
    if m:
        return Quote((m.end(), end), m.span("who"), None, False)
    m = said_that.match(text, start, end)
    if m:
        return Quote((m.end(), end), m.span("who"), m.span("verb"), False)
    return None
