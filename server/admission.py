"""Admission control for query evaluation: what keeps expensive or abusive queries from
taking the whole service.

- **A memory budget.** Every evaluation may use up to the per-query limit, so the service
  runs at most `memory budget ÷ per-query limit` evaluations at once (`slots`), across all
  worker processes. A request that finds none free waits in a bounded queue, for a bounded
  time; beyond either it is answered `503` with `Retry-After` at once.
- **Fairness.** One client (its address, or the address a trusted proxy forwarded) has at
  most `per_client` queries in evaluation or waiting for a slot; the next is `429`.
- **A cool-off for killers.** A query stopped for time or memory marks its skeleton
  (graph/sparql_shape.skeleton: comments, layout, strings and IRIs aside); the same query
  sent again within the cool-off is refused (`503`) without being evaluated.

Why lock files: the limits hold across granian's worker processes, which share nothing
but the file system, and a worker killed with `kill -9` must not keep its share. A slot is
a file held with `flock`, which the kernel releases when the holder dies; it exists only
while held (unlinked on release, so the directory never fills up). A cool-off mark is a
file whose mtime says when its query was stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import ipaddress
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.sparql_shape import QueryTooDeep, skeleton

from .evaluators import Stopped

POLL = 0.005  # seconds between looks for a slot freed by another worker process
DIRECTORY_VARIABLE = "POLICYKG_ADMISSION_DIR"  # server/config.py's admission_dir
RETRY_AFTER = 5  # seconds a refused client is told to wait (but the cool-off's own)


class Refusal(Exception):
    """A request turned away before evaluation: its status, message and Retry-After."""

    def __init__(self, status: int, message: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


@dataclass(frozen=True)
class Limits:
    slots: int  # evaluations at once, service-wide
    per_client: int  # a client's queries in evaluation or waiting, service-wide
    queue: int  # requests waiting for a slot, service-wide
    wait: float  # seconds a request may wait for a slot
    cooloff: float  # seconds a query stopped for time or memory is refused (0: never)


class _Held:
    """One slot file, locked by this process until released."""

    def __init__(self, fd: int, path: Path, changed: threading.Condition) -> None:
        self.fd, self.path, self.changed = fd, path, changed  # changed: told on release

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # while locked: whoever opened it before finds it stale
        os.close(self.fd)
        with self.changed:
            self.changed.notify()


class Slots:
    """A counting semaphore over `count` lock files `<root>/<name>-<i>`, shared by every
    process that uses the same directory."""

    def __init__(self, root: Path, name: str, count: int) -> None:
        self.paths = [root / f"{name}-{i}" for i in range(count)]
        self.changed = threading.Condition()  # a slot of this process was released

    def take(self, until: float | None = None) -> _Held | None:
        """A free slot, waiting for one until `until` (time.monotonic(); None: no wait)."""
        with self.changed:
            while True:
                held = self._try()
                left = 0.0 if until is None else until - time.monotonic()
                if held is not None or left <= 0:
                    return held
                self.changed.wait(min(POLL, left))

    def held(self) -> int:
        """Slots held now, by any process (a snapshot, for reports)."""
        return sum(1 for path in self.paths if _locked(path))

    def _try(self) -> _Held | None:
        for path in self.paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                current = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                return _Held(fd, path, self.changed)
            os.close(fd)  # unlinked by its last holder after we opened it: free, try anew
            return self._try()
        return None


def _locked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class Admission:
    """One per worker process, over a directory shared by the server's workers."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root, self.limits = root, limits
        root.mkdir(parents=True, exist_ok=True)
        self.running = Slots(root, "evaluation", limits.slots)
        self.waiting = Slots(root, "queue", limits.queue)

    @contextlib.contextmanager
    def client(self, address: str) -> Iterator[None]:
        """Held while `address` has a query in evaluation (or waiting for a slot): it may
        have `per_client` at once, and the next is refused at once, not queued, so that
        one client never holds more of the app's threads. A loopback peer (a tool on the
        machine, or a proxy on it not declared trusted) is not limited."""
        if loopback(address):
            yield
            return
        n = self.limits.per_client
        name = "client-" + hashlib.sha256(address.encode()).hexdigest()[:24]
        held = Slots(self.root, name, n).take()
        if held is None:
            raise Refusal(429, f"this client already has {n} queries running on this "
                               "endpoint; send the next one when one of them is answered")
        try:
            yield
        finally:
            held.release()

    @contextlib.contextmanager
    def evaluation(self, deadline: float | None, text: str) -> Iterator[None]:
        """Held while one evaluation of `text` runs: a slot of the memory budget, waited
        for in the queue, for no longer than the wait limit or `deadline`. A query stopped
        for time or memory is marked before its slot is given up, so that the same query
        waiting for it is refused, not run."""
        self.cooling(text)
        held = self._slot(deadline)
        try:
            self.cooling(text)  # stopped while this one waited
            yield
        except Stopped as exc:
            if exc.reason in ("time", "memory"):
                self.stopped(text, exc.reason)
            raise
        finally:
            held.release()

    def _slot(self, deadline: float | None) -> _Held:
        """A slot of the budget now, or after waiting in the queue (full: refused at once)
        until the wait limit or the deadline."""
        held = self.running.take()
        if held is not None:
            return held
        slots, queue = self.limits.slots, self.limits.queue
        place = self.waiting.take()
        if place is None:
            raise Refusal(503, f"the endpoint is evaluating {slots} queries (all its memory "
                               f"budget allows) and {queue} more are waiting; send the "
                               "request again later")
        until = time.monotonic() + self.limits.wait
        try:
            held = self.running.take(until if deadline is None else min(until, deadline))
        finally:
            place.release()
        if held is None:
            raise Refusal(503, f"no evaluation slot of this endpoint was free within "
                               f"{self.limits.wait:g} s (its memory budget allows {slots} "
                               "queries at once); send the request again later")
        return held

    def cooling(self, text: str) -> None:
        """Refusal if a query of this skeleton was stopped within the cool-off."""
        mark = self._mark(text)
        if mark is None or self.limits.cooloff <= 0:
            return
        try:
            stopped = mark.stat().st_mtime
            reason = mark.read_text()
        except FileNotFoundError:
            return
        left = stopped + self.limits.cooloff - time.time()
        if left > 0:
            raise Refusal(503, f"this query (comments, layout, strings and IRIs aside) was "
                               f"stopped for {reason} {time.time() - stopped:.0f} s ago and is "
                               f"not evaluated again for {self.limits.cooloff:g} s; narrow "
                               "it, add a LIMIT, or download a dump", int(left) + 1)

    def stopped(self, text: str, reason: str) -> None:
        """Mark a query stopped for `reason` (time or memory); forget expired marks."""
        mark = self._mark(text)
        if mark is None or self.limits.cooloff <= 0:
            return
        mark.write_text(reason)  # the mtime is now
        expired = time.time() - self.limits.cooloff
        for old in self.root.glob("cooloff-*"):
            with contextlib.suppress(FileNotFoundError):
                if old.stat().st_mtime < expired:
                    old.unlink()

    def _mark(self, text: str) -> Path | None:
        try:
            key = skeleton(text)
        except QueryTooDeep:
            return None  # refused before any evaluation anyway
        return self.root / f"cooloff-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def client_address(environ: dict, trusted: frozenset[str]) -> str:
    """The client a request comes from: the peer address, or, when the peer is a trusted
    proxy, the last address in X-Forwarded-For that is not one (earlier ones are the
    client's to write)."""
    peer = environ.get("REMOTE_ADDR") or ""
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        if hop and hop not in trusted:
            with contextlib.suppress(ValueError):
                return str(ipaddress.ip_address(hop))
            return peer  # not an address: the proxy's word cannot be read
    return peer


def loopback(address: str) -> bool:
    """A peer on this machine: a tool, or a proxy not declared trusted (not limited)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


_OWN: list[tempfile.TemporaryDirectory] = []  # removed when the process exits


def directory(configured: str) -> Path:
    """The directory the limits are shared through: the configured one (`policykg serve`
    makes one for its workers), or, for an app made without it, one of this process's,
    removed when it exits."""
    if configured:
        return Path(configured)
    _OWN.append(tempfile.TemporaryDirectory(prefix="policykg-admit-"))
    return Path(_OWN[-1].name)


def slots(budget_mb: int, query_mb: int) -> int:
    """Evaluations the budget allows at once (at least one); a budget of 0 is a quarter of
    the machine's memory."""
    if budget_mb <= 0:
        budget_mb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4 >> 20
    return max(1, budget_mb // query_mb) if query_mb > 0 else max(1, budget_mb >> 10)
