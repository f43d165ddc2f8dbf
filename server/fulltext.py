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
CANDIDATES = 400  # names read for ranking in Python (best by BM25 first)
# Marks of a highlighted word in a snippet: private-use characters, which no label or
# release holds, so a snippet is split at them and escaped by the template like any text.
OPEN, CLOSE = "\ue000", "\ue001"
SNIPPET_WORDS = 32  # tokens of a snippet (FTS5 allows at most 64)
WORD = re.compile(r"\w+")
STATEMENT_COLUMNS = ("s.id, s.iri, s.label, s.speaker, s.meeting, s.meeting_label, s.date, "
                     "s.release, s.start, s.\"end\"")
STATEMENTS_QUERY = f"""
SELECT {STATEMENT_COLUMNS},
       snippet(statement_text, 0, '{OPEN}', '{CLOSE}', '…', {SNIPPET_WORDS}),
       snippet(statement_text, 1, '{OPEN}', '{CLOSE}', '…', {SNIPPET_WORDS})
FROM statement_text JOIN statement s ON s.id = statement_text.rowid
WHERE statement_text MATCH ?
ORDER BY bm25(statement_text, 10.0, 2.0, 4.0, 1.0), s.id LIMIT ? OFFSET ?"""
COUNT_QUERY = "SELECT count(*) FROM statement_text WHERE statement_text MATCH ?"
NAMES_QUERY = """
SELECT t.iri, t.label, t.alias FROM thing_text JOIN thing t ON t.id = thing_text.rowid
WHERE thing_text MATCH ? ORDER BY rank LIMIT ?"""
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

    def names(self, text: str, limit: int = CANDIDATES) -> list[tuple[str, str, bool]]:
        """(label or alias, IRI, whether an alias) of the names holding every word, the
        last as a prefix (as one types), best by BM25 first."""
        found = words(text)
        if not found:
            return []
        match = " ".join([*(_quoted(w) for w in found[:-1]), _quoted(found[-1]) + "*"])
        return [(label, iri, bool(alias)) for iri, label, alias
                in self.db().execute(NAMES_QUERY, (match, limit))]

    def all_names(self) -> list[tuple[str, str, bool]]:
        return [(label, iri, bool(alias))
                for label, iri, alias in self.db().execute(ALL_NAMES_QUERY)]

    def statements(self, text: str, limit: int, offset: int = 0
                   ) -> tuple[int, list[StatementRow]]:
        """(how many statements hold every word, those of the page): the ones holding
        the words as a phrase first, then the others, each group best by BM25."""
        found = words(text)
        if not found:
            return 0, []
        phrase = _quoted(" ".join(found))
        every = " AND ".join(_quoted(w) for w in found)
        db = self.db()
        total = db.execute(COUNT_QUERY, (every,)).fetchone()[0]
        if len(found) == 1:
            return total, self._page(every, limit, offset)
        together = db.execute(COUNT_QUERY, (phrase,)).fetchone()[0]
        rows = self._page(phrase, limit, offset) if offset < together else []
        if len(rows) < limit:
            rest = f"{every} NOT {phrase}"
            rows += self._page(rest, limit - len(rows), max(0, offset - together))
        return total, rows

    def _page(self, match: str, limit: int, offset: int) -> list[StatementRow]:
        return [StatementRow(*row[1:10], _parts(row[10]),
                             () if OPEN in row[10] or OPEN not in row[11] else _parts(row[11]))
                for row in self.db().execute(STATEMENTS_QUERY, (match, limit, offset))]


def words(text: str) -> list[str]:
    """The words of a query, as FTS5's tokenizer cuts them (letters and digits)."""
    return WORD.findall(text.casefold().replace("_", " "))[:MAX_WORDS]


def _quoted(text: str) -> str:
    """An FTS5 string: what it holds is words, never syntax."""
    return '"' + text.replace('"', '""') + '"'


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
