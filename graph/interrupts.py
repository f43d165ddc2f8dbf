"""Ctrl-C during a build is the building process's to handle, not its workers'.

A terminal sends SIGINT to the whole process group. A worker process interrupted while it
holds its pool's result-queue lock never releases it, and the pool then hangs at shutdown
(seen: a build interrupted while converting releases never exited). So the worker processes
ignore SIGINT, and the building process, which gets KeyboardInterrupt, stops them.
"""

from __future__ import annotations

import signal


def leave_to_parent() -> None:
    """A worker-process initializer: ignore SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
