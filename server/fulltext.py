"""Reading a build's full-text index (graph/search_index.py): SQLite FTS5, opened read-only
and immutable (a build never changes once swapped in), one connection per thread.

What people type is never FTS5 syntax: it is cut into words (`\\w+`), each quoted, so
quotes, `*`, `NEAR(`, `-`, `AND`/`OR`/`NOT`, parentheses and NUL are only text."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from graph.search_index import INDEX, SCHEMA_VERSION

from .dataset import Opened

MAX_WORDS = 12  # of a query; the rest are ignored
# Marks of a highlighted word in a snippet: private-use characters, which no label or
# release holds, so a snippet is split at them and escaped by the template like any text.
OPEN, CLOSE = "\ue000", "\ue001"
SNIPPET_WORDS = 32  # tokens of a snippet (FTS5 allows at most 64)
WORD = re.compile(r"\w+")
STATEMENT_COLUMNS = ("s.id, s.iri, s.label, s.speaker, s.meeting, s.meeting_label, s.date, "
                     "s.release, s.start, s.\"end\"")
# The page's rows are chosen first (PAGE_QUERY), then only they get snippets (SNIPPETS, for
# a list of row ids): snippets made for every match cost more than the ranking. The
# statement table drives that join, so FTS5 does not snippet other matches; rows listed
# newest first are consecutive matches, so FTS5 reads only their range of row ids (4 times
# less work than the list). The text around a quote gets its snippet only where the quote
# holds none of the words.
PAGE_QUERY = """
SELECT rowid FROM statement_text WHERE statement_text MATCH ? ORDER BY {order}
LIMIT ? OFFSET ?"""
SNIPPETS = """
SELECT {columns} FROM statement s JOIN statement_text ON statement_text.rowid = s.id
WHERE s.id IN ({ids}) AND statement_text MATCH ?"""
RANGE_SNIPPETS = """
SELECT {columns} FROM statement_text JOIN statement s ON s.id = statement_text.rowid
WHERE statement_text MATCH ? AND statement_text.rowid BETWEEN ? AND ?"""
QUOTE_COLUMNS = (f"{STATEMENT_COLUMNS}, "
                 f"snippet(statement_text, 0, '{OPEN}', '{CLOSE}', '…', {SNIPPET_WORDS})")
AROUND_COLUMNS = (f"s.id, "
                  f"snippet(statement_text, 1, '{OPEN}', '{CLOSE}', '…', {SNIPPET_WORDS})")
# Best first: quotes weigh most, then the speaker, the text around, the meeting's name.
BY_RELEVANCE = "bm25(statement_text, 10.0, 2.0, 4.0, 1.0), rowid"
NEWEST_FIRST = "rowid DESC"  # the writer adds statements oldest first
# Above this many matches, statements are listed newest first instead of ranked: BM25
# scores every match (~0.7 µs each here, 10 ms for all 14,000 statements of 1,000
# releases), and words in that many statements tell them apart little (their IDF is low).
RANKED_UP_TO = 3000
COUNT_QUERY = "SELECT count(*) FROM statement_text WHERE statement_text MATCH ?"
# Row ids only: the names are ranked in Python, from the list read once (as a name is
# typed, "jap" matches thousands: ranking them by BM25 in SQL cost more than the rest).
NAMES_QUERY = "SELECT rowid FROM thing_text WHERE thing_text MATCH ?"
ALL_NAMES_QUERY = "SELECT label, iri, alias FROM thing ORDER BY id"


@dataclass(frozen=True)
class StatementRow:
    iri: str
    label: str
    speaker: str
    meeting: str | None
    meeting_label: str | None
    date: str | None
    release: str | None
    start: int | None
    end: int | None
    quote: tuple[tuple[str, bool], ...]  # (text, highlighted) parts of the quote
    around: tuple[tuple[str, bool], ...]  # of the text around it, when the words are
    # found there and not in the quote (else empty)


class Index:
    """The index of one build; a connection for each thread that reads it."""

    def __init__(self, path: Path) -> None:
        self.uri = f"{path.as_uri()}?mode=ro&immutable=1"
        self.local = threading.local()

    def db(self) -> sqlite3.Connection:
        db = getattr(self.local, "db", None)
        if db is None:
            db = self.local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        return db

    def names(self, text: str) -> list[int]:
        """The positions in `all_names()` of the names holding every word, the last as a
        prefix (as one types)."""
        found = words(text)
        if not found:
            return []
        match = " ".join([*(_quoted(w) for w in found[:-1]), _quoted(found[-1]) + "*"])
        return [rowid - 1 for (rowid,) in self.db().execute(NAMES_QUERY, (match,))]

    def all_names(self) -> list[tuple[str, str, bool]]:
        """(label or alias, IRI, whether an alias) of every name, in the order of their
        row ids (1, 2, ...: the writer inserts them into a new table)."""
        return [(label, iri, bool(alias))
                for label, iri, alias in self.db().execute(ALL_NAMES_QUERY)]

    def statements(self, text: str, limit: int, offset: int = 0
                   ) -> tuple[int, bool, list[StatementRow]]:
        """(how many statements hold every word, whether they are ranked, those of the
        page): the ones holding the words as a phrase first, then the others, each group
        best by BM25 (or newest first, if more than RANKED_UP_TO hold the words)."""
        found = words(text)
        if not found:
            return 0, True, []
        phrase = _quoted(" ".join(found))
        every = " AND ".join(_quoted(w) for w in found)
        total = self._count(every)
        ranked = total <= RANKED_UP_TO
        if len(found) == 1:
            return total, ranked, self._page(every, ranked, limit, offset)
        rows = self._page(phrase, ranked, limit, offset)
        if len(rows) == limit:
            return total, ranked, rows
        # the phrase's statements end on this page, or before it: how many there are is
        # known without counting them unless none is on this page
        together = offset + len(rows) if rows or not offset else self._count(phrase)
        if together < total:
            rows += self._page(f"{every} NOT {phrase}", ranked, limit - len(rows),
                               max(0, offset - together))
        return total, ranked, rows

    def _count(self, match: str) -> int:
        return self.db().execute(COUNT_QUERY, (match,)).fetchone()[0]

    def _page(self, match: str, ranked: bool, limit: int, offset: int
              ) -> list[StatementRow]:
        ids = [rowid for (rowid,) in self.db().execute(
            PAGE_QUERY.format(order=BY_RELEVANCE if ranked else NEWEST_FIRST),
            (match, limit, offset))]
        if not ids:
            return []
        rows = self._snippets(QUOTE_COLUMNS, match, ids, ranked)
        bare = [rowid for rowid in ids if OPEN not in rows[rowid][10]]
        around = self._snippets(AROUND_COLUMNS, match, bare, ranked) if bare else {}
        return [StatementRow(*row[1:10], _parts(row[10]),
                             _marked(around[rowid][1]) if rowid in bare else ())
                for rowid, row in ((rowid, rows[rowid]) for rowid in ids)]

    def _snippets(self, columns: str, match: str, ids: list[int], ranked: bool
                  ) -> dict[int, tuple]:
        """The rows `ids` (and maybe other matches between them) with `columns`, by row id:
        ranked rows by their list, rows newest first (consecutive matches) by their range."""
        if ranked:
            found = self.db().execute(
                SNIPPETS.format(columns=columns, ids=", ".join("?" * len(ids))),
                (*ids, match))
        else:
            found = self.db().execute(RANGE_SNIPPETS.format(columns=columns),
                                      (match, min(ids), max(ids)))
        return {row[0]: row for row in found}


def words(text: str) -> list[str]:
    """The words of a query, as FTS5's tokenizer cuts them (letters and digits)."""
    return WORD.findall(text.casefold().replace("_", " "))[:MAX_WORDS]


def _quoted(text: str) -> str:
    """An FTS5 string: what it holds is words, never syntax."""
    return '"' + text.replace('"', '""') + '"'


def _marked(snippet: str) -> tuple[tuple[str, bool], ...]:
    """A snippet's parts if it highlights any word, else none."""
    return _parts(snippet) if OPEN in snippet else ()


def _parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """A snippet as (text, highlighted) parts, split at the marks."""
    return tuple((piece, number % 2 == 1)
                 for number, piece in enumerate(re.split(f"[{OPEN}{CLOSE}]", snippet))
                 if piece)


def index_of(current: Opened) -> Index | None:
    """The build's full-text index, if it has one of this layout (an older build has none:
    the search then falls back to names only)."""
    if "fulltext" not in current.memo:
        path = Path(current.target) / INDEX
        current.memo["fulltext"] = Index(path) if _readable(path) else None
    return current.memo["fulltext"]


def _readable(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            return db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        finally:
            db.close()
    except sqlite3.Error:
        return False
