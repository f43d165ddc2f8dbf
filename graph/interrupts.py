"""Stopping a build is the building process's to handle, and only where it is safe.

A terminal sends SIGINT to the whole process group; a service manager sends SIGTERM, to
the main process or to the group. An exception raised wherever a signal finds the main
thread leaves library state half changed, and the build then hangs or goes on:
- a worker killed while it writes its result leaves half a message in the pool's pipe,
  and the pool's manager thread waits for the rest for ever (at shutdown, or at exit);
- a pool cut off while it starts fails its own shutdown ("cannot join thread before it
  is started"); a fork hook cut off prints the exception and loses it (the build went
  on and finished); a queue cut off between two threads loses a wake-up.
All of these were seen. So a stop signal is only noted; the build acts on it at its next
`checkpoint()`, between releases and between phases, and unwinds from there, which
removes what it had written. The worker processes ignore both signals, finish the task
in hand and leave with their pool; they die with their parent if it is killed outright
(the kernel kills them). A second signal ends the process at once, as SIGKILL would: the
next build removes what this one left.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

STOPS = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # prctl(2)


class Stopped(BaseException):
    """A stop signal other than SIGINT (which raises KeyboardInterrupt) received by a build.
    A BaseException, as KeyboardInterrupt is, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_received: list[int] = []  # the stop signal noted, if any (at most one)
_acted_on = [False]  # whether a checkpoint has raised it


@contextmanager
def stoppable() -> Iterator[None]:
    """Run a build that a stop signal (SIGINT, SIGTERM) unwinds at its next checkpoint."""

    def stop(signum: int, frame: object) -> None:
        if _received:  # the second: at once
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        _received.append(signum)

    previous = {stop_signal: signal.signal(stop_signal, stop) for stop_signal in STOPS}
    try:
        yield
        checkpoint()  # one that came after the last: the caller says the build was done
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)
        _received.clear()
        _acted_on[0] = False


def checkpoint() -> None:
    """Unwind the build here (KeyboardInterrupt for SIGINT, else Stopped) if a stop signal
    has come; once only, so the unwinding itself runs to its end."""
    if _received and not _acted_on[0]:
        _acted_on[0] = True
        if _received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(_received[0])


class WorkerPool(ProcessPoolExecutor):
    """A process pool that, left by an exception (a stop, a failed release), drops the
    tasks not started and waits only for those running: never kill a worker, which may be
    writing its result."""

    def __exit__(self, kind: object, value: object, trace: object) -> bool:
        self.shutdown(wait=True, cancel_futures=kind is not None)
        return False


def leave_to_parent() -> None:
    """A worker-process initializer: ignore stop signals, and die with the parent."""
    for stop_signal in STOPS:
        signal.signal(stop_signal, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        parent = multiprocessing.parent_process()
        if parent is not None and os.getppid() != parent.pid:
            os._exit(1)  # the parent died before the request took effect
