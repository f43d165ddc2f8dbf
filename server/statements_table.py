"""The statements as one table, for /statements (server/statements_view.py): a row per
statement (its date and the span of the release that says it) and, per facet, the
(row, value) pairs of that column as numpy arrays, so that a filter, the counts of every
facet and a page of rows cost well under a millisecond on tens of thousands of statements
(a SPARQL query per request would take seconds on a large store).

The table is read from the store once per store version and worker process. On a large
store that read costs seconds (14k statements' spans, meetings and links: ~3 s on a quiet
machine), so `policykg pages` keeps it beside the pages (server/page_files.py) and a
worker reads that file instead, as it does the search's index.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field

import numpy as np
from pyoxigraph import NamedNode, Store

from graph.iris import DCTERMS, ORG
from ontology import PK

from . import describe, page_files
from .dataset import Opened

KEPT = "statements.json.gz"  # the table as `policykg pages` keeps it beside the pages
# The facets, in the order a page shows them; the statement properties read for them.
FACETS = ("series", "meeting", "year", "speaker", "side", "act", "topic", "mentions")
PROPERTIES = {"speaker": "statedBy", "meeting": "madeAt", "act": "speechAct",
              "topic": "onTopic", "mentions": "mentions"}
PARTY = NamedNode(PK + "party")
PARENTS = (NamedNode(ORG + "subOrganizationOf"), NamedNode(ORG + "unitOf"))
ISSUED = NamedNode(DCTERMS + "issued")
SORTS = ("date", "meeting", "speaker")  # the orders a table can be read in


@dataclass
class Facet:
    """One column's values: `keys[codes[i]]` is a value of row `rows[i]`."""

    keys: list[str]  # an IRI, or a literal's text (a year)
    rows: np.ndarray
    codes: np.ndarray
    index: dict[str, int] = field(default_factory=dict)  # key → code
    cells: list[tuple[int, ...]] = field(default_factory=list)  # row → its codes
    rank: np.ndarray = field(default_factory=lambda: np.zeros(0))  # code → place by label
    # the rows of each value: by_code[starts[code]:starts[code + 1]] (a filter's rows
    # without a pass over every pair)
    by_code: np.ndarray = field(default_factory=lambda: np.zeros(0))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        self.index = {key: code for code, key in enumerate(self.keys)}
        self.by_code = self.rows[np.argsort(self.codes, kind="stable")]
        self.starts = np.concatenate(([0], np.cumsum(np.bincount(
            self.codes, minlength=len(self.keys))))).astype(np.int64)

    def rows_of(self, code: int) -> np.ndarray:
        return self.by_code[self.starts[code]:self.starts[code + 1]]


@dataclass
class Table:
    statements: list[str]  # IRIs, in date and text order
    dates: list[str]  # the meeting's date, else the release's ("" when neither is known)
    releases: list[str | None]
    starts: list[int | None]
    ends: list[int | None]
    quotes: list[str]
    facets: dict[str, Facet]
    labels: dict[str, str]  # IRI → label, for every IRI a facet holds
    orders: dict[str, np.ndarray] = field(default_factory=dict)  # sort → rows in that order
    # what the view writes once per table (server/statements_view.py): its things' links, per
    # mount point, and its values as a URL's query writes them
    rendered: dict = field(default_factory=dict)
    counted: dict = field(default_factory=dict)  # facet counts by filters (the filter's)

    def __post_init__(self) -> None:
        for facet in self.facets.values():
            by_label = sorted(range(len(facet.keys)),
                              key=lambda code, f=facet: (self.label(f.keys[code]).casefold(),
                                                         f.keys[code]))
            facet.rank = np.empty(len(facet.keys), dtype=np.int32)
            facet.rank[by_label] = np.arange(len(facet.keys), dtype=np.int32)
            cells: list[list[int]] = [[] for _ in self.statements]
            for row, code in zip(facet.rows.tolist(), facet.codes.tolist(), strict=True):
                cells[row].append(code)
            facet.cells = [tuple(c) for c in cells]
        self.orders = {"date": np.arange(len(self.statements), dtype=np.int32)}
        for name in SORTS[1:]:
            facet = self.facets[name]
            self.orders[name] = np.array(sorted(
                range(len(self.statements)),
                key=lambda row, f=facet: (self._first_label(f, row), row)), dtype=np.int32)

    def _first_label(self, facet: Facet, row: int) -> tuple[bool, str]:
        """A row's sort key by a column: its first value's label; rows without one last."""
        codes = facet.cells[row]
        if not codes:
            return (True, "")
        key = facet.keys[codes[0]]
        return (False, self.labels.get(key, key).casefold())

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def __len__(self) -> int:
        return len(self.statements)


_LOCK = threading.Lock()  # one read per worker, though several threads ask at once


def table(current: Opened, kept: bool) -> Table:
    """The store's table: from the file kept beside the pages when `kept` and there is one
    this code wrote, else read from the store; once per store version and process."""
    key = ("statements-table",)
    if key not in current.memo:
        with _LOCK:
            if key not in current.memo:
                stored = page_files.read_kept(current.target, KEPT) if kept else None
                current.memo[key] = loads(stored) if stored is not None \
                    else read(current.store, current.base)
    return current.memo[key]


def read(store: Store, base: str) -> Table:
    """The table from the store: five queries and a few pattern lookups, joined here."""
    spans: dict[str, tuple[str, int, int, str]] = {}
    for row in describe.select(store, base, "statements-spans"):
        found = (row["release"].value, int(row["start"].value), int(row["end"].value),
                 row["quote"].value)
        known = spans.get(row["st"].value)
        if known is None or found[1:3] < known[1:3]:  # several spans: the first in the text
            spans[row["st"].value] = found
    values: dict[str, dict[str, list[str]]] = {}
    for name, local in PROPERTIES.items():
        column: dict[str, list[str]] = {}
        for row in describe.select(store, base, "statements-values", p=NamedNode(PK + local)):
            column.setdefault(row["st"].value, []).append(row["value"].value)
        values[name] = column
    statements = set(spans).union(*(column.keys() for column in values.values()))
    meetings = {}
    for row in describe.select(store, base, "statements-meetings"):
        meetings[row["meeting"].value] = (_text(row["date"]), _text(row["series"]))
    issued = {q.subject.value: q.object.value for q in store.quads_for_pattern(None, ISSUED, None)}
    parties = _pairs(store, (PARTY,))
    parents = _pairs(store, PARENTS)

    dates = {}
    for st in statements:  # the meeting's date, else the release's
        meeting = next(iter(values["meeting"].get(st, ())), None)
        release = spans[st][0] if st in spans else None
        dates[st] = meetings.get(meeting, (None, None))[0] or issued.get(release, "")

    def text_order(st: str) -> tuple:
        span = spans.get(st)
        return (dates[st], span[0] if span else "", span[1] if span else 0, st)

    ordered = sorted(statements, key=text_order)
    columns = {name: [values[name].get(st, []) for st in ordered] for name in PROPERTIES}
    series = [[s] if (s := meetings.get(next(iter(m), ""), (None, None))[1]) else []
              for m in columns["meeting"]]
    columns["series"] = series
    columns["year"] = [[dates[st][:4]] if dates[st] else [] for st in ordered]
    columns["side"] = [_sides(speakers, parties.get(s[0], []) if s else [], parents)
                       for speakers, s in zip(columns["speaker"], series, strict=True)]
    facets = {name: _facet(columns[name]) for name in FACETS}
    labelled = {key for name, facet in facets.items() if name != "year" for key in facet.keys}
    labels = {iri: describe.label(store, NamedNode(iri)) or describe.compact(iri, base)
              for iri in labelled}
    return Table(ordered, [dates[st] for st in ordered],
                 [spans[st][0] if st in spans else None for st in ordered],
                 [spans[st][1] if st in spans else None for st in ordered],
                 [spans[st][2] if st in spans else None for st in ordered],
                 [spans[st][3] if st in spans else "" for st in ordered], facets, labels)


def _text(term) -> str | None:
    return term.value if term is not None else None


def _pairs(store: Store, predicates: tuple[NamedNode, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for predicate in predicates:
        for quad in store.quads_for_pattern(None, predicate, None):
            found.setdefault(quad.subject.value, [])
            if quad.object.value not in found[quad.subject.value]:
                found[quad.subject.value].append(quad.object.value)
    return found


def _sides(speakers: list[str], parties: list[str], parents: dict[str, list[str]]
           ) -> list[str]:
    """The parties of the meeting's series that the speakers are, or belong to (a unit or
    sub-organisation of one, at any depth): whose side a statement speaks for."""
    sides = []
    for speaker in speakers:
        seen, frontier = {speaker}, [speaker]
        while frontier:
            seen.update(frontier)
            frontier = [p for f in frontier for p in parents.get(f, []) if p not in seen]
        sides += [party for party in parties if party in seen and party not in sides]
    return sides


def _facet(column: list[list[str]]) -> Facet:
    keys: dict[str, int] = {}
    rows, codes = [], []
    for row, cell in enumerate(column):
        for key in dict.fromkeys(cell):
            rows.append(row)
            codes.append(keys.setdefault(key, len(keys)))
    return Facet(list(keys), np.array(rows, dtype=np.int32), np.array(codes, dtype=np.int32))


def dumps(found: Table) -> bytes:
    """The table as the file `policykg pages` keeps (gzip-compressed JSON)."""
    return gzip.compress(json.dumps({
        "statements": found.statements, "dates": found.dates, "releases": found.releases,
        "starts": found.starts, "ends": found.ends, "quotes": found.quotes,
        "labels": found.labels,
        "facets": {name: {"keys": f.keys, "rows": f.rows.tolist(), "codes": f.codes.tolist()}
                   for name, f in found.facets.items()},
    }).encode())


def loads(data: bytes) -> Table:
    kept = json.loads(gzip.decompress(data))
    facets = {name: Facet(f["keys"], np.array(f["rows"], dtype=np.int32),
                          np.array(f["codes"], dtype=np.int32))
              for name, f in kept["facets"].items()}
    return Table(kept["statements"], kept["dates"], kept["releases"], kept["starts"],
                 kept["ends"], kept["quotes"], facets, kept["labels"])
