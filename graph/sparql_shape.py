"""What a SPARQL request is, decided from a parse by rdflib's SPARQL 1.1 grammar without
evaluating it: the query form (for content negotiation before evaluation), whether it is
an update or uses SERVICE (both refused by a public read-only endpoint before anything
runs), and whether it names its own dataset (FROM / FROM NAMED).

A text scan cannot decide this: where a comment, a string or an IRI ends is the grammar's
business (a comment ends at "\\r" too; U+00A0 may stand inside an IRI; `:service` is a
name, not a keyword). So the text goes through two stages:

1. A lexer that agrees with the grammar on the tokens whose extent matters (comments,
   strings in their four quote forms with escapes, IRIs, escaped characters in names) and
   on the brackets ( { [ . It measures the nesting depth and refuses a text nested beyond
   NESTING_LIMIT at once, before any recursive parser sees it; and it masks those tokens
   (comments become spaces; the inside of strings and IRIs becomes "x"), keeping every
   other character at its place.
2. rdflib's parser, on the masked text. It never sees a comment, so its own comment rule
   (which runs past "\\r") cannot hide a clause that the engine will run; nor a "#" or a
   "\\u" escape, which its pre-parse escape expansion and its SERVICE bookkeeping (a
   `search_string` that takes any "#" for a comment) misread. Its tree is walked for the
   answers. Prefixes are not resolved, so undeclared ones (pk:, rdf:, … which the store
   predeclares) need no declaration.

Where the lexer and an engine could still differ (a "<" that longest-match reads as an
IRI, as in `?a<?b&&?c>?d`, but a PEG engine as "less than"), the masked text puts an IRI
where the grammar wants an operator, and the parse fails: the query is refused, not
misjudged.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

NESTING_LIMIT = 48
"""Brackets ( { [ nested deeper than this are refused before parsing. rdflib's parser
needs ~40 Python frames per level of nested function calls or parentheses, ~25 per level
of braces (measured: ~2,100 frames for 48 nested calls), so at Python's default recursion
limit of 1,000 it fails near 22 nested calls or 35 braces; PARSER_RECURSION_LIMIT gives it
room for ~240 levels, five times this limit. Hand-written queries nest well under 10."""

PARSER_RECURSION_LIMIT = 10_000
"""The interpreter's recursion limit is raised to at least this when the parser is first
used. pyparsing recurses in Python only (no C stack: a parse 25,000 frames deep runs in a
thread with a 64 KiB stack), so the higher limit costs memory for frames, not safety. It
also lets a group hold ~900 triple patterns joined by "." (the grammar recurses once per
"."; ~100 at the default limit)."""

CACHED_TEXT_CHARS = 16_384
"""Texts up to this length are cached (the cache holds at most 256 of them, ~4 MB); a
longer one is parsed each time it comes."""

_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
          "DescribeQuery": "describe"}

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''
                |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*\"\"\"
                |'(?:[^'\\\n\r]|\\[^\n\r])*'
                |"(?:[^"\\\n\r]|\\[^\n\r])*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|""" + _UCHAR + r""")*>)
    | (?P<escape>\\[^\n\r])
    | (?P<open>[({\[])
    | (?P<close>[)}\]])
    | (?P<plain>[^\#'"<\\(){}\[\]\t]+)
    | (?P<other>[\s\S])
    """,
    re.VERBOSE,
)
_PROLOGUE = re.compile(r"(?:\s*(?:BASE\s*<[^>]*>|PREFIX\s*[^\s<]*:\s*<[^>]*>))*\s*",
                       re.IGNORECASE)


class QuerySyntaxError(SyntaxError):
    """A text that is neither a SPARQL query nor an update, with a one-line message that
    says where ("error at LINE:COLUMN: …", as the engine's own messages do)."""


class QueryTooDeep(QuerySyntaxError):
    """A text nested deeper than the parser is allowed to follow."""


@dataclass(frozen=True)
class Shape:
    form: str | None  # select | ask | construct | describe, or None for an update
    update: bool
    service: bool  # a SERVICE clause anywhere, sub-queries and EXISTS included
    dataset: bool  # FROM or FROM NAMED: the query names its own dataset

    @property
    def graph_result(self) -> bool:
        return self.form in ("construct", "describe")


def shape(text: str) -> Shape:
    """The shape of a query or update; QuerySyntaxError (QueryTooDeep for nesting) if the
    text is neither."""
    decided = _cached(text) if len(text) <= CACHED_TEXT_CHARS else _decide(text)
    if isinstance(decided, QuerySyntaxError):
        raise type(decided)(decided.msg)  # a fresh exception: the cached one keeps no traceback
    return decided


def skeleton(text: str) -> str:
    """What the shape of a text depends on: the text with comments blanked, the inside of
    strings and IRIs masked, and runs of white space as one space. Two texts of one
    skeleton have one shape (a key to remember shapes by, across comments and layout);
    QueryTooDeep beyond NESTING_LIMIT, found without parsing."""
    return " ".join(_lex(text).split())


def where_opens(text: str) -> int | None:
    """Where the inside of a query's WHERE group starts (just after its `{`), found with
    comments, strings and IRIs masked; None if the query has no WHERE keyword. A query
    sent elsewhere with values bound puts them there, first: an engine joins a VALUES
    clause where it stands, and one at the end came after evaluating the whole query for
    every value (a meeting's agenda: 4 s against 0.2 s at 100 releases)."""
    found = _WHERE.search(_lex(text))
    return found.end() if found else None


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def own_base(text: str) -> tuple[str | None, str]:
    """A query's own BASE (the last its prologue declares) and its text with every BASE
    declaration of its prologue blanked: what an engine is sent with the base first, before
    the prefixes put ahead of the query (Virtuoso 7.2 takes one BASE, before any PREFIX)."""
    masked = _lex(text)
    end = _PROLOGUE.match(masked).end()
    found = list(_BASE.finditer(masked, 0, end))
    if not found:
        return None, text
    last = found[-1]
    iri = text[last.start("iri"):last.end("iri")]
    for m in reversed(found):
        text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return iri, text


_BASE = re.compile(r"\bBASE\s*<(?P<iri>[^>]*)>", re.IGNORECASE)


def capped(text: str, cap: int) -> tuple[str, str] | None:
    """A SELECT query cut to `cap` rows, and a probe that counts up to cap + 1 rows (to say
    whether the cut dropped any); None if the text cannot be wrapped in a sub-select (not a
    SELECT, or a FROM clause, which a sub-select cannot have)."""
    kind = shape(text)
    if kind.form != "select" or kind.dataset:
        return None
    at = _PROLOGUE.match(_lex(text)).end()
    prologue, body = text[:at], text[at:]
    limited = f"{prologue}SELECT * WHERE {{ {body}\n}} LIMIT {cap}"
    probe = (f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * WHERE {{ {body}\n}} "
             f"LIMIT {cap + 1} }} }}")
    return limited, probe


def _decide(text: str) -> Shape | QuerySyntaxError:
    try:
        masked = _lex(text)
    except QueryTooDeep as exc:
        return exc.with_traceback(None)  # cached: it should not keep the lexer's frames
    rdflib = _rdflib()
    with _PARSING:  # pyparsing's grammar objects keep state while they parse
        return _parse(text, masked, rdflib)


def _parse(text: str, masked: str, rdflib: _Rdflib) -> Shape | QuerySyntaxError:
    try:
        try:
            tree = rdflib.parse_query(masked)
        except rdflib.error as exc:
            query_error = exc
        else:
            query = next(part for part in tree if getattr(part, "name", None) in _FORMS)
            return Shape(form=_FORMS[query.name], update=False,
                         service=_has_service(tree, rdflib), dataset="datasetClause" in query)
        try:
            request = rdflib.parse_update(masked)
        except rdflib.error as exc:
            return _syntax_error(text, max(query_error, exc, key=lambda e: e.loc))
        if "request" not in request:  # only a prologue: an empty update, not a query
            return _syntax_error(text, query_error)
        return Shape(form=None, update=True, service=_has_service(request, rdflib),
                     dataset=False)
    except RecursionError:
        return QueryTooDeep(f"error at {_where(text, 0)}: the query is too complex for the "
                            f"parser (too deeply nested, or too many triple patterns in a "
                            f"row); split it")


_cached = lru_cache(maxsize=256)(_decide)
# One parse at a time per process: rdflib's parser (pyparsing) is not thread-safe; two
# threads parsing at once failed with TypeErrors inside its parse actions (measured: 1,870
# of ~5,000 requests at 16 clients on 4 threads).
_PARSING = threading.Lock()


def _lex(text: str) -> str:
    """The text with comments blanked and the inside of strings and IRIs masked, every
    character at its place; QueryTooDeep beyond NESTING_LIMIT."""
    out: list[str] = []
    depth = 0
    for m in _TOKENS.finditer(text):
        kind, token = m.lastgroup, m.group()
        if kind == "comment":
            token = " " * len(token)
        elif kind == "string":
            token = _masked_string(token, after_quote=bool(out) and out[-1][-1:] == '"')
        elif kind == "iri":
            token = "<" + "x" * (len(token) - 2) + ">"
        elif kind == "escape":
            token = "\\_"  # an escaped name character (pk:a\#b): neutral for the parser
        elif kind == "other" and token == "\t":
            token = " "  # pyparsing expands tabs, which would move its positions
        elif kind == "open":
            depth += 1
            if depth > NESTING_LIMIT:
                raise QueryTooDeep(f"error at {_where(text, m.start())}: brackets ( {{ [ "
                                   f"nested deeper than {NESTING_LIMIT} levels (the limit)")
        elif kind == "close":
            depth = max(depth - 1, 0)
        out.append(token)
    return "".join(out)


def _masked_string(token: str, after_quote: bool) -> str:
    """A string of the same length with "x" inside; a short one right after a '"' quoted
    with "'" (rdflib refuses "a""b", which is valid: two strings)."""
    if token[:3] in ("'''", '"""'):
        return token[:3] + "x" * (len(token) - 6) + token[-3:]
    quote = "'" if after_quote else '"'
    return quote + "x" * (len(token) - 2) + quote


@dataclass(frozen=True)
class _Rdflib:
    parse_query: Callable
    parse_update: Callable
    error: type[Exception]  # pyparsing's ParseBaseException
    node: type  # rdflib's CompValue: a grammar rule's match, a dict of its parameters
    sequence: type  # pyparsing's ParseResults


@lru_cache(maxsize=1)
def _rdflib() -> _Rdflib:
    """rdflib's query and update parsers, built on first use (importing them builds the
    grammar, ~0.3 s, which commands that never parse SPARQL should not pay)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), PARSER_RECURSION_LIMIT))
    from pyparsing import ParseBaseException, ParseResults
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    return _Rdflib(parseQuery, parseUpdate, ParseBaseException, CompValue, ParseResults)


def _has_service(tree, rdflib: _Rdflib) -> bool:
    """Whether a ServiceGraphPattern is anywhere in rdflib's tree."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, rdflib.node):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(dict.values(node))  # its parameters, unresolved
        elif isinstance(node, rdflib.sequence | list | tuple):
            stack.extend(node)
    return False


def _syntax_error(text: str, exc) -> QuerySyntaxError:
    """The parser's complaint, placed and quoted from the text the client sent (the parser
    saw the masked one)."""
    rest = text[exc.loc:].split(None, 1)
    found = f"'{rest[0][:30]}'" if rest else "end of text"
    expected = exc.msg[:1].lower() + exc.msg[1:]
    return QuerySyntaxError(f"error at {_where(text, exc.loc)}: {expected}, found {found}")


def _where(text: str, at: int) -> str:
    """LINE:COLUMN of a position, lines ended by \\n, \\r or \\r\\n as the grammar has them."""
    before = text[:at]
    lines = re.split(r"\r\n|\r|\n", before)
    return f"{len(lines)}:{len(lines[-1]) + 1}"
