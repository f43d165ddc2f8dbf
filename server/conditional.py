"""Conditional requests (RFC 9110 §13), decided by werkzeug: `If-None-Match` with the weak
comparison and `*`, else `If-Modified-Since`; only a GET or HEAD is ever answered 304.

flask-compress gives a compressed answer its own strong ETag (`"tag:br"`, `"tag:gzip"`,
server/compression.py), so a client that cached a compressed answer sends that one back:
it stands for the same answer as `"tag"` (every encoding comes from the same store version
and request), and the 304 names the tag the client holds.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, request
from werkzeug.http import is_resource_modified, parse_etags, quote_etag, unquote_etag

from .compression import ENCODINGS

READING = ("GET", "HEAD")


def _variants(etag: str) -> list[str]:
    """The unquoted tags an answer with this (quoted) ETag is sent under."""
    plain, _ = unquote_etag(etag)
    return [plain, *(f"{plain}:{encoding}" for encoding in ENCODINGS)]


def held(etag: str) -> str | None:
    """The tag of `If-None-Match` that names this answer (quoted), if any."""
    tags = parse_etags(request.headers.get("If-None-Match"))
    if tags.star_tag:
        return etag
    return next((quote_etag(v) for v in _variants(etag) if tags.contains_weak(v)), None)


def unchanged(etag: str, last_modified: dt.datetime | None = None) -> bool:
    """Whether the client's copy is current, so that a 304 is the answer."""
    if request.method not in READING:
        return False  # a POST is a query to evaluate, never a cache revalidation
    if "If-None-Match" in request.headers:  # it overrides If-Modified-Since (§13.2.2)
        return held(etag) is not None
    return last_modified is not None and not is_resource_modified(
        request.environ, last_modified=last_modified)


def name_held_tag(response: Response) -> Response:
    """A 304 names the tag the client holds (its compressed variant, say)."""
    etag = response.headers.get("ETag")
    if response.status_code == 304 and etag:
        response.headers["ETag"] = held(etag) or etag
    return response
