"""The full-text search index of a build: tantivy, written into the build directory before
the swap, so it comes and goes with its store and a reader of a build reads that build's
index (the server never parses releases, and reading every label and quote from the store
on a worker's first search costs seconds on a large store).

Two indexes in one directory: the names (labels and aliases of what people browse to,
ranked by server/names.py, the index answering which names hold the words), and the
statements (the quoted sentence, the paragraph around it in the release, who said it,
where), ranked by BM25 and shown with highlighted snippets. tantivy ranks only what can
enter a page (SQLite FTS5, used before, scored every match: ~2 ms a search on 1,000
releases). A change of a few releases (graph/incremental.py) reads from the store only
the names and statements of the graphs it drops, replaces or adds, the others from the
build's index (each name with the graphs stating it: it goes with the last of them). The
server's side is server/fulltext.py and server/search.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import tantivy
from pyoxigraph import NamedNode, Store, Variable

from .iris import Iris

INDEX = "search"  # a directory in the build directory, beside the store's own files
NAMES, STATEMENTS = "names", "statements"  # its two indexes
LAYOUT_FILE, LAYOUT = "layout", "tantivy-1"  # a reader refuses an index of another layout
# Kinds of our things worth finding by name (statements, evidence, mentions and the like
# are reached from these, or found by their text).
FINDABLE = frozenset({"actor", "initiative", "topic", "meeting", "series", "place", "release",
                      "speech-act", "status", "scheme"})
CONTEXT_CHARS = 600  # at most this much of the paragraph either side of a quote is indexed
# Names match as typed: word prefixes, no stemming ("act" is not "acting"); statement text
# is stemmed (Porter's English) so "data sharing" finds "data shared". Both fold case and
# accents; words longer than MAX_WORD characters are left out (no one types them).
NAME_TOKENIZER, TEXT_TOKENIZER = "pk_name", "pk_text"
MAX_WORD = 64
# The fields of a statement's text, each with its weight in the ranking: quotes weigh most,
# then the speaker, the text around, the meeting's name.
TEXT_FIELDS = {"quote": 10.0, "context": 2.0, "speaker": 4.0, "meeting_label": 1.0}
WRITER_HEAP = 50_000_000  # bytes (tantivy's least is 15 MB per thread)

# The names of things in a graph ?g (bound to one graph for a change, else every graph's):
# a name stays while any graph states it. (As fast as the names of the union graph.)
LABELS_QUERY = """
SELECT DISTINCT ?g ?x ?l ?alias WHERE {
  GRAPH ?g { { ?x skos:prefLabel|rdfs:label ?l BIND(false AS ?alias) }
             UNION { ?x skos:altLabel ?l BIND(true AS ?alias) } }
  FILTER(isIRI(?x))
}"""
# The statements of a graph ?g (bound to one graph for a change, else every graph's).
STATEMENTS_QUERY = """
SELECT ?g ?st ?label ?said ?meeting ?meetingLabel ?date ?issued WHERE {
  GRAPH ?g { ?st a pk:Statement }
  OPTIONAL { ?st rdfs:label ?label }
  OPTIONAL { ?st pk:attributionText ?said }
  OPTIONAL { ?st pk:madeAt ?meeting .
             OPTIONAL { ?meeting rdfs:label ?meetingLabel }
             OPTIONAL { ?meeting schema:startDate ?date } }
  OPTIONAL { ?st prov:wasDerivedFrom ?release . ?release dcterms:issued ?issued }
}"""
SPEAKERS_QUERY = """
SELECT ?g ?st ?name WHERE {
  GRAPH ?g { ?st a pk:Statement } ?st pk:statedBy ?who . ?who rdfs:label ?name }"""
EVIDENCE_QUERY = """
SELECT ?g ?st ?release ?quote ?start ?end WHERE {
  GRAPH ?g { ?st a pk:Statement } ?st pk:evidence ?ev .
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
    graph: str  # the named graph stating it (a change replaces statements by graph)


STATEMENT_FIELDS = tuple(field.name for field in fields(Statement))
# (label or alias, IRI, whether an alias) of a findable thing → the graphs stating it
Names = dict[tuple[str, str, bool], set[str]]


def analyzer(stemmed: bool) -> tantivy.TextAnalyzer:
    """Words as the index cuts them (letters and digits), lower-cased, accents folded."""
    built = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()) \
        .filter(tantivy.Filter.remove_long(MAX_WORD)).filter(tantivy.Filter.lowercase()) \
        .filter(tantivy.Filter.ascii_fold())
    return (built.filter(tantivy.Filter.stemmer("english")) if stemmed else built).build()


def _schema(kind: str) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    if kind == NAMES:
        builder.add_text_field("name", stored=True, tokenizer_name=NAME_TOKENIZER)
        builder.add_text_field("iri", stored=True, tokenizer_name="raw")
        builder.add_text_field("graph", stored=True, tokenizer_name="raw")  # those naming it
        builder.add_integer_field("alias", stored=True)
        builder.add_integer_field("position", stored=True, fast=True)  # in `labelled`
        return builder.build()
    for field in TEXT_FIELDS:
        builder.add_text_field(field, stored=True, tokenizer_name=TEXT_TOKENIZER)
    for field in ("iri", "label", "meeting", "date", "release", "graph"):
        builder.add_text_field(field, stored=True, tokenizer_name="raw")
    for field in ("start", "end"):
        builder.add_integer_field(field, stored=True)
    return builder.build()


def opened(path: Path) -> tantivy.Index:
    """One of an index's two parts (NAMES or STATEMENTS), with its tokenizers (tantivy
    keeps only their names)."""
    return _tokenizing(tantivy.Index.open(str(path)))


def _tokenizing(index: tantivy.Index) -> tantivy.Index:
    index.register_tokenizer(NAME_TOKENIZER, analyzer(stemmed=False))
    index.register_tokenizer(TEXT_TOKENIZER, analyzer(stemmed=True))
    return index


def readable(path: Path) -> bool:
    """Whether `path` is an index of this layout (an older build has another, or none)."""
    try:
        return (path / LAYOUT_FILE).read_text(encoding="utf-8").strip() == LAYOUT
    except OSError:
        return False


def findable(iri: str, iris: Iris) -> bool:
    """Whether a thing is found by name: our ontology's terms and the kinds of FINDABLE."""
    if iri.startswith(iris.term("").value):
        return True
    prefix = f"{iris.base}id/"
    return iri.startswith(prefix) and iri[len(prefix):].split("/", 1)[0] in FINDABLE


def labelled(store: Store, iris: Iris) -> list[tuple[str, str, bool]]:
    """(label or alias, IRI, whether an alias) of every findable thing, sorted."""
    return sorted(named(store, iris))


def named(store: Store, iris: Iris, graph: NamedNode | None = None) -> Names:
    """The names of findable things `graph` states (else every graph), with the graphs
    stating each."""
    found: Names = {}
    for row in _select(store, iris, LABELS_QUERY,
                       {Variable("g"): graph} if graph is not None else None):
        if findable(row["x"].value, iris):
            found.setdefault((row["l"].value, row["x"].value, row["alias"].value == "true"),
                             set()).add(row["g"].value)
    return found


def statements(store: Store, iris: Iris, graph: NamedNode | None = None) -> list[Statement]:
    """The statements of `graph` (else of every graph), each with its first piece of
    evidence (by offset), oldest first."""
    bound = {Variable("g"): graph} if graph is not None else None
    speakers: dict[str, set[str]] = {}
    for row in _select(store, iris, SPEAKERS_QUERY, bound):
        speakers.setdefault(row["st"].value, set()).add(row["name"].value)
    evidence: dict[str, tuple] = {}
    for row in _select(store, iris, EVIDENCE_QUERY, bound):
        found = (int(row["start"].value), int(row["end"].value), row["release"].value,
                 row["quote"].value)
        evidence[row["st"].value] = min(evidence.get(row["st"].value, found), found)
    texts: dict[str, str] = {}
    rows: dict[str, Statement] = {}
    for row in _select(store, iris, STATEMENTS_QUERY, bound):
        iri = row["st"].value
        if iri in rows:  # a second label or date: the first is kept
            continue
        start, end, release, quote = evidence.get(iri, (None, None, None, ""))
        said = _value(row, "said") or " · ".join(sorted(speakers.get(iri, ())))
        rows[iri] = Statement(
            iri, _value(row, "label") or quote, said, _value(row, "meeting"),
            _value(row, "meetingLabel"), _value(row, "date") or _value(row, "issued"),
            release, start, end, quote,
            _context(_text(store, iris, release, texts), start, end) if release else "",
            graph.value if graph is not None else row["g"].value)
    return sorted(rows.values(), key=_oldest_first)


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


def write(store: Store, iris: Iris, directory: Path, previous: Path | None = None,
          changed: Collection[NamedNode] = ()) -> Path:
    """Write the index of `store` into `directory` (a build's, before its swap), whole or
    not at all: it is written under a temporary name and renamed. With `previous` (the
    index of the build `store` was copied from), only the statements of the `changed`
    graphs (dropped, replaced or added) are read from the store again, the others from
    `previous`; the index is then written whole from them, as a build writes it, so
    it ranks as a build's does (tantivy would keep a deleted document's words in its
    statistics until it merges)."""
    path = directory / INDEX
    temporary = directory / f".{INDEX}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        temporary.mkdir()
        if previous is not None and readable(previous):
            gone = {graph.value for graph in changed}
            names = {name: graphs - gone for name, graphs in held_names(previous).items()
                     if graphs - gone}
            for graph in changed:
                for name, graphs in named(store, iris, graph).items():
                    names.setdefault(name, set()).update(graphs)
            found = sorted([*(kept for kept in held(previous) if kept.graph not in gone),
                            *(new for graph in changed
                              for new in statements(store, iris, graph))],
                           key=_oldest_first)
        else:
            names, found = named(store, iris), statements(store, iris)
        _write(temporary / NAMES, NAMES, (
            tantivy.Document(name=label, iri=iri, alias=int(alias), position=position,
                             graph=sorted(names[label, iri, alias]))
            for position, (label, iri, alias) in enumerate(sorted(names))))
        _write(temporary / STATEMENTS, STATEMENTS, map(_document, found))
        (temporary / LAYOUT_FILE).write_text(LAYOUT + "\n", encoding="utf-8")
        _replace(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return path


def _replace(new: Path, path: Path) -> None:
    """Put the directory `new` at `path`, an index written before there being removed (a
    build's is written once, before its swap; a store's written again, as a test does)."""
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
        shutil.rmtree(old)
    os.replace(new, path)


def held(path: Path) -> list[Statement]:
    """The statements an index holds (its stored fields), in the order they were added."""
    return [Statement(**{name: document.get_first(name) for name in STATEMENT_FIELDS})
            for document in _stored(path / STATEMENTS)]


def held_names(path: Path) -> Names:
    """The names an index holds, with the graphs stating each."""
    return {(document.get_first("name"), document.get_first("iri"),
             bool(document.get_first("alias"))): set(document.get_all("graph"))
            for document in _stored(path / NAMES)}


def _stored(path: Path) -> list[tantivy.Document]:
    """Every document of one part of an index, in the order they were added."""
    searcher = opened(path).searcher()
    hits = searcher.search(tantivy.Query.all_query(), max(1, searcher.num_docs),
                           count=False).hits
    return [searcher.doc(address) for _, address in
            sorted(hits, key=lambda hit: (hit[1].segment_ord, hit[1].doc))]


def _write(path: Path, kind: str, documents: Iterable[tantivy.Document]) -> None:
    path.mkdir()
    with _new(path, kind).writer(WRITER_HEAP, 1) as writer:
        for document in documents:
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()


def _document(statement: Statement) -> tantivy.Document:
    document = tantivy.Document()
    for field, value in vars(statement).items():
        if isinstance(value, int):
            document.add_integer(field, value)
        elif value is not None:
            document.add_text(field, value)
    return document


def _oldest_first(statement: Statement) -> tuple[str, str]:
    return statement.date or "", statement.iri


def _new(path: Path, kind: str) -> tantivy.Index:
    return _tokenizing(tantivy.Index(_schema(kind), path=str(path), reuse=False))


def _select(store: Store, iris: Iris, query: str, bound: dict | None = None):
    return store.query(query, prefixes={**PREFIXES, "pk": iris.term("").value},
                       use_default_graph_as_union=True, substitutions=bound)


def _value(row, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None
