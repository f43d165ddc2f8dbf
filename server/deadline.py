"""Stopping a query that runs too long. pyoxigraph cannot cancel an evaluation and a
signal cannot interrupt it, so the process evaluating it is ended instead: a watchdog
thread, armed for each request, answers the waiting client `503` on its socket and ends
the worker process, which the server (gunicorn) replaces. The response is only sent after
evaluation is complete (results are spooled first), so a client gets either the whole
answer or a clear 503 — never a truncated 200.
"""

from __future__ import annotations

import os
import socket
import threading
import time

EXIT_CODE = 75  # EX_TEMPFAIL: the worker ended on purpose


class Deadline:
    """One per worker process (gunicorn sync workers serve one request at a time)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._socket: socket.socket | None = None
        self._message = b""
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, client: socket.socket, message: str) -> None:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, daemon=True,
                                                name="policykg-deadline")
                self._thread.start()
            self._deadline = time.monotonic() + seconds
            self._socket = client
            self._message = message.encode()
            self._cond.notify()

    def disarm(self) -> None:
        """Called once evaluation is done; from here on the response is ours to send."""
        with self._cond:
            self._deadline = None
            self._socket = None

    def _watch(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                    continue
                self._fire()

    def _fire(self) -> None:
        body = self._message + b"\n"
        head = (b"HTTP/1.1 503 Service Unavailable\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n"
                b"Retry-After: 60\r\nConnection: close\r\n"
                b"Access-Control-Allow-Origin: *\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        try:
            if self._socket is not None:
                self._socket.sendall(head + body)
                self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        os._exit(EXIT_CODE)
