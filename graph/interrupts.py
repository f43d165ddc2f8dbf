"""Stopping a build is the building process's to handle, not its workers'.

A terminal sends SIGINT to the whole process group; a service manager sends SIGTERM, to
the main process or to the group. A worker process interrupted while it holds its pool's
result-queue lock never releases it, and the pool then hangs at shutdown (seen: a build
interrupted while converting releases never exited). So the worker processes ignore both
signals and die with their parent (even a SIGKILLed one: the kernel kills them), and the
building process, on the first stop signal, kills them at once and unwinds the build,
which removes what it had written.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

STOPS = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # prctl(2)


class Stopped(BaseException):
    """A stop signal other than SIGINT (which raises KeyboardInterrupt) received by a build.
    A BaseException, as KeyboardInterrupt is, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stoppable() -> Iterator[None]:
    """Run a build so that SIGINT or SIGTERM kills its worker processes and unwinds it
    (KeyboardInterrupt, Stopped); a second signal is ignored, so its clean-up runs to the
    end (the build directory removed, the old store kept)."""

    def stop(signum: int, frame: object) -> None:
        for stop_signal in STOPS:
            signal.signal(stop_signal, signal.SIG_IGN)
        end_workers()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(signum)

    previous = {stop_signal: signal.signal(stop_signal, stop) for stop_signal in STOPS}
    try:
        yield
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)


def end_workers() -> None:
    """Kill this process's worker processes now, mid-task: a build being stopped or failing
    has no use for what they are doing. (Their pool then fails its pending futures itself:
    cancelling them as well trips Python 3.11's pool into an InvalidStateError.)"""
    for child in multiprocessing.active_children():
        child.kill()


def leave_to_parent() -> None:
    """A worker-process initializer: ignore stop signals, and die with the parent."""
    for stop_signal in STOPS:
        signal.signal(stop_signal, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        parent = multiprocessing.parent_process()
        if parent is not None and os.getppid() != parent.pid:
            os._exit(1)  # the parent died before the request took effect
