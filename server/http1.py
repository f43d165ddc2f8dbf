"""HTTP/1.1 on an event loop, for one worker process: connections kept alive, requests
parsed by httptools (the C parser uvicorn uses), repeated GETs answered from the front
cache on the loop itself, everything else by the WSGI app on a small thread pool.

Why not gunicorn's sync workers: they close every connection and send every request
through Flask, so a cached answer cost ~0.3 ms and a reconnect; Oxigraph's own server
answers a light query in ~0.05 ms. Why the app runs on threads rather than on the loop:
the loop stays free while a query evaluates (pyoxigraph releases the GIL), to answer
cached requests and to watch the deadlines of the running ones (server/deadline.py).

Requests on one connection are answered in order (pipelining), one at a time; reading
pauses while too many wait. Limits are gunicorn's settings: the request line (414), the
number and size of header fields (431), and the app's body limit (413).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate

import httptools

from .deadline import ENVIRON_KEY as DEADLINE_KEY
from .deadline import EXIT_CODE, POLL, Deadline
from .front_cache import ENVIRON_KEY as CACHEABLE_KEY
from .front_cache import HIT, FrontCache, matches
from .wsgi_call import HttpRequest, Reply, call, environ, next_chunk

log = logging.getLogger("policykg.http")

QUEUED_MAX = 16  # requests read ahead on one connection before reading pauses
POST_KEY_BYTES = 64 << 10  # a POST with a larger body is not looked up in the cache
RESTARTED = ("the server process answering this request was restarted to stop another "
             "query that ran past the time limit; send the request again")


@dataclass(frozen=True)
class Limits:
    request_line: int = 4094
    header_fields: int = 100
    header_field_size: int = 8190
    body: int = 1 << 20
    keepalive: float = 5.0  # seconds an idle connection is kept open
    graceful: float = 10.0  # seconds in-flight requests get when the worker is told to stop


@dataclass(frozen=True)
class Refusal:
    """A request refused while it was being read: answered, then the connection closes."""

    status: str
    message: str


class _Refused(Exception):
    pass


class Front:
    """What the connections of one worker process share."""

    def __init__(self, app: Callable, loop: asyncio.AbstractEventLoop, threads: int,
                 limits: Limits, server: tuple[str, int],
                 access: logging.Logger | None = None) -> None:
        self.app, self.loop, self.limits, self.server = app, loop, limits, server
        self.access = access
        self.pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="policykg-app")
        self.connections: set[Connection] = set()
        self.stopping = False
        state = getattr(app, "extensions", {}).get("policykg")
        self.dataset = state.dataset if state is not None else None
        self.cache = (FrontCache(state.config.cache_bytes, state.config.cache_entry_bytes)
                      if state is not None else None)
        self._date_second, self._date_line = -1, b""
        loop.call_later(POLL, self._watch)

    def adopt(self, conn: socket.socket) -> None:
        """A connection accepted for this worker (server/worker.py)."""
        if self.stopping:
            conn.close()
            return
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setblocking(False)
        self.loop.create_task(self.loop.connect_accepted_socket(lambda: Connection(self), conn))

    def version(self) -> str | None:
        """The served store's version, or None when there is none to serve."""
        try:
            return self.dataset.current().version if self.dataset is not None else None
        except Exception:  # no store yet: the app answers, and says why
            return None

    def date_line(self) -> bytes:
        second = int(time.time())
        if second != self._date_second:
            self._date_second = second
            self._date_line = b"Date: %s\r\n" % formatdate(second, usegmt=True).encode()
        return self._date_line

    def _watch(self) -> None:
        """The deadlines of the requests being answered, looked at every POLL seconds."""
        now = time.monotonic()
        for conn in self.connections:
            if conn.deadline is not None and conn.deadline.passed(now):
                self._stop_for(conn)
                return
        self.loop.call_later(POLL, self._watch)

    def _stop_for(self, late: Connection) -> None:
        """Answer the late request 503 with the app's message, and every other request
        this process holds 503 too (it is about to end), then end the process: the query
        cannot be stopped any other way. gunicorn starts a new worker. From here on the
        worker takes no new request (idle connections are closed, new ones refused): it
        would be cut when the process ends."""
        self.stopping = True
        version = self.version()
        refused = [conn for conn in self.connections if conn is late or conn.busy or conn.queue]
        for conn in self.connections - set(refused):
            conn.transport.close()  # idle: its client's next request goes to another worker
        for conn in refused:
            if conn is late:
                conn.refuse(Refusal("503 Service Unavailable", late.deadline.message),
                            retry_after=60, version=version)
            else:
                conn.refuse(Refusal("503 Service Unavailable", RESTARTED), retry_after=1,
                            version=version)
        started = time.monotonic()

        def flushed() -> None:
            pending = any(conn in self.connections for conn in refused)  # not yet flushed
            if pending and time.monotonic() - started < 1.0:
                self.loop.call_later(0.01, flushed)
            else:
                os._exit(EXIT_CODE)

        flushed()

    async def stop(self) -> None:
        """Stop taking requests; let those in flight finish (up to the graceful time)."""
        self.stopping = True
        for conn in list(self.connections):
            if not conn.busy and not conn.queue:
                conn.transport.close()
        ends = time.monotonic() + self.limits.graceful
        while self.connections and time.monotonic() < ends:
            await asyncio.sleep(0.05)
        self.pool.shutdown(wait=False, cancel_futures=True)


class Connection(asyncio.Protocol):
    def __init__(self, front: Front) -> None:
        self.front, self.loop = front, front.loop
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer: tuple[str, int] | None = None
        self.queue: deque[HttpRequest | Refusal] = deque()
        self.busy = False  # a request is with the app
        self.deadline: Deadline | None = None  # the deadline of the request with the app
        self.idle: asyncio.TimerHandle | None = None
        self.reading = True
        self.writable: asyncio.Future | None = None
        # the request being read
        self._target = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_bytes = 0
        self._body: list[bytes] = []
        self._body_bytes = 0
        self._refusal: Refusal | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        self.front.connections.add(self)
        self._wait_idle()

    def connection_lost(self, exc) -> None:
        self.front.connections.discard(self)
        if self.idle is not None:
            self.idle.cancel()
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)

    def pause_writing(self) -> None:
        self.writable = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)
        self.writable = None

    def data_received(self, data: bytes) -> None:
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # an Upgrade we do not offer: the request is answered as plain HTTP/1.1
        except httptools.HttpParserCallbackError:
            self._queue(self._refusal or Refusal("400 Bad Request", "malformed HTTP request"))
        except httptools.HttpParserError as exc:
            self._queue(Refusal("400 Bad Request", f"malformed HTTP request: {exc}"))

    # -- httptools callbacks -------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._target, self._headers, self._header_bytes = b"", [], 0
        self._body, self._body_bytes = [], 0

    def on_url(self, url: bytes) -> None:
        self._target += url
        if len(self._target) > self.front.limits.request_line:
            self._refuse_reading("414 URI Too Long", "the request line is longer than the "
                                 f"{self.front.limits.request_line}-byte limit of this "
                                 "server; send a long query by POST")

    def on_header(self, name: bytes, value: bytes) -> None:
        limits = self.front.limits
        self._headers.append((name, value))
        self._header_bytes += len(name) + len(value)
        if len(self._headers) > limits.header_fields or \
                len(name) + len(value) + 2 > limits.header_field_size:
            self._refuse_reading("431 Request Header Fields Too Large",
                                 "the request has too many or too large header fields")

    def on_headers_complete(self) -> None:
        limit = self.front.limits.body
        expect = None
        for name, value in self._headers:
            lower = name.lower()
            if lower == b"content-length" and value.strip().isdigit() and int(value) > limit:
                self._refuse_reading("413 Request Entity Too Large", _too_large(limit))
            elif lower == b"expect":
                expect = value.lower()
        if expect == b"100-continue" and not self.busy and not self.queue:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.front.limits.body:
            self._refuse_reading("413 Request Entity Too Large",
                                 _too_large(self.front.limits.body))
        self._body.append(body)

    def on_message_complete(self) -> None:
        parser = self.parser
        self._queue(HttpRequest(parser.get_method(), self._target, self._headers,
                                b"".join(self._body), parser.get_http_version(),
                                parser.should_keep_alive()))

    def _refuse_reading(self, status: str, message: str) -> None:
        self._refusal = Refusal(status, message)
        raise _Refused(message)

    # -- answering -----------------------------------------------------------------------

    def _queue(self, item: HttpRequest | Refusal) -> None:
        self.queue.append(item)
        if isinstance(item, Refusal) or len(self.queue) >= QUEUED_MAX:
            self.transport.pause_reading()
            self.reading = False
        if not self.busy:
            self._pump()

    def _pump(self) -> None:
        """Answer what waits, in order: from the cache on the spot, else by the app."""
        while self.queue and not self.busy:
            item = self.queue.popleft()
            if isinstance(item, Refusal):
                self.refuse(item)
                return
            if self.transport.is_closing():
                return
            if not self._from_cache(item):
                self.busy = True
                self.loop.create_task(self._answer(item))
                return
            if not item.keep_alive:
                self.transport.close()
                return
        if not self.busy:
            if self.front.stopping:
                self.transport.close()
                return
            if not self.reading:
                self.reading = True
                self.transport.resume_reading()
            self._wait_idle()

    def _wait_idle(self) -> None:
        if self.idle is None:
            self.idle = self.loop.call_later(self.front.limits.keepalive, self._close_idle)

    def _close_idle(self) -> None:
        self.idle = None
        if not self.busy and not self.queue:
            self.transport.close()

    def _from_cache(self, request: HttpRequest) -> bool:
        front = self.front
        if front.cache is None:
            return False
        key, if_none_match = _cache_key(request, front.version())
        entry = front.cache.get(key) if key is not None else None
        if entry is None or if_none_match == b"":
            return False
        not_modified = if_none_match is not None and matches(if_none_match, entry.etag)
        body = b"" if not_modified or request.method == b"HEAD" else entry.body
        self.transport.write(b"".join((
            entry.head_304 if not_modified else entry.head, front.date_line(),
            _connection_line(request), HIT, b"\r\n", body)))
        if front.access is not None:
            self._log(request, "304" if not_modified else "200", len(body), 0.0)
        return True

    async def _answer(self, request: HttpRequest) -> None:
        front = self.front
        started = time.monotonic()
        self.deadline = Deadline()
        env = environ(request, front.server, self.peer, {DEADLINE_KEY: self.deadline})
        try:
            reply = await self.loop.run_in_executor(front.pool, call, front.app, env)
        except Exception:
            log.exception("the app failed on %s %r", request.method, request.target)
            reply = Reply("500 Internal Server Error",
                          [("Content-Type", "text/plain; charset=utf-8")],
                          b"500 Internal Server Error: the server failed; see its log\n")
        finally:
            self.deadline = None
        keep = request.keep_alive and not front.stopping
        try:
            sent, keep = await self._send(request, reply, keep)
        except (ConnectionError, RuntimeError):  # the connection ended while writing
            sent, keep = 0, False
        finally:
            if reply.close is not None:
                await self.loop.run_in_executor(front.pool, reply.close)
        if front.access is not None:
            self._log(request, reply.status[:3], sent, time.monotonic() - started)
        version = env.get(CACHEABLE_KEY)
        if version is not None and request.method != b"HEAD" and reply.rest is None and \
                reply.status.startswith("200") and front.cache is not None:
            key, _ = _cache_key(request, version)
            if key is not None:
                front.cache.keep(key, version, reply.headers, reply.body)
        self.busy = False
        if not keep:
            self.transport.close()
        elif not self.transport.is_closing():
            self._pump()

    async def _send(self, request: HttpRequest, reply: Reply, keep: bool) -> tuple[int, bool]:
        """Write the reply (its body cut for HEAD); a stream is read from the app's
        iterator on the pool as the client takes it. The bytes of body sent, and whether
        the connection can take another request."""
        status_code = int(reply.status[:3])
        no_content = status_code in (204, 304) or status_code < 200  # never a body
        bodiless = no_content or request.method == b"HEAD"
        has_length = any(name.lower() == "content-length" for name, _ in reply.headers)
        chunked = reply.rest is not None and not has_length and not bodiless
        if chunked and request.version == "1.0":
            keep, chunked = False, False  # the end of the body is the end of the connection
        lines = [f"HTTP/1.1 {reply.status}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in reply.headers]
        head = "".join(lines).encode("latin-1") + self.front.date_line()
        if chunked:
            head += b"Transfer-Encoding: chunked\r\n"
        elif not has_length and not no_content and reply.rest is None:
            head += b"Content-Length: %d\r\n" % len(reply.body)
        head += (_connection_line(request) if keep else b"Connection: close\r\n") + b"\r\n"
        if self.transport.is_closing():
            return 0, False  # the client went away while the app worked
        if bodiless:
            self.transport.write(head)
            return 0, keep
        self.transport.write(head + (_chunk(reply.body) if chunked else reply.body))
        sent = len(reply.body)
        while reply.rest is not None:
            if self.writable is not None:
                await self.writable
            if self.transport.is_closing():
                return sent, False  # the client went away: the rest is not read
            chunk = await self.loop.run_in_executor(self.front.pool, next_chunk, reply.rest)
            if chunk is None:
                break
            self.transport.write(_chunk(chunk) if chunked else chunk)
            sent += len(chunk)
        if chunked:
            self.transport.write(b"0\r\n\r\n")
        return sent, keep

    def refuse(self, refusal: Refusal, retry_after: int | None = None,
               version: str | None = None) -> None:
        """A one-line plain-text error, like the app's, and the connection closed."""
        body = (refusal.message + "\n").encode()
        extra = b""
        if retry_after is not None:
            extra += b"Retry-After: %d\r\n" % retry_after
        if version is not None:
            extra += b"X-Policykg-Version: %s\r\n" % version.encode()
        self.transport.write(
            b"HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Access-Control-Allow-Origin: *\r\n%sContent-Length: %d\r\n%s"
            b"Connection: close\r\n\r\n%s" % (refusal.status.encode(), extra, len(body),
                                              self.front.date_line(), body))
        self.queue.clear()
        self.transport.close()

    def _log(self, request: HttpRequest, status: str, size: int, took: float) -> None:
        self.front.access.info('%s "%s %s HTTP/%s" %s %d %.1fms',
                               self.peer[0] if self.peer else "-",
                               request.method.decode("latin-1"),
                               request.target.decode("latin-1"), request.version, status,
                               size, took * 1000)


def _cache_key(request: HttpRequest, version: str | None
               ) -> tuple[tuple | None, bytes | None]:
    """The request's key in the front cache (None: not to be cached), and its If-None-Match:
    None when absent, b"" when the request is conditional in a way the app answers
    (If-Modified-Since alone). What an answer may depend on: the store version, Host, the
    request target and Accept, and for a POST query (the workbench sends them) its
    Content-Type and body."""
    host = accept = content_type = b""
    if_none_match = since = None
    for name, value in request.headers:
        lower = name.lower()
        if lower == b"accept":
            accept = value
        elif lower == b"host":
            host = value
        elif lower == b"content-type":
            content_type = value
        elif lower == b"if-none-match":
            if_none_match = value
        elif lower == b"if-modified-since":
            since = value
    if if_none_match is None and since is not None:
        if_none_match = b""
    if request.method in (b"GET", b"HEAD"):
        return (version, host, request.target, accept), if_none_match
    if request.method == b"POST" and len(request.body) <= POST_KEY_BYTES:
        return (version, host, request.target, accept, content_type, request.body), None
    return None, None


def _connection_line(request: HttpRequest) -> bytes:
    if not request.keep_alive:
        return b"Connection: close\r\n"
    return b"Connection: keep-alive\r\n" if request.version == "1.0" else b""


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


def _too_large(limit: int) -> str:
    return f"the request is larger than the {limit}-byte limit of this endpoint"
