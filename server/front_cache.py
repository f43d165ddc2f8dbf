"""The response cache in front of the app: answers a repeated GET, HEAD or POST query
without entering Flask, which costs ~0.3 ms a request where Oxigraph's own server answers in
~0.05 ms.

The store is immutable between builds, so an answer the app marks as depending only on
the store version and the request (`mark`) stays valid until the version changes. An
entry is keyed by the version, the Host, the request target as sent and the Accept header
(and for a POST its Content-Type and body) — what the app's answer may depend on; the key
is made in server/http1.py — and holds the answer's head and body as bytes,
ready to write. A request whose `If-None-Match` names the entry's ETag gets a 304 from
here; other conditional requests go to the app, which knows how to answer them.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

ENVIRON_KEY = "policykg.cacheable"
HIT = b"X-Policykg-Cache: hit\r\n"
# headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5), and CORS
_KEPT_IN_304 = {b"etag", b"vary", b"cache-control", b"content-location", b"last-modified",
                b"access-control-allow-origin", b"access-control-expose-headers",
                b"x-policykg-version"}


def mark(environ: dict, version: str) -> None:
    """Said by the app of an answer that depends only on the store version and on what the
    cache key holds; the server decides whether to keep it."""
    environ[ENVIRON_KEY] = version


@dataclass(slots=True, frozen=True)
class Entry:
    head: bytes  # status line and headers of the 200, without the blank line
    head_304: bytes
    etag: bytes
    body: bytes


class FrontCache:
    """An LRU bounded by body bytes; one per worker process."""

    def __init__(self, capacity: int, entry_limit: int) -> None:
        self.capacity, self.entry_limit, self.used = capacity, entry_limit, 0
        self.version: str | None = None
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()

    def get(self, key: tuple) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def keep(self, key: tuple, version: str, headers: list[tuple[str, str]],
             body: bytes) -> None:
        """A 200 the app marked, answered from `version` (the key's first part)."""
        if self.capacity <= 0 or len(body) > min(self.entry_limit, self.capacity):
            return
        if version != self.version:  # a rebuild: every entry is of an older store
            self.entries.clear()
            self.used, self.version = 0, version
        if key in self.entries:
            return
        lines, kept, etag = [b"HTTP/1.1 200 OK"], [b"HTTP/1.1 304 Not Modified"], b""
        for name, value in headers:
            line = f"{name}: {value}".encode("latin-1")
            lines.append(line)
            lower = name.lower().encode("latin-1")
            if lower in _KEPT_IN_304:
                kept.append(line)
            if lower == b"etag":
                etag = value.encode("latin-1")
        if not any(name.lower() == "content-length" for name, _ in headers):
            lines.append(b"Content-Length: %d" % len(body))
        self.entries[key] = Entry(b"\r\n".join(lines) + b"\r\n",
                                  b"\r\n".join(kept) + b"\r\n", etag, body)
        self.used += len(body)
        while self.used > self.capacity:
            _, old = self.entries.popitem(last=False)
            self.used -= len(old.body)


def matches(if_none_match: bytes, etag: bytes) -> bool:
    return bool(etag) and (if_none_match.strip() == b"*" or etag in
                           [tag.strip() for tag in if_none_match.split(b",")])
