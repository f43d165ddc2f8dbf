"""The full-text search index of a build: SQLite FTS5 (the standard library's), written
into the build directory before the swap, so it comes and goes with its store and a
reader of a build reads that build's index (the server never parses releases, and reading
every label and quote from the store on a worker's first search costs seconds on a large
store).

Two kinds of rows: things (the labels and aliases of what people browse to), ranked by
name, and statements (the quoted sentence, the paragraph around it in the release, who
said it, where), ranked by BM25 and shown with highlighted snippets. The server's side is
server/search.py.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Store

from .iris import Iris

INDEX = "search.sqlite"  # in the build directory, beside the store's own files
SCHEMA_VERSION = 1  # PRAGMA user_version: a reader refuses an index of another layout
# Kinds of our things worth finding by name (statements, evidence, mentions and the like
# are reached from these, or found by their text).
FINDABLE = frozenset({"actor", "initiative", "topic", "meeting", "series", "place", "release",
                      "speech-act", "status", "scheme"})
CONTEXT_CHARS = 600  # at most this much of the paragraph either side of a quote is indexed
# Names match as typed: word prefixes, no stemming ("act" is not "acting"); statement text
# is stemmed (Porter) so "data sharing" finds "data shared".
NAME_TOKENIZER = "unicode61 remove_diacritics 2"
TEXT_TOKENIZER = "porter unicode61 remove_diacritics 2"

LABELS_QUERY = """
SELECT DISTINCT ?x ?l ?alias WHERE {
  { ?x skos:prefLabel|rdfs:label ?l BIND(false AS ?alias) }
  UNION { ?x skos:altLabel ?l BIND(true AS ?alias) }
  FILTER(isIRI(?x))
}"""
STATEMENTS_QUERY = """
SELECT ?st ?label ?said ?meeting ?meetingLabel ?date ?issued WHERE {
  ?st a pk:Statement .
  OPTIONAL { ?st rdfs:label ?label }
  OPTIONAL { ?st pk:attributionText ?said }
  OPTIONAL { ?st pk:madeAt ?meeting .
             OPTIONAL { ?meeting rdfs:label ?meetingLabel }
             OPTIONAL { ?meeting schema:startDate ?date } }
  OPTIONAL { ?st prov:wasDerivedFrom ?release . ?release dcterms:issued ?issued }
}"""
SPEAKERS_QUERY = """
SELECT ?st ?name WHERE { ?st a pk:Statement ; pk:statedBy ?who . ?who rdfs:label ?name }"""
EVIDENCE_QUERY = """
SELECT ?st ?release ?quote ?start ?end WHERE {
  ?st a pk:Statement ; pk:evidence ?ev .
  ?ev oa:hasSource ?release ; oa:hasSelector ?q , ?p .
  ?q oa:exact ?quote . ?p oa:start ?start ; oa:end ?end .
}"""
PREFIXES = {
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
}
SCHEMA = f"""
CREATE TABLE thing (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, label TEXT NOT NULL,
                    alias INTEGER NOT NULL);
CREATE VIRTUAL TABLE thing_text USING fts5(label, content='thing', content_rowid='id',
                                            tokenize='{NAME_TOKENIZER}');
CREATE TABLE statement (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, label TEXT NOT NULL,
                        speaker TEXT NOT NULL, meeting TEXT, meeting_label TEXT, date TEXT,
                        release TEXT, start INTEGER, "end" INTEGER, quote TEXT NOT NULL,
                        context TEXT NOT NULL);
CREATE VIRTUAL TABLE statement_text USING fts5(quote, context, speaker, meeting_label,
    content='statement', content_rowid='id', tokenize='{TEXT_TOKENIZER}');
"""


@dataclass(frozen=True)
class Statement:
    iri: str
    label: str
    speaker: str  # as written ("The EU"), else the labels of who made it
    meeting: str | None
    meeting_label: str | None
    date: str | None  # the meeting's, else the release's
    release: str | None
    start: int | None  # the quote's offsets in the release text (code points)
    end: int | None
    quote: str
    context: str  # the paragraph of the release around the quote


def findable(iri: str, iris: Iris) -> bool:
    """Whether a thing is found by name: our ontology's terms and the kinds of FINDABLE."""
    if iri.startswith(iris.term("").value):
        return True
    prefix = f"{iris.base}id/"
    return iri.startswith(prefix) and iri[len(prefix):].split("/", 1)[0] in FINDABLE


def labelled(store: Store, iris: Iris) -> list[tuple[str, str, bool]]:
    """(label or alias, IRI, whether an alias) of every findable thing, sorted."""
    return sorted((row["l"].value, row["x"].value, row["alias"].value == "true")
                  for row in _select(store, iris, LABELS_QUERY)
                  if findable(row["x"].value, iris))


def statements(store: Store, iris: Iris) -> list[Statement]:
    """Every statement with its first piece of evidence (by offset), oldest first (the
    server lists statements newest first when there are too many to rank)."""
    speakers: dict[str, set[str]] = {}
    for row in _select(store, iris, SPEAKERS_QUERY):
        speakers.setdefault(row["st"].value, set()).add(row["name"].value)
    evidence: dict[str, tuple] = {}
    for row in _select(store, iris, EVIDENCE_QUERY):
        found = (int(row["start"].value), int(row["end"].value), row["release"].value,
                 row["quote"].value)
        evidence[row["st"].value] = min(evidence.get(row["st"].value, found), found)
    texts: dict[str, str] = {}
    rows: dict[str, Statement] = {}
    for row in _select(store, iris, STATEMENTS_QUERY):
        iri = row["st"].value
        if iri in rows:  # a second label or date: the first is kept
            continue
        start, end, release, quote = evidence.get(iri, (None, None, None, ""))
        said = _value(row, "said") or " · ".join(sorted(speakers.get(iri, ())))
        rows[iri] = Statement(
            iri, _value(row, "label") or quote, said, _value(row, "meeting"),
            _value(row, "meetingLabel"), _value(row, "date") or _value(row, "issued"),
            release, start, end, quote,
            _context(_text(store, iris, release, texts), start, end) if release else "")
    return sorted(rows.values(), key=lambda row: (row.date or "", row.iri))


def _text(store: Store, iris: Iris, release: str, texts: dict[str, str]) -> str:
    if release not in texts:
        found = next(store.quads_for_pattern(NamedNode(release), iris.term("text"), None),
                     None)
        texts[release] = found.object.value if found else ""
    return texts[release]


def _context(text: str, start: int, end: int) -> str:
    """The paragraph around [start, end) without the quote itself (blank lines part
    paragraphs in a release text), at most CONTEXT_CHARS either side."""
    opening = max(text.rfind("\n\n", 0, start) + 1, start - CONTEXT_CHARS, 0)
    closing = text.find("\n\n", end)
    closing = min(len(text) if closing < 0 else closing, end + CONTEXT_CHARS)
    before = " ".join(text[opening:start].split())
    after = " ".join(text[end:closing].split()).lstrip(".,;:)]” ")
    return " … ".join(part for part in (before, after) if part)


def write(store: Store, iris: Iris, directory: Path) -> Path:
    """Write the index of `store` into `directory` (a build's, before its swap), whole or
    not at all: it is written under a temporary name and renamed."""
    path = directory / INDEX
    temporary = directory / f".{INDEX}.tmp"
    temporary.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(temporary)
        with contextlib.closing(db), db:  # committed, then closed
            db.executescript(SCHEMA)
            db.executemany("INSERT INTO thing (iri, label, alias) VALUES (?, ?, ?)",
                           ((iri, label, alias) for label, iri, alias
                            in labelled(store, iris)))
            db.executemany(
                "INSERT INTO statement (iri, label, speaker, meeting, meeting_label, date, "
                "release, start, \"end\", quote, context) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                _rows(statements(store, iris)))
            db.execute("INSERT INTO thing_text(thing_text) VALUES ('rebuild')")
            db.execute("INSERT INTO statement_text(statement_text) VALUES ('rebuild')")
            db.execute("INSERT INTO statement_text(statement_text) VALUES ('optimize')")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _rows(found: Iterable[Statement]) -> Iterator[tuple]:
    return (astuple(statement) for statement in found)


def _select(store: Store, iris: Iris, query: str):
    return store.query(query, prefixes={**PREFIXES, "pk": iris.term("").value},
                       use_default_graph_as_union=True)


def _value(row, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None
