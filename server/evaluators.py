"""The server's side of query evaluation: a few evaluator processes (sandbox/evaluator.py),
each running one query at a time, confined (sandbox/confine.py).

Why processes, not threads: pyoxigraph cannot cancel an evaluation, and a query can ask
for unbounded memory or, through an engine bug, crash. In a process of its own a query
past its deadline is killed, one past the memory limit aborts, a crash ends only that
process: the request that sent it gets a 503 with a message, every other request goes
on, and a new evaluator takes the dead one's place.

The HTTP worker's threads share its pool; a thread waits for an idle evaluator for as
long as its query's time limit would allow.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from typing import BinaryIO

from graph.sparql_shape import QueryTooDeep, skeleton

STARTUP_TIMEOUT = 20.0  # seconds an evaluator may take to import, confine and say so
START_TRIES = 3  # starts in a row that may fail (killed while starting, say) before giving up
WATCH = 0.05  # seconds between looks at a running evaluator's resident memory
LONG = 2.0  # seconds after which an evaluation yields the CPU to shorter ones (nice)
LONG_NICE = 10  # its niceness then: ~1/10 of a core's share beside a process at 0
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Job:
    target: str  # the build directory to read
    query: str
    base: str
    prefixes: dict[str, str] | None
    default_graphs: tuple[str, ...] | None  # None: the query's own dataset (or the union)
    named_graphs: tuple[str, ...]
    union: bool  # the union of all graphs as the default graph
    graph: bool  # a graph result (CONSTRUCT, DESCRIBE)
    media_type: str  # of the results' format
    cap: int = 0  # SELECT results cut to this many rows (0: none)
    kind: str = "evaluate"


@dataclass
class Outcome:
    body: bytes | BinaryIO  # small results as bytes; large ones as an open file at 0
    size: int
    cap: str | None  # the row cap applied, or why none was ("not applied …")
    truncated: bool | None  # whether the cap cut rows


class Failed(Exception):
    """The evaluator said the query is wrong (`kind`: syntax, invalid, write)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


class Stopped(Exception):
    """The query was stopped (`reason`: time, memory, crash, busy, unavailable); the
    message says so to the client."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass
class _Evaluator:
    process: subprocess.Popen
    conn: Connection
    niced: bool = False  # a long evaluation lowered its priority (it cannot be raised again)

    def yield_cpu(self) -> None:
        """Let the service's short requests go first: a query running long (a killer, or
        a heavy one) takes the cores only when they would otherwise be idle."""
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, LONG_NICE)
        self.niced = True

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.conn.close()
        self.process.wait()


class Pool:
    """One per server process. Evaluators are started ahead (`warm`, and a replacement as
    soon as one is lost), so a request does not wait for a process to start: importing,
    building the parser's grammar and opening the store take ~1 s."""

    SHAPES_KEPT = 256  # query shapes remembered, by text
    SHAPE_TEXT_MAX = 16_384  # longer texts are asked each time

    def __init__(self, size: int, memory_bytes: int,
                 gate: Callable[[float | None, str], AbstractContextManager] | None = None
                 ) -> None:
        self.size, self.memory_bytes = size, memory_bytes
        # held around each evaluation (server/admission.py: the service's memory budget)
        self.gate = gate or (lambda deadline, query: contextlib.nullcontext())
        self.idle: queue.LifoQueue[_Evaluator] = queue.LifoQueue()
        self.warmed = False
        self.lock = threading.Lock()
        # Evaluators are started from this one long-lived thread: PR_SET_PDEATHSIG fires
        # when the *thread* that started a process ends, and the server's request
        # threads come and go.
        self.starter = ThreadPoolExecutor(1, thread_name_prefix="policykg-evaluators")
        self.confinement: list[str] = []
        self.failure: str | None = None  # why the last start failed, if it did
        self.starting = 0  # starts submitted and not finished
        self.failed_starts = 0  # in a row
        self.shapes: OrderedDict[str, dict] = OrderedDict()

    def warm(self) -> None:
        """Start every evaluator, in the background."""
        with self.lock:
            if self.warmed:
                return
            self.warmed = True
        for _ in range(self.size):
            self._submit_start()

    def _submit_start(self) -> None:
        with self.lock:
            self.starting += 1
        self.starter.submit(self._start)

    def shape(self, text: str, deadline: float | None, messages: dict[str, str]) -> dict:
        """What the query is ({form, update, service, dataset}), parsed by an evaluator
        before `deadline` (time.monotonic(); None: none). Remembered by the text's
        skeleton (comments and layout aside), so a query sent again with another comment
        is not parsed again. Failed (kind syntax or deep) for a text that is not SPARQL."""
        try:
            key = skeleton(text)  # the nesting limit, checked without a parse
        except QueryTooDeep as exc:
            raise Failed("deep", str(exc)) from None
        with self.lock:
            known = self.shapes.get(key)
            if known is not None:
                self.shapes.move_to_end(key)
        if known is None:
            known, _ = self._exchange({"kind": "shape", "query": text}, deadline, messages)
            if "error" in known:  # its message names places in this text: not remembered
                raise Failed(known["error"], known["message"])
            if len(key) <= self.SHAPE_TEXT_MAX:
                with self.lock:
                    self.shapes[key] = known
                    while len(self.shapes) > self.SHAPES_KEPT:
                        self.shapes.popitem(last=False)
        return known["shape"]

    def run(self, job: Job, deadline: float | None, messages: dict[str, str]) -> Outcome:
        """Evaluate `job` before `deadline` (time.monotonic(); None: none). `messages`
        holds what the client is told for each reason a query can be stopped."""
        head, body = self._exchange(job.__dict__, deadline, messages)
        if "error" in head:
            raise Failed(head["error"], head["message"])
        return Outcome(body, head["size"], head.get("cap"), head.get("truncated"))

    def _exchange(self, payload: dict, deadline: float | None, messages: dict[str, str]
                  ) -> tuple[dict, bytes | BinaryIO]:
        """Send one job to an idle evaluator once the gate lets it run; its head, and its
        results if it sends any."""
        with self.gate(deadline, payload["query"]):
            return self._send(payload, deadline, messages)

    def _send(self, payload: dict, deadline: float | None, messages: dict[str, str]
              ) -> tuple[dict, bytes | BinaryIO]:
        evaluator = self._deliver(json.dumps(payload).encode(), deadline, messages)
        try:
            head = self._receive(evaluator, deadline, messages)
            if "error" in head or "shape" in head:
                body: bytes | BinaryIO = b""
            elif head.get("file"):
                fd = recv_handle(evaluator.conn)
                body = os.fdopen(fd, "rb")
                body.seek(0)
            else:
                body = evaluator.conn.recv_bytes()
        except (EOFError, OSError):
            self._lost(evaluator)
            _metrics().QUERIES_STOPPED.labels("crash").inc()
            raise Stopped("crash", messages["crash"]) from None
        except Stopped as stop:
            self._lost(evaluator)
            _metrics().QUERIES_STOPPED.labels(stop.reason).inc()
            raise
        if evaluator.niced:
            self._lost(evaluator)  # a process's niceness cannot be lowered again: a new one
        else:
            self.idle.put(evaluator)
        return head, body

    def _deliver(self, job: bytes, deadline: float | None, messages: dict[str, str]
                 ) -> _Evaluator:
        """The evaluator that took `job`. One that ended while idle (killed from outside)
        can still look alive when taken, for the moment its end takes: a job it could not
        be sent went to nobody, so it goes to the next one rather than failing as a
        crash."""
        while True:
            evaluator = self._take(deadline, messages)
            try:
                evaluator.conn.send_bytes(job)
            except OSError:
                self._lost(evaluator)
                continue
            return evaluator

    def _receive(self, evaluator: _Evaluator, deadline: float | None,
                 messages: dict[str, str]) -> dict:
        long = time.monotonic() + LONG
        while not evaluator.conn.poll(WATCH):
            if deadline is not None and time.monotonic() >= deadline:
                raise Stopped("time", messages["time"])
            if not evaluator.niced and time.monotonic() >= long:
                evaluator.yield_cpu()
            if self.memory_bytes > 0 and _resident(evaluator.process.pid) > self.memory_bytes:
                raise Stopped("memory", messages["memory"])
        try:
            return json.loads(evaluator.conn.recv_bytes())
        except EOFError:
            # ended while evaluating: the memory limit (an allocation failed and the
            # process aborted) or a crash
            code = evaluator.process.wait()
            reason = "memory" if code in (-signal.SIGABRT, -signal.SIGKILL) else "crash"
            raise Stopped(reason, messages[reason]) from None

    def _take(self, deadline: float | None, messages: dict[str, str]) -> _Evaluator:
        self.warm()
        while True:
            wait = WATCH if deadline is None else min(WATCH, deadline - time.monotonic())
            if wait <= 0:
                raise Stopped("busy", messages["busy"])
            try:
                evaluator = self.idle.get(timeout=wait)
            except queue.Empty:
                if self.failure is not None and self.starting == 0:
                    raise Stopped("unavailable", self.failure) from None
                continue
            if evaluator.process.poll() is None:
                return evaluator
            self._lost(evaluator)  # ended while idle (killed from outside, say)

    def _lost(self, evaluator: _Evaluator) -> None:
        """A dead or killed evaluator: a new one takes its place."""
        evaluator.kill()
        self._submit_start()
        _metrics().EVALUATOR_RESTARTS.inc()

    def _start(self) -> None:
        try:
            started = self._spawn()
        finally:
            with self.lock:
                self.starting -= 1
        if started is not None:
            self.failure, self.failed_starts = None, 0
            self.idle.put(started)
            return
        self.failed_starts += 1
        if self.failed_starts < START_TRIES and not self.failure.startswith("refused"):
            self._submit_start()  # ended while starting (killed from outside, say): again

    def _spawn(self) -> _Evaluator | None:
        """A started evaluator, or None (and `failure` says why)."""
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "sandbox.evaluator", str(theirs.fileno()),
                 str(self.memory_bytes)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        evaluator = _Evaluator(process, Connection(ours.detach()))
        hello: dict = {}
        if evaluator.conn.poll(STARTUP_TIMEOUT):
            with contextlib.suppress(EOFError):
                hello = json.loads(evaluator.conn.recv_bytes())
        if "ready" not in hello:
            evaluator.kill()
            self.failure = (f"refused: queries are not evaluated here: {hello['refused']}"
                            if "refused" in hello else "the query evaluator could not start")
            return None
        self.confinement = hello["ready"]
        return evaluator

    def close(self) -> None:
        """End the idle evaluators (those running a query end with it)."""
        self.starter.shutdown(wait=True)
        while True:
            try:
                self.idle.get_nowait().kill()
            except queue.Empty:
                return


def _resident(pid: int) -> int:
    """Bytes of memory the process holds (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _metrics():
    """server/metrics.py, imported when first counted: prometheus-client must not be
    imported before `serve` has given the workers their metrics directory."""
    from . import metrics

    return metrics
