"""Dates as releases write them ("Friday, February 24, 2023", "24 February 2023", "this
October"), turned into ISO values."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
_MONTH = "|".join(MONTHS)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+"
DATE_RE = re.compile(
    rf"(?:{_WEEKDAY})?(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}}),?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}}))"
)
WHEN_RE = re.compile(
    rf"(?:(?P<rel>this|next|last)\s+(?P<m1>{_MONTH})"
    rf"|(?:in\s+)?(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}})"
    rf"|in\s+(?P<m3>{_MONTH}))"
)


def parse_date(match: re.Match[str]) -> dt.date | None:
    """The date a DATE_RE match names, or None if it names no real day."""
    month = match.group("m1") or match.group("m2")
    day = match.group("d1") or match.group("d2")
    year = match.group("y1") or match.group("y2")
    try:
        return dt.date(int(year), MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None


def find_date(text: str, start: int = 0, end: int | None = None) -> tuple[dt.date, int, int] | None:
    """The first real date in text[start:end], with its offsets."""
    for match in DATE_RE.finditer(text, start, len(text) if end is None else end):
        date = parse_date(match)
        if date:
            return date, match.start(), match.end()
    return None


def resolve_month(match: re.Match[str], anchor: dt.date, past: bool = False) -> str:
    """A month phrase as xsd:gYearMonth, read relative to the release date ("this October"
    in a February release is October of the same year; "held in November", in the past
    tense, the latest November up to the release)."""
    if match.group("m2"):
        return f"{int(match.group('y2')):04d}-{MONTHS.index(match.group('m2')) + 1:02d}"
    month = MONTHS.index(match.group("m1") or match.group("m3")) + 1
    shift = {"this": 0, "next": 1, "last": -1}.get(match.group("rel") or "")
    if shift is None and past:  # "held in November": the latest November so far
        shift = 0 if month <= anchor.month else -1
    elif shift is None:  # "in October": the first October on or after the release month
        shift = 0 if month >= anchor.month else 1
    return f"{anchor.year + shift:04d}-{month:02d}"
