"""Search: things by name (labels and aliases), then statements by what they say.

With the build's full-text index (graph/search_index.py, read by server/fulltext.py):
names hold every word typed (the last as a prefix) and are ranked exact match, then
prefix, then word prefix, then the words in any order; a name typed with a typo is found
by its likeness (rapidfuzz) when no name holds the words; statements are ranked by BM25
and shown with their words highlighted. A build
without the index (made by an older policykg) is searched as before: names only, kept in
memory, substrings ranked the same way, and when no name holds the phrase, its longest
word that names anything."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, request
from markupsafe import Markup, escape
from pyoxigraph import NamedNode

from graph.iris import Iris
from graph.search_index import labelled as labelled_in

from . import describe, page_files
from .dataset import Opened
from .entity_view import Value, Viewer
from .fulltext import Index, StatementRow, index_of, words
from .links import Links
from .names import Entry, Names, ranked
from .negotiate import parse_accept
from .respond import cached, html, kept_files, opened

bp = Blueprint("search", __name__)

LIMIT = 10
MAX_LIMIT = 50
MAX_QUERY = 200  # characters
STATEMENTS_PAGE = 20
# How alike a name must be to what was typed (rapidfuzz's ratio, 0-100) to be offered
# when no name holds the words typed: "japn" is 89 like "Japan", "data sharing" 60 like
# "Data Act".
LIKENESS = 80
FUZZY_FROM = 3  # characters typed before names are looked for by likeness
PREFIXES_UP_TO = 16  # characters typed up to which names' starts are compared too
# What a page's Accept may name instead of JSON (a browser's names HTML, then */*).
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/*", "*/*"})


@dataclass(frozen=True)
class Hit:
    value: Value  # the thing, with its preferred label
    matched: str  # the label or alias that matched
    kind: Value | None


@dataclass(frozen=True)
class Said:
    """A statement found by its text, as the results show it: what the index holds of it
    (speaker, meeting, date, snippets) and where it links."""

    row: StatementRow
    href: str | None  # its page
    meeting_href: str | None
    evidence: str | None  # the quote in the annotated release

    @property
    def meeting_text(self) -> str | None:
        """The meeting's name (its IRI if it has none), if the statement names one."""
        return (self.row.meeting_label or self.row.meeting) if self.row.meeting else None


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive form for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def index(current: Opened) -> Names:
    """The labels and aliases of the findable things, read once per store version: from
    the full-text index, else from the index kept with the pages (server/page_files.py),
    else from the store (1.4 s on 1M quads, for a worker's first search)."""
    found = current.memo.get("search")
    if found is None:
        fulltext = index_of(current)
        kept = fulltext.all_names() if fulltext else \
            page_files.read_search_index(current.target) if kept_files() else None
        found = current.memo["search"] = Names([
            Entry(fold(label), label, iri, alias)
            for label, iri, alias in (labelled(current) if kept is None else kept)])
    return found


def labelled(current: Opened) -> list[tuple[str, str, bool]]:
    """(label or alias, IRI, whether an alias) of every findable thing, from the store."""
    return labelled_in(current.store, Iris(current.base)) if current.base else []


def alike(current: Opened, query: str, limit: int) -> list[Entry]:
    """Names like what was typed (a typo), most alike first, one per thing."""
    wanted = fold(query)
    if len(wanted) < FUZZY_FROM:
        return []
    return index(current).alike(wanted, limit, LIKENESS, PREFIXES_UP_TO)


def named(current: Opened, query: str, limit: int) -> list[Entry]:
    """The things whose names match the query, best first: with the full-text index, the
    names holding its words (the last as a prefix), else those holding it."""
    wanted = fold(query)
    if not wanted:
        return []
    fulltext = index_of(current)
    if fulltext is None:
        return ranked(index(current).entries, wanted, limit, words=False)
    found = index(current).find(wanted, limit, lambda: fulltext.names(query)) \
        if words(query) else []
    return found or alike(current, query, limit)


def kind_of(current: Opened, node: NamedNode) -> NamedNode | None:
    """A thing's first type, remembered per store version (a thing named in every
    release, as a party is, has its type stated in each of their graphs)."""
    kinds = current.memo.setdefault("kinds", {})
    if node.value not in kinds:
        found = describe.types(current.store, node)
        kinds[node.value] = found[0] if found else None
    return kinds[node.value]


def suggestions(current: Opened, query: str, links: Links, limit: int = LIMIT,
                apart: bool = True) -> list[Hit]:
    """The things named by the query, best first; with `apart`, when none is, those named
    by its longest word that names any (a 404 page's words of a path)."""
    if not current.base:
        return []
    viewer = Viewer(current.store, current.base, links)
    hits = []
    for entry in named(current, query, limit):
        node = NamedNode(entry.iri)
        kind = kind_of(current, node)
        hits.append(Hit(viewer.value(node), entry.label,
                        viewer.value(kind) if kind else None))
    if apart and not hits and " " in query.strip():
        for word in sorted(set(query.split()), key=len, reverse=True):  # try its words
            if len(word) > 2:
                hits = suggestions(current, word, links, limit)
                if hits:
                    break
    return hits


@dataclass(frozen=True)
class Found:
    """The statements that say the words: how many, those of one page (best first)."""

    total: int = 0
    statements: tuple[Said, ...] = ()


def said(fulltext: Index | None, query: str, links: Links, limit: int, offset: int
         ) -> Found:
    if fulltext is None or not query.strip():
        return Found()
    total, rows = fulltext.statements(query, limit, offset)
    return Found(total, tuple(_said(row, links) for row in rows))


def _said(row: StatementRow, links: Links) -> Said:
    """A row with its links (no Value for the statement and its meeting: ~5 µs a row)."""
    return Said(row, links.href(row.iri), links.href(row.meeting) if row.meeting else None,
                links.in_release(row.release, row.start, row.end)
                if row.release and row.start is not None else None)


def marked(parts: tuple[tuple[str, bool], ...]) -> str:
    """A snippet's (text, highlighted) parts as HTML, the words in <mark>."""
    return "".join([f"<mark>{escape(text)}</mark>" if on else escape(text)
                    for text, on in parts])


@bp.app_template_filter("hit_items")
def hit_items(hits: list[Hit]) -> Markup:
    """The things found, as the results page lists them (`<li>` each): one loop of escaped
    strings, where the template's loop and its `value` macro cost ~10 µs a thing."""
    return Markup("".join(
        f"\n<li>{_link(h.value.href, h.value.text, h.value.internal)}"
        + (f' <span class="kind">{escape(h.kind.text)}</span>' if h.kind else "")
        + (f' <span class="aka">(as “{escape(h.matched)}”)</span>'
           if h.matched != h.value.text else "")
        + "</li>" for h in hits))


@bp.app_template_filter("said_items")
def said_items(found: tuple[Said, ...]) -> Markup:
    """The statements found, as the results page lists them (`<li>` each): escaped strings
    joined once, where the template's loop cost ~40 % of a search's page."""
    out: list[str] = []
    add = out.append
    for s in found:
        row = s.row
        add(f'\n<li>\n  <p class="meta">{escape(row.speaker or "Unattributed")}')
        if row.meeting:
            add(f" · at {_link(s.meeting_href, s.meeting_text or '')}")
        if row.date:
            date = escape(row.date)
            add(f' · <time datetime="{date}">{date}</time>')
        add(f'\n    · <a href="{escape(s.href)}">statement</a></p>'
            f'\n  <blockquote class="quote"><p>“{marked(row.quote)}”')
        if s.evidence:
            add(f' <a href="{escape(s.evidence)}">in the release&nbsp;→</a>')
        add("</p></blockquote>")
        if row.around:
            add(f'\n  <p class="around">Around it in the release: “{marked(row.around)}”</p>')
        add("\n</li>")
    return Markup("".join(out))


def _link(href: str | None, text: str, internal: bool = True) -> Markup:
    """A thing (an IRI: no language or datatype) as macros.html's `value` shows it: a
    link, marked external unless it is one of ours, else its text."""
    if not href:
        return escape(text)
    external = "" if internal else ' class="ext"'
    return Markup(f'<a href="{escape(href)}"{external}>{escape(text)}</a>')


def _number(name: str, default: int, most: int) -> int:
    raw = request.args.get(name, "")
    return min(int(raw), most) if raw.isascii() and raw.isdigit() and int(raw) > 0 \
        else default


def _query() -> tuple[str, int]:
    return request.args.get("q", "")[:MAX_QUERY], _number("limit", LIMIT, MAX_LIMIT)


def _parts(snippet: tuple[tuple[str, bool], ...]) -> list[dict]:
    return [{"text": text, "match": on} for text, on in snippet]


def _wants_json() -> bool:
    """Whether Accept prefers application/json (itself, not a SPARQL results type, which
    the server's negotiation takes it for) to a page."""
    entries = parse_accept(request.headers.get("Accept", ""))
    json = max((q for media, q, _ in entries if media == "application/json"), default=0.0)
    return json > max((q for media, q, _ in entries if media in PAGE_TYPES), default=0.0)


@bp.route("/search")
@cached
def search_page() -> Response:
    """Things, then statements; JSON when `Accept` prefers it (as /search.json)."""
    if _wants_json():
        return _json()
    current = opened()
    text, limit = _query()
    links = Links(current.base, request.script_root)
    fulltext = index_of(current) if current.base else None
    page = _number("page", 1, 10_000)
    hits = suggestions(current, text, links, max(limit, 25), apart=fulltext is None) \
        if text.strip() else []
    found = said(fulltext, text, links, STATEMENTS_PAGE, (page - 1) * STATEMENTS_PAGE)
    return html("search.html", current, q=text, hits=hits, found=found, page=page,
                per_page=STATEMENTS_PAGE, fulltext=bool(fulltext))


@bp.route("/search.json")
@cached
def search_json() -> Response:
    return _json()


def _json() -> Response:
    """{query, fulltext, results: [{iri, label, matched, kind, href}], statements: [...],
    statementsTotal}: things, then statements. `only=things` leaves the statements out:
    the autocomplete's call, kept as light as it was."""
    current = opened()
    text, limit = _query()
    links = Links(current.base, request.script_root)
    fulltext = index_of(current) if current.base else None
    hits = suggestions(current, text, links, limit, apart=fulltext is None) \
        if text.strip() else []
    found = said(fulltext if request.args.get("only") != "things" else None, text, links,
                 limit, 0)
    response = jsonify(
        query=text, fulltext=bool(fulltext),
        results=[{"iri": h.value.iri, "label": h.value.text, "matched": h.matched,
                  "kind": h.kind.text if h.kind else None, "href": h.value.href}
                 for h in hits],
        statements=[{"iri": s.row.iri, "label": s.row.label, "href": s.href,
                     "speaker": s.row.speaker, "meeting": s.row.meeting or None,
                     "meetingLabel": s.meeting_text, "date": s.row.date,
                     "quote": _parts(s.row.quote), "around": _parts(s.row.around),
                     "evidence": s.evidence} for s in found.statements],
        statementsTotal=found.total,
        statementsOrder="relevance")  # always, since tantivy (kept for clients that read it)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept"
    return response
