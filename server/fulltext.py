"""Reading a build's full-text index (graph/search_index.py): tantivy, opened once per
build (a build never changes once swapped in), a searcher for each thread.

What people type is never query syntax: it is cut into words (`\\w+`) and each goes
through the index's own analyzer into a term query, so quotes, `*`, `NEAR(`, `-`,
`AND`/`OR`/`NOT`, parentheses and NUL are only text."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from graph.search_index import INDEX, NAMES, STATEMENTS, TEXT_FIELDS, analyzer, opened, readable

from .dataset import Opened

MAX_WORDS = 12  # of a query; the rest are ignored
SNIPPET_CHARS = 200  # of a snippet (about the 32 words SQLite's FTS5 showed before)
BEFORE_RUN = 60  # characters of a snippet before its words, at most
WHOLE_FIELD = 100_000  # tantivy's fragment: the whole field (a quote, or the text around)
ELLIPSIS = "…"  # where a snippet cuts its text
WORD = re.compile(r"\w+")
# Statements holding the words as a phrase come first, those whose own words hold it first
# of all: their score is raised by this much (twice when the quote holds it, three times
# when the text around it does too: more of the release says it), far above any BM25 score
# of 12 words (each below ~25 × the fields' weights), and small enough that a 32-bit float
# still tells their own scores apart (to ~0.004).
PHRASE_FIRST = 10_000.0
QUOTE = "quote"  # the statement's own words; the other TEXT_FIELDS are about it
# Highlighted words only this far apart (no letter or digit between) show as one: a
# phrase ("vendor lock-in") is marked whole.
BETWEEN_WORDS = re.compile(r"\W+")


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
    around: tuple[tuple[str, bool], ...]  # of the text around it, when some of the
    # words are found there and not in the quote (else empty)


class Index:
    """The index of one build; searchers for each thread that reads it."""

    def __init__(self, path: Path) -> None:
        self.names_index = opened(path / NAMES)
        self.statements_index = opened(path / STATEMENTS)
        self.local = threading.local()

    def _searcher(self, which: str) -> tantivy.Searcher:
        found = getattr(self.local, which, None)
        if found is None:
            index = self.names_index if which == NAMES else self.statements_index
            found = index.searcher()
            setattr(self.local, which, found)
        return found

    def _analyzer(self, stemmed: bool) -> tantivy.TextAnalyzer:
        name = "stemmed" if stemmed else "plain"
        found = getattr(self.local, name, None)
        if found is None:
            found = analyzer(stemmed)
            setattr(self.local, name, found)
        return found

    def _terms(self, text: str, stemmed: bool) -> list[str]:
        """The index's terms for the words of a query; none if a word has none (a word
        longer than the index keeps is in no name or statement)."""
        analyze = self._analyzer(stemmed).analyze
        terms = [analyze(word) for word in words(text)]
        return [] if not all(terms) else [term for found in terms for term in found]

    def names(self, text: str) -> list[int]:
        """The positions in `all_names()` of the names holding every word, the last as a
        prefix (as one types)."""
        terms = self._terms(text, stemmed=False)
        if not terms:
            return []
        schema = self.names_index.schema
        query = Query.boolean_query(
            [*((Occur.Must, Query.term_query(schema, "name", term)) for term in terms[:-1]),
             (Occur.Must, Query.fuzzy_term_query(schema, "name", terms[-1], distance=0,
                                                 prefix=True))])
        searcher = self._searcher(NAMES)
        hits = searcher.search(query, max(1, searcher.num_docs), count=False).hits
        return [int(position) for position in
                searcher.fast_field_values("position", [address for _, address in hits])]

    def all_names(self) -> list[tuple[str, str, bool]]:
        """(label or alias, IRI, whether an alias) of every name, in the order they were
        written (`position`)."""
        searcher = self._searcher(NAMES)
        hits = searcher.search(Query.all_query(), max(1, searcher.num_docs), count=False,
                               order_by_field="position", order=tantivy.Order.Asc).hits
        return [(found["name"][0], found["iri"][0], bool(found["alias"][0]))
                for found in (searcher.doc(address).to_dict() for _, address in hits)]

    def statements(self, text: str, limit: int, offset: int = 0
                   ) -> tuple[int, list[StatementRow]]:
        """(how many statements hold every word, in what they say or around it, those of
        the page): the ones saying the words as a phrase first, then those with the phrase
        around them, then the others, each group best by BM25 (the fields weighted by
        TEXT_FIELDS). tantivy ranks only what can enter the page. A quote that lacks some
        of the words comes with the text around it where they are."""
        terms = self._terms(text, stemmed=True)
        if not terms:
            return 0, []
        schema = self.statements_index.schema
        every = Query.boolean_query([(Occur.Must, self._anywhere(term)) for term in terms])
        query = every if len(terms) == 1 else Query.boolean_query([
            (Occur.Must, every),
            (Occur.Should, Query.const_score_query(
                Query.phrase_query(schema, QUOTE, terms), 2 * PHRASE_FIRST)),
            (Occur.Should, Query.const_score_query(Query.boolean_query([
                (Occur.Should, Query.phrase_query(schema, field, terms))
                for field in TEXT_FIELDS if field != QUOTE]), PHRASE_FIRST))])
        searcher = self._searcher(STATEMENTS)
        found = searcher.search(query, limit, count=True, offset=offset)
        quotes = _Snippets(searcher, every, schema, QUOTE)
        around = _Snippets(searcher, every, schema, "context")
        wanted = set(terms)
        holds: dict[str, bool] = {}  # whether marked words hold them all (mostly the same)
        rows = []
        for _, address in found.hits:
            document = searcher.doc(address)
            quote = quotes.of(document)
            said = " ".join(part for part, on in quote if on)
            if said not in holds:
                holds[said] = bool(said) and wanted <= set(self._terms(said, stemmed=True))
            whole = holds[said]
            rows.append(StatementRow(
                *(document.get_first(field) for field in (
                    "iri", "label", "speaker", "meeting", "meeting_label", "date",
                    "release", "start", "end")),
                quote, () if whole else around.of(document, marked_only=True)))
        return found.count, rows

    def _anywhere(self, term: str) -> Query:
        """A word in any of a statement's text fields, scored by their weights."""
        schema = self.statements_index.schema
        return Query.boolean_query([
            (Occur.Should, Query.boost_query(Query.term_query(schema, field, term), weight))
            for field, weight in TEXT_FIELDS.items()])


class _Snippets:
    """Snippets of one field of a page's statements, made only when asked (the text around
    a quote only where the quote lacks the words). tantivy finds the words in the whole
    field; the snippet is the window around the longest run of them (a phrase), which
    tantivy's own fragments may cut in two."""

    def __init__(self, searcher: tantivy.Searcher, query: Query, schema: tantivy.Schema,
                 field: str) -> None:
        self.made = (searcher, query, schema, field)
        self.generator: tantivy.SnippetGenerator | None = None

    def of(self, document: tantivy.Document, marked_only: bool = False
           ) -> tuple[tuple[str, bool], ...]:
        """The field's window around its best run of words as (text, highlighted) parts;
        its start when no word is in it (or nothing, with `marked_only`)."""
        if self.generator is None:
            self.generator = tantivy.SnippetGenerator.create(*self.made)
            self.generator.set_max_num_chars(WHOLE_FIELD)
        text = document.get_first(self.made[3]) or ""
        snippet = self.generator.snippet_from_doc(document)
        highlighted = [(r.start, r.end) for r in snippet.highlighted()]
        if not highlighted:
            return () if marked_only or not text else _window(text, [], 0, 0)
        whole = snippet.fragment()
        if not whole.isascii():  # tantivy counts bytes; in ASCII they are the characters
            encoded = whole.encode()
            highlighted = [(len(encoded[:start].decode()), len(encoded[:end].decode()))
                           for start, end in highlighted]
        runs = _joined(whole, highlighted)
        best = max(runs, key=lambda run: (run[2], -run[0]))
        return _window(whole, [(start, end) for start, end, _ in runs], best[0], best[1])


def _joined(fragment: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Highlighted spans, those with only spaces or punctuation between them made one run:
    (start, end, words in it)."""
    joined: list[tuple[int, int, int]] = []
    for start, end in sorted(spans):
        if joined and BETWEEN_WORDS.fullmatch(fragment, joined[-1][1], start):
            joined[-1] = (joined[-1][0], end, joined[-1][2] + 1)
        else:
            joined.append((start, end, 1))
    return joined


def _window(text: str, runs: list[tuple[int, int]], start: int, end: int
            ) -> tuple[tuple[str, bool], ...]:
    """About SNIPPET_CHARS of `text` around [start, end) (at most BEFORE_RUN before it,
    unless the text ends first), cut at spaces, as (text, highlighted) parts, with an
    ellipsis where it cuts the text."""
    opening = max(0, min(start - BEFORE_RUN, len(text) - SNIPPET_CHARS))
    if opening:
        opening = min(start, text.find(" ", opening) + 1 or start)
    closing = max(end, opening + SNIPPET_CHARS)
    if closing < len(text):
        closing = max(end, text.rfind(" ", opening, closing) if " " in text[end:closing]
                      else closing)
    closing = min(closing, len(text))
    parts, at = [], opening
    for run_start, run_end in runs:
        run_start, run_end = max(run_start, opening), min(run_end, closing)
        if run_start < run_end:
            parts += [(text[at:run_start], False), (text[run_start:run_end], True)]
            at = run_end
    parts.append((text[at:closing], False))
    # (the text around a quote holds one where the quote was: not two in a row)
    return ((ELLIPSIS, False),) * (opening > 0 and not text.startswith(ELLIPSIS, opening)) \
        + tuple(part for part in parts if part[0]) \
        + ((ELLIPSIS, False),) * (closing < len(text)
                                  and not text[:closing].rstrip().endswith(ELLIPSIS))


def words(text: str) -> list[str]:
    """The words of a query, as the index's tokenizer cuts them (letters and digits)."""
    return WORD.findall(text.casefold().replace("_", " "))[:MAX_WORDS]


def index_of(current: Opened) -> Index | None:
    """The build's full-text index, if it has one of this layout (an older build has none,
    or SQLite's: the search then falls back to names only)."""
    if "fulltext" not in current.memo:
        path = Path(current.target) / INDEX
        current.memo["fulltext"] = Index(path) if readable(path) else None
    return current.memo["fulltext"]
