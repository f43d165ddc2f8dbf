"""Dates as releases write them ("Friday, February 24, 2023", "24 February 2023", "Dec. 19,
2025", "this October"), turned into ISO values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTH = "|".join(MONTHS)
# a month in full or abbreviated ("Dec. 19, 2025", "19 Sept 2025")
_MONTH_ANY = (r"(?:January|February|March|April|May|June|July|August|September|October|"
              r"November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|"
              r"Oct\.?|Nov\.?|Dec\.?)(?![a-z])")
_ORDINAL = r"(?:st|nd|rd|th)?"
_WEEKDAY = rf"(?:{'|'.join(WEEKDAYS)}|(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?),?\s+"
DATE_RE = re.compile(
    rf"(?:{_WEEKDAY})?(?:(?P<m1>{_MONTH_ANY})\s+(?P<d1>\d{{1,2}}){_ORDINAL},?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<m2>{_MONTH_ANY}),?\s+(?P<y2>\d{{4}}))"
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
        return dt.date(int(year), _month_number(month), int(day))
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


# ---------------------------------------------------------------- meeting days

_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?![\d:])"
_YEAR = r"\d{4}(?!\d)"
_WD = (r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+"
       r"|\((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.?\)\s*)?")
_TO = r"\s*(?:-|–|—|to|and|through|until|till)\s*"
_WD_AFTER = r"(?:\s*\((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?\))?"
DAYS_RE = re.compile(
    rf"(?:from\s+)?{_WD}(?:"
    # October 1 and 2, 2019 · November 30 to December 1, 2021 · March 20, 2024
    rf"(?P<am1>{_MONTH_ANY})\s+(?P<ad1>{_DAY})(?:,?\s+(?P<ay1>{_YEAR}))?{_WD_AFTER}"
    rf"(?:{_TO}{_WD}(?:(?P<am2>{_MONTH_ANY})\s+)?(?P<ad2>{_DAY})(?:,?\s+(?P<ay2>{_YEAR}))?)?"
    # 30 November to 1 December 2021 · 27 and 28 February 2024 · 14 November 2023
    rf"|(?P<bd1>{_DAY})(?:\s+(?:of\s+)?(?P<bm1>{_MONTH_ANY})(?:,?\s+(?P<by1>{_YEAR}))?)?{_WD_AFTER}"
    rf"(?:{_TO}{_WD}(?P<bd2>{_DAY})(?=\s+(?:of\s+)?{_MONTH_ANY}))?"
    rf"(?:(?(bd2)\s+(?:of\s+)?(?P<bm2>{_MONTH_ANY})(?:,?\s+(?P<by2>{_YEAR}))?))"
    rf")"
)


@dataclass(frozen=True)
class Days:
    """A meeting's first and last day, and where the text says them."""

    first: dt.date
    last: dt.date
    start: int
    end: int


def _month_number(name: str) -> int:
    return next(i for i, m in enumerate(MONTHS, 1) if m.startswith(name.rstrip(".")[:3]))


def _with_year(month: int, day: int, year: str | None, anchor: dt.date) -> dt.date | None:
    """A day of the text; without a year, the latest such day up to a week after `anchor`
    (a release reports a meeting already held: a December meeting in a January release
    is of the year before)."""
    try:
        if year:
            return dt.date(int(year), month, day)
        guess = dt.date(anchor.year, month, day)
    except ValueError:
        return None
    if guess > anchor + dt.timedelta(days=7):
        try:
            guess = dt.date(anchor.year - 1, month, day)
        except ValueError:
            return None
    return guess


def _days(m: re.Match[str], anchor: dt.date) -> tuple[dt.date, dt.date] | None:
    if m.group("am1"):
        m1, d1 = m.group("am1"), m.group("ad1")
        m2, d2 = m.group("am2") or m1, m.group("ad2")
        y1, y2 = m.group("ay1"), m.group("ay2")
    else:
        if not (m.group("bm1") or m.group("bm2")):
            return None
        m2, d2, y2 = m.group("bm2"), m.group("bd2"), m.group("by2")
        m1, d1, y1 = m.group("bm1") or m2, m.group("bd1"), m.group("by1")
        if d2 is None:
            m2, d2, y2 = m1, None, y1
    y1, y2 = y1 or y2, y2 or y1
    first_month, last_month = _month_number(m1), _month_number(m2)
    if y1 and y1 == y2 and last_month < first_month and not m.group("ay1") and not m.group("by1"):
        y1 = str(int(y1) - 1)  # "December 30 to January 2, 2025"
    first = _with_year(first_month, int(re.match(r"\d+", d1).group(0)), y1, anchor)
    if first is None:
        return None
    last = first
    if d2:
        last = _with_year(last_month, int(re.match(r"\d+", d2).group(0)), y2, anchor)
        if last is None or not first <= last <= first + dt.timedelta(days=14):
            return None
    return first, last


def find_days(text: str, start: int, end: int, anchor: dt.date) -> Days | None:
    """The first day or range of days in text[start:end] ("on Friday, February 24, 2023",
    "October 1 and 2", "from 30 November to 1 December 2021"), years taken from `anchor`
    (the publication date) where the text gives none."""
    for m in DAYS_RE.finditer(text, start, end):
        found = _days(m, anchor)
        if found is not None:
            s, e = m.start(), m.end()
            if text.startswith("from ", s):
                s += 5
            return Days(found[0], found[1], s, e)
    return None
