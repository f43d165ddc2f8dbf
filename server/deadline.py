"""Stopping a query that runs too long. pyoxigraph cannot cancel an evaluation and a
signal cannot interrupt it, so the process evaluating it is ended instead: a watchdog
thread, armed for each request, answers the waiting client `503` on its socket and ends
the worker process, which the server (gunicorn) replaces. The response is only sent after
evaluation is complete (results are spooled first), so a client gets either the whole
answer or a clear 503 — never a truncated 200.

The watchdog polls (a few times a second) rather than being woken for each request: arming
and disarming are then two assignments under an uncontended lock, which keeps the cost off
the hot path of light queries.
"""

from __future__ import annotations

import os
import socket
import threading
import time

EXIT_CODE = 75  # EX_TEMPFAIL: the worker ended on purpose
POLL = 0.1  # seconds between the watchdog's looks at the clock


class Deadline:
    """One per worker process (gunicorn sync workers serve one request at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._socket: socket.socket | None = None
        self._message = b""
        self._version = b""
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, client: socket.socket, message: str, version: str) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._watch, daemon=True,
                                            name="policykg-deadline")
            self._thread.start()
        with self._lock:
            self._socket, self._message = client, message.encode()
            self._version = version.encode()
            self._deadline = time.monotonic() + seconds

    def disarm(self) -> None:
        """Called once evaluation is done; from here on the response is ours to send."""
        with self._lock:
            self._deadline = None
            self._socket = None

    def _watch(self) -> None:
        while True:
            time.sleep(POLL)
            with self._lock:
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    self._fire()

    def _fire(self) -> None:
        body = self._message + b"\n"
        head = (b"HTTP/1.1 503 Service Unavailable\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n"
                b"Retry-After: 60\r\nConnection: close\r\n"
                b"Access-Control-Allow-Origin: *\r\n"
                b"X-Policykg-Version: " + self._version + b"\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        try:
            if self._socket is not None:
                self._socket.sendall(head + body)
                self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        os._exit(EXIT_CODE)
