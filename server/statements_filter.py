"""What a /statements request asks for (its filters, order and page, all in the URL) and
what the table gives for it: the matching rows in order, one page of them, and every
facet's counts.

Several values of one facet are alternatives (OR), facets combine (AND). A facet's counts
are taken over the rows the *other* facets select, so a facet in use still shows what
choosing another of its values would add. A value the table does not hold selects nothing;
a malformed parameter is refused (`Malformed`, answered 400). Request values are only ever
looked up in the table's dictionaries: none reaches a query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from .statements_table import FACETS, SORTS, Table

DEFAULT_SIZE = 50
MAX_SIZE = 500  # rows on one page (`size=all` gives every row, in CSV and JSON only)
MAX_VALUES = 100  # values of one facet in one request
MAX_KEY = 2000  # characters of one value
YEAR = re.compile(r"\d{4}")


class Malformed(ValueError):
    """A parameter that cannot mean anything; its message says which and why."""


@dataclass(frozen=True)
class Selection:
    filters: dict[str, tuple[str, ...]]  # facet → keys chosen (IRIs; a year's digits)
    sort: str = "date"  # a name of SORTS, "-" first for the reverse order
    page: int = 1
    size: int | None = DEFAULT_SIZE  # None: every row
    whole: tuple[str, ...] = ()  # facets shown with all their values (`all=speaker`)

    @property
    def reverse(self) -> bool:
        return self.sort.startswith("-")

    def parameters(self, **changes) -> list[tuple[str, str]]:
        """The selection as URL parameters, in one order (filters, facets shown whole, sort,
        size, page), the defaults left out; `changes` replace sort/size/page (None drops
        one)."""
        shown = {"sort": self.sort, "size": "all" if self.size is None else self.size,
                 "page": self.page, **changes}
        pairs = [(name, key) for name in FACETS for key in self.filters.get(name, ())]
        pairs += [("all", name) for name in FACETS if name in self.whole]
        defaults = {"sort": "date", "size": DEFAULT_SIZE, "page": 1}
        pairs += [(name, str(shown[name])) for name in ("sort", "size", "page")
                  if shown[name] is not None and shown[name] != defaults[name]]
        return pairs

    def toggled(self, facet: str, key: str) -> Selection:
        """The selection with one value added to its facet, or taken out; back to page 1."""
        chosen = self.filters.get(facet, ())
        changed = tuple(k for k in chosen if k != key) if key in chosen else (*chosen, key)
        filters = {**self.filters, facet: changed}
        return replace(self, filters={n: v for n, v in filters.items() if v}, page=1)

    def shown_whole(self, facet: str, whole: bool) -> Selection:
        """The same rows, with the facet's values all listed or only its first few."""
        names = {*self.whole, facet} if whole else set(self.whole) - {facet}
        return replace(self, whole=tuple(n for n in FACETS if n in names))


def parse(args: Mapping, key_of, downloads: bool) -> Selection:
    """The selection a request's parameters ask for (`args` a werkzeug MultiDict);
    `key_of` turns a value as written in the URL into the table's key (an IRI); `size=all`
    only for a download. Other parameters are ignored, as on every page here."""
    filters = {}
    for name in FACETS:
        written = [v for v in args.getlist(name) if v != ""]  # an empty form field: none
        if len(written) > MAX_VALUES:
            raise Malformed(f"{name}= is given {len(written)} times; at most {MAX_VALUES}")
        for value in written:
            if len(value) > MAX_KEY:
                raise Malformed(f"a value of {name}= is longer than {MAX_KEY} characters")
            if name == "year" and not YEAR.fullmatch(value):
                raise Malformed(f"year= must be a year of four digits, not {value!r}")
        if written:
            filters[name] = tuple(dict.fromkeys(
                value if name == "year" else key_of(value) for value in written))
    sort = args.get("sort", "date")
    if sort.removeprefix("-") not in SORTS:
        raise Malformed(f"sort= must be one of {', '.join(SORTS)} (a leading - reverses), "
                        f"not {sort!r}")
    size = args.get("size", str(DEFAULT_SIZE))
    if size == "all" and downloads:
        rows = None
    elif size.isascii() and size.isdigit() and 1 <= int(size) <= MAX_SIZE:
        rows = int(size)
    else:
        raise Malformed(f"size= must be a whole number from 1 to {MAX_SIZE}"
                        + (" or all" if downloads else " (size=all is for .csv and .json)"))
    page = args.get("page", "1")
    if not (page.isascii() and page.isdigit()) or int(page) < 1:
        raise Malformed("page= must be a whole number from 1")
    whole = [v for v in args.getlist("all") if v != ""]
    unknown = [v for v in whole if v not in FACETS]
    if unknown:
        raise Malformed(f"all= names a facet to show whole: one of {', '.join(FACETS)}, "
                        f"not {unknown[0][:80]!r}")
    return Selection(filters, sort, int(page), rows, tuple(n for n in FACETS if n in whole))


@dataclass
class Result:
    total: int  # rows matching
    rows: list[int]  # the page's rows, in order
    counts: dict[str, list[tuple[str, int]]]  # facet → (key, rows) in count order, > 0
    distinct: dict[str, int]  # facet → how many of its values the other facets leave


COUNTS_KEPT = 4096  # facet counts a table keeps, by the filters they were counted under


def run(table: Table, selection: Selection, shown: int | None) -> Result:
    """The page of rows and every facet's counts (the `shown` most frequent values of each,
    and every value chosen; all of them when `shown` is None or the selection shows the
    facet whole). A facet's counts are kept
    with the table by the filters they depend on: paging or sorting a view, or changing
    one facet, counts the other facets again only where their filters changed."""
    masks = {name: _mask(table, name, keys) for name, keys in selection.filters.items()}
    everything = np.ones(len(table), dtype=bool)
    chosen = np.logical_and.reduce([everything, *masks.values()])
    counts, distinct = {}, {}
    for name in FACETS:
        others = tuple(sorted((n, keys) for n, keys in selection.filters.items() if n != name))
        limit = None if name in selection.whole else shown
        key = (name, others, selection.filters.get(name, ()), limit)
        found = table.counted.get(key)
        if found is None:  # over the rows the other facets select (all of them: `chosen`)
            rows = chosen if name not in masks else np.logical_and.reduce(
                [everything, *(masks[n] for n, _ in others)])
            found = _counts(table, name, rows, selection.filters.get(name, ()), limit)
            if len(table.counted) >= COUNTS_KEPT:
                table.counted.clear()
            table.counted[key] = found
        counts[name], distinct[name] = found
    order = table.orders[selection.sort.removeprefix("-")]
    if selection.reverse:
        order = order[::-1]
    hits = order[chosen[order]]
    start = (selection.page - 1) * (selection.size or 0)
    page = hits[start:start + selection.size] if selection.size else hits
    return Result(len(hits), page.tolist(), counts, distinct)


def _mask(table: Table, name: str, keys: tuple[str, ...]) -> np.ndarray:
    facet = table.facets[name]
    mask = np.zeros(len(table), dtype=bool)
    for key in keys:
        if key in facet.index:
            mask[facet.rows_of(facet.index[key])] = True
    return mask


def _counts(table: Table, name: str, rows: np.ndarray, chosen: tuple[str, ...],
            shown: int | None) -> tuple[list[tuple[str, int]], int]:
    """(the facet's values to show with their counts, how many values have rows)."""
    facet = table.facets[name]
    if not facet.keys:
        return [], 0
    counted = np.bincount(facet.codes[rows[facet.rows]], minlength=len(facet.keys))
    present = np.flatnonzero(counted)
    # most rows first, then A-Z: one key per value (its place by label breaks ties)
    order = -counted[present].astype(np.int64) * len(facet.keys) + facet.rank[present]
    first = np.arange(len(present))
    if shown is not None and shown < len(present):  # the first few, without sorting them all
        first = np.argpartition(order, shown)[:shown] if shown else first[:0]
    picked = present[first[np.argsort(order[first])]].tolist()
    extra = [facet.index[k] for k in chosen if k in facet.index and facet.index[k] not in picked]
    return [(facet.keys[code], int(counted[code])) for code in picked + extra], len(present)
