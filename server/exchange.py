"""WSGI middleware that sees each exchange whole: the route class it went to, its status,
the bytes sent, the time until the last byte, whether the response cache answered. It
sits outside the response cache (server/front_cache.py), so cache hits, which never enter
Flask, are seen like any other answer; the observers (server/metrics.py,
server/access_log.py) are called when the last chunk of the body is handed to the
server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask
from werkzeug.exceptions import HTTPException

from .front_cache import LOOKED_UP

BODY_KEPT = 64 << 10  # of a POST, the bytes the app reads, kept for the observers
ROUTES_REMEMBERED = 4096  # paths whose route class is remembered


@dataclass(slots=True)
class Exchange:
    started: float  # time.time() when the request reached the middleware
    method: str
    path: str
    query_string: str
    content_type: str
    body: bytes  # what the app read of a POST's body (up to BODY_KEPT)
    route: str  # the blueprint that answers the path ("none": no route)
    status: int
    sent: int  # body bytes
    seconds: float  # until the last body chunk was handed to the server
    cache: str | None  # "hit" or "miss" by the response cache; None: not looked up


Observer = Callable[[Exchange], None]


def endpoints(app: Flask) -> Callable[[str, str], str]:
    """The endpoint the app's URL map sends (path, method) to ("" when none: not found,
    method not allowed, a redirect), remembered for the paths asked most."""
    adapter = app.url_map.bind("policykg")

    @lru_cache(maxsize=ROUTES_REMEMBERED)
    def endpoint(path: str, method: str) -> str:
        try:
            found, _ = adapter.match(path, method)
        except HTTPException:
            return ""
        return str(found)

    return endpoint


def route_classes(app: Flask) -> Callable[[str, str], str]:
    """The route class of (path, method): the blueprint of the endpoint the app's URL map
    sends it to — a few names, fit for a metric label, whatever the paths."""
    endpoint = endpoints(app)
    return lambda path, method: endpoint(path, method).partition(".")[0] or "none"


class Observed:
    def __init__(self, app, route: Callable[[str, str], str], observers: list[Observer]
                 ) -> None:
        self.app, self.route, self.observers = app, route, observers

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        watch = self.watch(environ)

        def seen(code: str, headers: list[tuple[str, str]], exc_info=None):
            watch.status = int(code[:3])
            return start_response(code, headers, exc_info)

        try:
            result = self.app(environ, seen)
        except Exception:
            watch.finish(0)
            raise
        return _Body(result, watch.finish)

    def watch(self, environ: dict) -> Watch:
        """One exchange from now on; also for the answers given before the WSGI app
        (server/loop_hits.py)."""
        tee = None
        if environ.get("REQUEST_METHOD") == "POST":
            tee = environ["wsgi.input"] = _Tee(environ["wsgi.input"])
        return Watch(self, environ, tee, time.time(), time.perf_counter())


@dataclass(slots=True)
class Watch:
    observed: Observed
    environ: dict
    tee: _Tee | None
    started: float
    clock: float
    status: int = 500  # until the app says

    def finish(self, sent: int) -> None:
        """The exchange is over: `sent` body bytes; its observers see it."""
        environ, observed = self.environ, self.observed
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        exchange = Exchange(self.started, method, path, environ.get("QUERY_STRING", ""),
                            environ.get("CONTENT_TYPE", ""),
                            bytes(self.tee.kept) if self.tee is not None else b"",
                            observed.route(path, method), self.status, sent,
                            time.perf_counter() - self.clock, environ.get(LOOKED_UP))
        for observe in observed.observers:
            observe(exchange)


class _Body:
    """The app's response iterable, counted. The exchange is seen just before its last
    chunk is handed to the server: a client that has the whole answer finds it counted (a
    scrape sent right after a request sees it; seen at close(), after the last byte had
    gone out, it sometimes did not). close() sees the exchanges that ended otherwise
    (PEP 3333: it is always called, also when the client went away)."""

    __slots__ = ("result", "finish", "sent", "seen")

    def __init__(self, result: Iterable[bytes], finish: Callable[[int], None]) -> None:
        self.result, self.finish, self.sent, self.seen = result, finish, 0, False

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self.result)
        chunk = next(chunks, None)
        while chunk is not None:
            following = next(chunks, None)
            self.sent += len(chunk)
            if following is None:
                self._see()
            yield chunk
            chunk = following
        self._see()

    def _see(self) -> None:
        if not self.seen:
            self.seen = True
            self.finish(self.sent)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self._see()


class _Tee:
    """wsgi.input, keeping the first BODY_KEPT bytes the app reads."""

    def __init__(self, stream) -> None:
        self.stream, self.kept = stream, bytearray()

    def _keep(self, data: bytes) -> bytes:
        if len(self.kept) < BODY_KEPT:
            self.kept += data[:BODY_KEPT - len(self.kept)]
        return data

    def read(self, size: int = -1) -> bytes:
        return self._keep(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._keep(self.stream.readline(size))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")
