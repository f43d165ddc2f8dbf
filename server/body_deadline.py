"""ASGI middleware that reads a request's whole body in the event loop, within a deadline,
before the app sees the request.

Why: the app is WSGI and runs on a few threads per worker (server/asgi.py). A WSGI app
reads its body on its own thread, so a client that sends the head of a POST and then
stalls holds a thread for as long as the connection stays open, and a handful of such
clients stop a worker (granian has no body read timeout: upstream wontfix,
emmett-framework/granian#728). Read here, a stalled body holds only a coroutine, and at
the deadline the client gets a 408 and the connection is closed; the app's thread is
taken only once the body is all there. The 408 is seen by the app's observers (metrics,
access log: server/exchange.py) like any answer.

The body is kept in memory up to the app's own limit (`limit`, its 413): a longer body is
not read on, and the app is told its true size is larger (Content-Length), so it refuses
it with its usual answer. A body the client declares too long is not read at all, and the
app finds it empty if it reads it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from io import BytesIO

from a2wsgi.wsgi import build_environ

from .exchange import Observed

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# the headers that say a request has a body (RFC 9112 §6.3)
_FRAMING = (b"content-length", b"transfer-encoding")


class BodyDeadline:
    def __init__(self, app: App, seconds: float, limit: int,
                 observed: Observed | None = None) -> None:
        self.app, self.seconds, self.limit, self.observed = app, seconds, limit, observed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and not 0 < declared <= self.limit:
            # no body, or one the app refuses (413) from its length alone: nothing to read
            await self.app(scope, _replay(b"", receive), send)
            return
        try:
            async with asyncio.timeout(self.seconds):
                body, complete = await self._read(receive)
        except TimeoutError:
            await self._refuse(scope, send)
            return
        if body is None:  # the client went away
            return
        if not complete or declared is None:  # its length, now known, for the app
            scope = {**scope, "headers": _framed(scope, len(body) if complete else None,
                                                 self.limit)}
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        watch = (self.observed.watch(build_environ(scope, BytesIO()))
                 if self.observed is not None else None)
        body = f"the request body did not arrive within {self.seconds:g} s\n".encode()
        await send({"type": "http.response.start", "status": 408,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"connection", b"close")]})
        if watch is not None:  # seen before the body leaves, as in server/loop_hits.py
            watch.status = 408
            watch.finish(len(body))
        await send({"type": "http.response.body", "body": body})

    async def _read(self, receive: Receive) -> tuple[bytes | None, bool]:
        """The body (None: the client disconnected), and whether it is whole (False: it
        passed the limit and the rest was not read)."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None, False
            body += message.get("body", b"")
            if len(body) > self.limit:
                return bytes(body), False
            if not message.get("more_body", False):
                return bytes(body), True


def _declared_length(scope: Scope) -> int | None:
    """The body's length from Content-Length (0: no body), or None: chunked, to be read to
    its end to know."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding":
            return None
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the server refuses a malformed length before the app
    return 0


def _framed(scope: Scope, size: int | None, limit: int) -> list[tuple[bytes, bytes]]:
    """The request's headers with Content-Length `size`; None: the body was cut at the
    limit, and is declared one byte longer than the limit (the app refuses it: 413)."""
    headers = [(name, value) for name, value in scope["headers"] if name not in _FRAMING]
    headers.append((b"content-length", str(limit + 1 if size is None else size).encode()))
    return headers


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the app the body read, then whatever the server says next
    (a disconnect). Its awaitables are coroutines, which a2wsgi needs (granian's are not)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
