"""Calling the WSGI app (PEP 3333) for one parsed HTTP request, on a worker thread.

The app's answer comes back whole when it is small (almost every answer), and otherwise
as its first part and the rest of its iterator, which the connection reads a chunk at a
time on the same pool while the client keeps up: a million-row result streams from its
spool with flat memory.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import httptools

STREAM_AFTER = 1 << 20  # bytes gathered before the answer is sent as a stream

# request headers that WSGI names without the HTTP_ prefix
_UNPREFIXED = {"CONTENT_TYPE", "CONTENT_LENGTH"}


@dataclass(slots=True)
class HttpRequest:
    method: bytes
    target: bytes  # the request target as sent: path and query
    headers: list[tuple[bytes, bytes]]
    body: bytes
    version: str  # "1.1" or "1.0"
    keep_alive: bool


@dataclass(slots=True)
class Reply:
    status: str  # "200 OK"
    headers: list[tuple[str, str]]
    body: bytes  # the whole answer, or its first part when `rest` is not None
    rest: Iterator[bytes] | None = None
    close: Callable[[], None] | None = None  # the app's iterable's close(), if any


def environ(request: HttpRequest, server: tuple[str, int], peer: tuple[str, int] | None,
            extra: dict) -> dict:
    url = httptools.parse_url(request.target)
    env = {
        "REQUEST_METHOD": request.method.decode("ascii"),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(url.path or b"/").decode("latin-1"),
        "QUERY_STRING": (url.query or b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{request.version}",
        "REMOTE_ADDR": peer[0] if peer else "",
        "REMOTE_PORT": str(peer[1]) if peer else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }
    for raw_name, raw_value in request.headers:
        name = raw_name.decode("latin-1").upper()
        if "_" in name:  # X_Forwarded vs X-Forwarded: both map to one key; drop the ambiguous
            continue
        key = name.replace("-", "_")
        key = key if key in _UNPREFIXED else "HTTP_" + key
        value = raw_value.decode("latin-1")
        env[key] = f"{env[key]},{value}" if key in env else value
    if request.body or "CONTENT_LENGTH" in env or "HTTP_TRANSFER_ENCODING" in env:
        env["CONTENT_LENGTH"] = str(len(request.body))  # a chunked body is whole by now
    return env


def call(app: Callable, env: dict) -> Reply:
    """Runs on a pool thread: the app, and its answer up to STREAM_AFTER bytes."""
    started: list = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append  # the legacy write() callable

    result = app(env, start_response)
    close = getattr(result, "close", None)
    try:
        chunks = iter(result)
        parts, size = written, sum(map(len, written))
        for chunk in chunks:
            if chunk:
                parts.append(chunk)
                size += len(chunk)
                if size > STREAM_AFTER:
                    return Reply(*started, b"".join(parts), chunks, close)
    except BaseException:
        if close is not None:
            close()
        raise
    if close is not None:
        close()
    return Reply(*started, b"".join(parts))


def next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    """Runs on a pool thread: the stream's next non-empty chunk, or None at its end."""
    for chunk in chunks:
        if chunk:
            return chunk
    return None
