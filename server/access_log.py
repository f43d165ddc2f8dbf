"""The access log: one JSON line per request on standard error, for a log shipper to read
without a parser of its own. A SPARQL request carries the hash of its query, which groups
the same query across requests and front-ends without writing query text into logs.

Granian's own access log was not enough: it sees neither the bytes sent nor whether the
response cache answered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from urllib.parse import parse_qs

from .exchange import Exchange

FORMATS = ("json", "off")
QUERY_ROUTE = "sparql"
QUERY_MEDIA_TYPE = "application/sparql-query"
HASH_HEX = 16  # of sha-256: enough to tell queries apart in a log


def writer(fd: int = 2) -> Callable[[Exchange], None]:
    """An observer writing each exchange to `fd` as one line with one write() call, so
    lines from the threads and worker processes sharing the stream never interleave."""

    def write(exchange: Exchange) -> None:
        os.write(fd, (json.dumps(record(exchange), separators=(",", ":")) + "\n").encode())

    return write


def record(exchange: Exchange) -> dict:
    started = dt.datetime.fromtimestamp(exchange.started, dt.UTC)
    return {"time": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": exchange.method, "path": exchange.path, "route": exchange.route,
            "status": exchange.status, "bytes": exchange.sent,
            "duration_ms": round(exchange.seconds * 1000, 3),
            "cache": exchange.cache, "query_hash": query_hash(exchange)}


def query_hash(exchange: Exchange) -> str | None:
    """Of the query text of a SPARQL request (URL, form body or query body); None for
    other requests, and for a POST whose body the app did not read."""
    if exchange.route != QUERY_ROUTE:
        return None
    if exchange.method == "POST":
        if exchange.content_type.split(";")[0].strip() == QUERY_MEDIA_TYPE:
            text = exchange.body.decode("utf-8", "replace")
        else:
            text = _query_parameter(exchange.body.decode("latin-1"))
    else:
        text = _query_parameter(exchange.query_string)
    if text is None:
        return None
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_HEX]


def _query_parameter(encoded: str) -> str | None:
    values = parse_qs(encoded).get("query")
    return values[0] if values else None
