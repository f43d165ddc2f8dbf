"""Short permalinks for workbench queries: `POST /q` keeps a query's text and answers its
address, `/q/{hash}`; `GET /q/{hash}` opens the workbench with it (browsers) or gives the
text back (application/sparql-query, for programs). A `?query=` link of a long query runs
to hundreds of characters and cannot go in an e-mail or a paper; this one is 15.

The store is a folder of files under the data home, one per query, named by a hash of the
text: the same query always gets the same link, no database is needed, and two workers
writing the same one at once write the same bytes (each renames its own temporary file
into place). It is bounded: a query longer than MAX_BYTES is refused (413), and once
MAX_ENTRIES are kept, a new one is refused (507) rather than the disk filled.

So that no one client can spend that bound for everyone, only texts the endpoint takes as
queries are kept (the endpoint's own parse, server/sparql.py `checked`: 400 with its
message otherwise), and a client makes at most `client_permalinks` new ones an hour
(server/quota.py: 429 with Retry-After); a text already kept is answered to anyone, always.
The number kept is counted in a small file (COUNT), changed under a lock with each new
entry, so that a POST does not list a folder of 50,000 files; without the file (an older
store, or one edited by hand: delete it) the folder is counted once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from graph.store import data_home

from .admission import Refusal
from .config import Config
from .negotiate import HTML, Format, choose
from .quota import Quota
from .respond import opened
from .sparql import Refused, checked, requester, shared_directory
from .workbench import page

bp = Blueprint("permalinks", __name__)

MAX_BYTES = 32 * 1024  # a query's text, UTF-8
MAX_ENTRIES = 50_000  # queries kept at most (~1.6 GB at the worst, most are ~1 KB)
HASH_LENGTH = 12  # hex digits of SHA-256: 48 bits, no collision in MAX_ENTRIES in practice
HASH = re.compile(rf"[0-9a-f]{{{HASH_LENGTH}}}")
QUERY_TEXT = Format("rq", "application/sparql-query", None)
COUNT = "count"  # the number of entries kept, in decimal (no .rq: never served as one)
LOCK = "lock"  # held while an entry is added and COUNT changed
WINDOW = 3600.0  # seconds over which a client's new permalinks are counted


def folder() -> Path:
    return data_home() / "permalinks"


def key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def kept(text: str) -> str | None:
    """The hash of `text` if it is kept already."""
    name = key(text)
    return name if (folder() / f"{name}.rq").is_file() else None


def keep(text: str) -> str | None:
    """Store `text` (once) and return its hash; None when the store is full."""
    name = key(text)
    target = folder() / f"{name}.rq"
    if target.is_file():
        return name
    folder().mkdir(parents=True, exist_ok=True)
    with _locked(folder() / LOCK):
        if target.is_file():  # kept by another worker meanwhile
            return name
        count = _count()
        if count >= MAX_ENTRIES:
            return None
        # bytes, not text: a text file would read "\r\n" back as "\n", another query
        _write(target, text.encode("utf-8"))
        _write(folder() / COUNT, str(count + 1).encode())
    return name


def _count() -> int:
    """Entries kept: from COUNT, or, without it, by counting the folder once."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        return int((folder() / COUNT).read_bytes())
    with os.scandir(folder()) as entries:
        return sum(1 for entry in entries if entry.name.endswith(".rq"))


def _write(target: Path, data: bytes) -> None:
    """`data` in `target`, whole or not at all: written aside, renamed into place."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _locked(path: Path):
    """Held by one process at a time (flock: the kernel frees it if the holder dies)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
    name = kept(text)
    if name is None:  # a new one: a query, within the client's share and the store's room
        try:
            checked(text)
            _quota().take(requester(_config()), "new permalinks")
        except Refused as exc:
            return _refuse(exc.status, exc.message, exc.headers)
        except Refusal as exc:
            return _refuse(exc.status, exc.message, {"Retry-After": str(exc.retry_after)})
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


def _refuse(status: int, why: str, headers: dict | None = None) -> Response:
    return Response(why + "\n", status, {"Content-Type": "text/plain; charset=utf-8",
                                         **(headers or {})})


def _config() -> Config:
    return current_app.extensions["policykg"].config


_QUOTA: list[Quota] = []  # this process's, made on its first new permalink


def _quota() -> Quota:
    if not _QUOTA:
        config = _config()
        _QUOTA.append(Quota(shared_directory(config), "permalinks",
                            config.client_permalinks, WINDOW))
    return _QUOTA[0]
