"""The response cache: WSGI middleware in front of Flask that answers a repeated GET, HEAD
or POST query without entering the app (Flask costs ~0.3 ms a request; a hit here a few
microseconds).

The store is immutable between builds, so an answer the app marks as depending only on
the store version and the request (`mark`) stays valid until the version changes. An
entry is keyed by the version, the Host, the request target, Accept and Accept-Encoding
(and for a POST its Content-Type and body) — what the app's answer may depend on. A
conditional request on a cached GET is answered here the way werkzeug reads its
validators (weak and strong ETags, `*`, dates); a POST is never answered 304.

For a public deployment a caching reverse proxy goes in front as well (nginx
`proxy_cache`); this cache keeps one server process fast on its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO

from werkzeug.http import is_resource_modified

ENVIRON_KEY = "policykg.cacheable"
LOOKED_UP = "policykg.cache"  # set to "hit" or "miss" for the metrics and the access log
HIT = ("X-Policykg-Cache", "hit")
POST_KEY_BYTES = 64 << 10  # a POST with a larger body is not looked up
# headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5), and CORS
_KEPT_IN_304 = {"etag", "vary", "cache-control", "content-location", "last-modified",
                "access-control-allow-origin", "access-control-expose-headers",
                "x-policykg-version", "x-content-type-options", "referrer-policy"}


def mark(environ: dict, version: str) -> None:
    """Said by the app of an answer that depends only on the store version and on what the
    cache key holds; the cache decides whether to keep it."""
    environ[ENVIRON_KEY] = version


@dataclass(slots=True, frozen=True)
class Hit:
    """An answer from the cache: a 200, or a 304 to a conditional GET; no body for HEAD."""
    status: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(slots=True, frozen=True)
class Entry:
    headers: list[tuple[str, str]]
    headers_304: list[tuple[str, str]]
    etag: str | None
    last_modified: str | None
    body: bytes


class ResponseCache:
    """An LRU bounded by body bytes, one per server process, shared by its threads."""

    def __init__(self, app, version: Callable[[], str | None], capacity: int,
                 entry_limit: int) -> None:
        self.app, self.version = app, version
        self.capacity, self.entry_limit, self.used = capacity, entry_limit, 0
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.stored_version: str | None = None  # the version of every entry
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        key, hit = self._find(environ, method)
        if key is None:
            return self.app(environ, start_response)
        if hit is not None:
            start_response(hit.status, hit.headers)
            return [hit.body] if hit.body else []
        answer: list = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            answer[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        marked = environ.get(ENVIRON_KEY)
        if marked is None or method == "HEAD" or not answer or not answer[0].startswith("200"):
            return result
        try:
            body = b"".join(result)  # a marked answer is small and already in memory
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._keep((marked, *key), answer[1], body)
        return [body]

    def hit(self, environ: dict) -> Hit | None:
        """The cached answer to this request, if there is one, without entering the app:
        server/loop_hits.py answers GETs with it in the event loop."""
        return self._find(environ, environ.get("REQUEST_METHOD", ""))[1]

    def _find(self, environ: dict, method: str) -> tuple[tuple | None, Hit | None]:
        """The request's key (None: not looked up) and its cached answer, if any."""
        key = _key(environ, method) if self.capacity > 0 else None
        version = self.version() if key is not None else None
        if key is None or version is None:
            return None, None
        return key, self._look_up(environ, method, (version, *key))

    def _look_up(self, environ: dict, method: str, key: tuple) -> Hit | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        environ[LOOKED_UP] = "miss" if entry is None else "hit"
        if entry is None:
            return None
        if method != "POST" and not is_resource_modified(
                environ, etag=entry.etag, last_modified=entry.last_modified):
            return Hit("304 Not Modified", [*entry.headers_304, HIT], b"")
        return Hit("200 OK", [*entry.headers, HIT], b"" if method == "HEAD" else entry.body)

    def _keep(self, key: tuple, headers: list[tuple[str, str]], body: bytes) -> None:
        if len(body) > min(self.entry_limit, self.capacity):
            return
        lower = {name.lower(): value for name, value in headers}
        entry = Entry(list(headers), [(n, v) for n, v in headers if n.lower() in _KEPT_IN_304],
                      lower.get("etag"), lower.get("last-modified"), body)
        with self.lock:
            if key[0] != self.stored_version:  # a rebuild: every entry is of an older store
                self.entries.clear()
                self.used, self.stored_version = 0, key[0]
            if key in self.entries:
                return
            self.entries[key] = entry
            self.used += len(body)
            while self.used > self.capacity:
                _, old = self.entries.popitem(last=False)
                self.used -= len(old.body)


def _key(environ: dict, method: str) -> tuple | None:
    """What the app's answer may depend on; None: not to be cached. A POST's body is read
    here (and put back for the app) to be part of the key."""
    target = environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
    common = (environ.get("HTTP_HOST", ""), target, environ.get("HTTP_ACCEPT", ""),
              environ.get("HTTP_ACCEPT_ENCODING", ""))
    if method in ("GET", "HEAD"):
        return common
    if method != "POST":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "-1")
    except ValueError:
        return None
    if not 0 <= length <= POST_KEY_BYTES:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = BytesIO(body)
    return (*common, environ.get("CONTENT_TYPE", ""), body)

