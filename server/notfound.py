"""A path that names nothing here, answered as its client reads: a page in the site's
layout for a browser (what it may have meant, the search box, the way home), and the one
line of text every other error gives for a client that asks for data (RDF, JSON, CSV or
anything, `*/*`). The same answer for an unknown route (`/nope`), an unknown thing
(`/id/…`, `/page/…`, `/data/…`) and an unknown listing (`/statements/…`)."""

from __future__ import annotations

from contextlib import suppress

from flask import Response, request
from werkzeug.exceptions import NotFound

from graph.errors import PolicykgError

from .links import Links
from .negotiate import HTML, Format, choose
from .respond import html, opened
from .search import suggestions

PLAIN = Format("text", "text/plain", None)  # first: what `*/*` and no Accept get


def not_found(exc: NotFound) -> Response:
    if choose((PLAIN, HTML), request.headers.get("Accept")) is HTML:
        with suppress(PolicykgError, OSError):  # no store to name things from: the text
            return _page(exc)
    return _text(exc)


def _page(exc: NotFound) -> Response:
    current = opened()
    words = request.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
    found = suggestions(current, words, Links(current.base, request.script_root)) \
        if words.strip() else []
    return html("notfound.html", current, 404, path=request.path, words=words,
                suggestions=found, reason=_reason(exc), q=words)


def _reason(exc: NotFound) -> str | None:
    """What the code that refused the path said, when it said more than "not found"."""
    return None if exc.description == NotFound.description else exc.description


def _text(exc: NotFound) -> Response:
    return Response(f"404 {exc.name}: {' '.join(exc.description.split())}\n", 404,
                    {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"})
