"""jemalloc under the query engine, when the machine has it (Debian: `libjemalloc2`).

Measured here on the endpoint benchmark's GROUP BY over 1M triples, one query at a time:
pyoxigraph 80 ms with glibc's malloc, 67-72 ms with jemalloc preloaded. An allocator
cannot be swapped once a process runs, so `policykg serve` runs itself again with
jemalloc in LD_PRELOAD (the workers, forked from it, inherit it). Without the library, or
with POLICYKG_ALLOCATOR=system, the command goes on with the system allocator.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

LIBRARY = "jemalloc"


def rerun_with_jemalloc(argv: list[str]) -> None:
    """Replace this process by `python -P -m policykg <argv>` with jemalloc preloaded; return
    when that is not possible or not wanted (already preloaded, not installed, disabled)."""
    preload = os.environ.get("LD_PRELOAD", "")
    if os.environ.get("POLICYKG_ALLOCATOR", LIBRARY) != LIBRARY or LIBRARY in preload:
        return
    found = ctypes.util.find_library(LIBRARY)  # e.g. "libjemalloc.so.2", via ldconfig
    if found is None:
        return
    env = {**os.environ, "LD_PRELOAD": ":".join(p for p in (found, preload) if p)}
    sys.stdout.flush()
    sys.stderr.flush()
    # -P: the working directory must not shadow a module (a `grp.py` there would be
    # imported by gunicorn in place of the standard library's)
    os.execve(sys.executable, [sys.executable, "-P", "-m", "policykg", *argv], env)
