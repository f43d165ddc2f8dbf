"""Search over the labels and aliases of the things people browse to: an in-memory index
per store version, ranked exact match, then prefix, then word prefix, then substring."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, request
from pyoxigraph import NamedNode

from ontology import PK

from . import describe, page_files
from .dataset import Opened
from .entity_view import Value, Viewer
from .links import Links
from .respond import cached, html, kept_files, opened

bp = Blueprint("search", __name__)

# Kinds of our things worth finding by name (statements, evidence, mentions and the like
# are reached from these).
FINDABLE = {"actor", "initiative", "topic", "meeting", "series", "place", "release",
            "speech-act", "status", "scheme"}
LIMIT = 10
MAX_LIMIT = 50
MAX_QUERY = 200  # characters


@dataclass(frozen=True)
class Entry:
    key: str  # the label folded for matching
    label: str
    iri: str
    alias: bool


@dataclass(frozen=True)
class Hit:
    value: Value  # the thing, with its preferred label
    matched: str  # the label or alias that matched
    kind: Value | None


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive form for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def index(current: Opened) -> list[Entry]:
    """The labels and aliases of the findable things, read once per store version: from
    the pages rendered ahead (server/page_files.py) when they are there, else from the
    store (1.4 s on 1M quads, for a worker's first search)."""
    found = current.memo.get("search")
    if found is None:
        kept = page_files.read_search_index(current.target) if kept_files() else None
        found = current.memo["search"] = [
            Entry(fold(label), label, iri, alias)
            for label, iri, alias in (labelled(current) if kept is None else kept)]
    return found


def labelled(current: Opened) -> list[tuple[str, str, bool]]:
    """(label or alias, IRI, whether an alias) of every findable thing, from the store."""
    return [(row["l"].value, row["x"].value, row["alias"].value == "true")
            for row in describe.select(current.store, current.base, "labels")
            if _findable(row["x"].value, current.base)]


def _findable(iri: str, base: str) -> bool:
    if not base:
        return False
    if iri.startswith(PK):
        return True
    if not iri.startswith(base):
        return False
    rest = iri[len(base):]
    kind = rest.split("/")[1] if rest.startswith("id/") and rest.count("/") >= 2 else ""
    return kind in FINDABLE


def rank(entries: list[Entry], query: str, limit: int) -> list[Entry]:
    """The best entry per thing, best things first."""
    wanted = fold(query)
    if not wanted:
        return []
    best: dict[str, tuple] = {}
    for entry in entries:
        if wanted not in entry.key:
            continue
        if entry.key == wanted:
            level = 0
        elif entry.key.startswith(wanted):
            level = 1
        elif f" {wanted}" in f" {entry.key}" or f"-{wanted}" in entry.key:
            level = 2
        else:
            level = 3
        score = (level, entry.alias, len(entry.key), entry.key, entry.iri)
        if entry.iri not in best or score < best[entry.iri][0]:
            best[entry.iri] = (score, entry)
    return [entry for _, entry in sorted(best.values(), key=lambda b: b[0])[:limit]]


def suggestions(current: Opened, query: str, links: Links, limit: int = LIMIT) -> list[Hit]:
    if not current.base:
        return []
    viewer = Viewer(current.store, current.base, links)
    hits = []
    for entry in rank(index(current), query, limit):
        node = NamedNode(entry.iri)
        kinds = describe.types(current.store, node)
        hits.append(Hit(viewer.value(node), entry.label,
                        viewer.value(kinds[0]) if kinds else None))
    if not hits and " " in query.strip():  # no thing has the phrase: try its words
        for word in sorted(set(query.split()), key=len, reverse=True):
            if len(word) > 2:
                hits = suggestions(current, word, links, limit)
                if hits:
                    break
    return hits


def _query() -> tuple[str, int]:
    text = request.args.get("q", "")[:MAX_QUERY]
    raw = request.args.get("limit", str(LIMIT))
    limit = min(int(raw), MAX_LIMIT) if raw.isascii() and raw.isdigit() and int(raw) > 0 \
        else LIMIT
    return text, limit


@bp.route("/search")
@cached
def search_page() -> Response:
    current = opened()
    text, limit = _query()
    hits = suggestions(current, text, Links(current.base, request.script_root),
                       max(limit, 25)) if text.strip() else []
    return html("search.html", current, q=text, hits=hits)


@bp.route("/search.json")
@cached
def search_json() -> Response:
    """The autocomplete API: {query, results: [{iri, label, matched, kind, href}]}."""
    current = opened()
    text, limit = _query()
    hits = suggestions(current, text, Links(current.base, request.script_root), limit) \
        if text.strip() else []
    response = jsonify(query=text, results=[
        {"iri": h.value.iri, "label": h.value.text, "matched": h.matched,
         "kind": h.kind.text if h.kind else None, "href": h.value.href} for h in hits])
    response.headers["Cache-Control"] = "no-cache"
    return response
