"""Short permalinks for workbench queries: `POST /q` keeps a query's text and answers its
address, `/q/{hash}`; `GET /q/{hash}` opens the workbench with it (browsers) or gives the
text back (application/sparql-query, for programs). A `?query=` link of a long query runs
to hundreds of characters and cannot go in an e-mail or a paper; this one is 15.

The store is a folder of files under the data home, one per query, named by a hash of the
text: the same query always gets the same link, no database is needed, and two workers
writing the same one at once write the same bytes (each renames its own temporary file
into place). It is bounded: a query longer than MAX_BYTES is refused (413), and once
MAX_ENTRIES are kept, a new one is refused (507) rather than the disk filled.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, request, url_for

from graph.store import data_home

from .negotiate import HTML, Format, choose
from .respond import opened
from .workbench import page

bp = Blueprint("permalinks", __name__)

MAX_BYTES = 32 * 1024  # a query's text, UTF-8
MAX_ENTRIES = 50_000  # queries kept at most (~1.6 GB at the worst, most are ~1 KB)
HASH_LENGTH = 12  # hex digits of SHA-256: 48 bits, no collision in MAX_ENTRIES in practice
HASH = re.compile(rf"[0-9a-f]{{{HASH_LENGTH}}}")
QUERY_TEXT = Format("rq", "application/sparql-query", None)


def folder() -> Path:
    return data_home() / "permalinks"


def key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def keep(text: str) -> str | None:
    """Store `text` (once) and return its hash; None when the store is full."""
    name = key(text)
    target = folder() / f"{name}.rq"
    if target.is_file():
        return name
    folder().mkdir(parents=True, exist_ok=True)
    if sum(1 for _ in folder().glob("*.rq")) >= MAX_ENTRIES:
        return None
    # bytes, not text: a text file would read "\r\n" back as "\n", another query
    handle, temporary = tempfile.mkstemp(dir=folder(), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def find(name: str) -> str | None:
    if not HASH.fullmatch(name):
        return None
    try:
        return (folder() / f"{name}.rq").read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None


@bp.route("/q", methods=["POST"])
def create() -> Response:
    """The query from a form field `query` (the workbench's fetch) or a SPARQL body."""
    text = request.form.get("query") if request.mimetype != QUERY_TEXT.media_type \
        else request.get_data(as_text=True)
    if not text or not text.strip():
        abort(400, "no query to keep: send it in a 'query' form field")
    if len(text.encode("utf-8")) > MAX_BYTES:  # said here: the app's 413 names its own limit
        return _refuse(413, f"a permalink keeps queries of at most {MAX_BYTES} bytes")
    name = keep(text)
    if name is None:  # werkzeug has no exception for 507 to abort with
        return _refuse(507, f"the permalink store is full ({MAX_ENTRIES} queries)")
    link = url_for("permalinks.show", name=name)
    response = jsonify({"hash": name, "path": link,
                        "url": url_for("permalinks.show", name=name, _external=True)})
    response.status_code = 201
    response.headers["Location"] = link
    return response


@bp.route("/q/<name>")
def show(name: str) -> Response:
    text = find(name)
    if text is None:
        abort(404, f"no query is kept under {name!r}")
    if choose((QUERY_TEXT, HTML), request.headers.get("Accept")) is HTML:
        response = page(opened(), text)
    else:  # the text never changes: any cache may keep it
        response = Response(text, headers={"Content-Type":
                                           "application/sparql-query; charset=utf-8",
                                           "Cache-Control": "public, max-age=86400"})
    response.headers["Vary"] = "Accept"
    return response


def _refuse(status: int, why: str) -> Response:
    return Response(why + "\n", status, {"Content-Type": "text/plain; charset=utf-8"})
