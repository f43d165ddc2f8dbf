"""Incremental releases (#15), side by side in one run: a whole build of N generated
releases, against `add` of one more release to that store and its `remove` again.

Why: `policykg add` exists so that this week's release is added, not the corpus rebuilt;
this says how much of a build an add costs at a given size, and where its time goes
(`--phases`: the steps of the add, timed in-process on the last run).

Each run builds the N releases afresh, then adds release N+1 and removes it, through the
library (what `policykg build/add/remove` call, without interpreter start-up), each timed
with a wall clock and in CPU seconds (this process's and its workers': on a shared machine
the wall clock says more about the load than about the work). Medians of the runs, and
add / build.

Usage: python bench/incremental_bench.py [-n 1000] [--repeat 3] [--workdir DIR] [--phases]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph import incremental, pipeline, store  # noqa: E402
from graph.source import releases_in  # noqa: E402

BASE = "https://bench.example/"


def cpu() -> float:
    """CPU seconds of this process and of its finished workers."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def timed(action) -> tuple[float, float]:
    """Wall-clock and CPU seconds of `action`."""
    started, used = time.perf_counter(), cpu()
    action()
    return time.perf_counter() - started, cpu() - used


@contextlib.contextmanager
def phases(found: dict[str, float]) -> Iterator[None]:
    """Time the steps of a change by wrapping the functions it calls (the last run)."""
    wrapped = [(pipeline, "validate_building"), (store.Building, "_describe"),
               (store.Building, "_dumps"), (store.search_index, "write"),
               (store.Building, "_swap"), (incremental, "_harmonised")]
    originals = [(owner, name, getattr(owner, name)) for owner, name in wrapped]

    def timer(name, function):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                found[name] = found.get(name, 0.0) + time.perf_counter() - started
        return run

    for owner, name, function in originals:
        setattr(owner, name, timer(name, function))
    try:
        yield
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--phases", action="store_true",
                        help="also time the steps of the last run's add")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="incremental-bench-"))
    corpus = work / f"releases-{args.n + 1}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                        str(corpus), "-n", str(args.n + 1)], check=True,
                       stdout=subprocess.DEVNULL)
    files = releases_in(corpus)
    first, extra = files[:-1], files[-1]
    builds, adds, removes, found = [], [], [], {}
    for run in range(args.repeat):
        path = work / f"store-{run}"
        builds.append(timed(lambda path=path: pipeline.build(first, path, BASE)))
        last = run == args.repeat - 1
        with phases(found) if last and args.phases else contextlib.nullcontext():
            adds.append(timed(lambda path=path: incremental.add([extra], path)))
        removes.append(timed(lambda path=path: incremental.remove(extra.name, path)))
        print(f"run {run + 1}: build {builds[-1][0]:.1f} s ({builds[-1][1]:.1f} CPU), add "
              f"{adds[-1][0]:.1f} s ({adds[-1][1]:.1f} CPU), remove {removes[-1][0]:.1f} s "
              f"({removes[-1][1]:.1f} CPU), load {os.getloadavg()[0]:.1f}", flush=True)
        shutil.rmtree(path.with_name(path.name + ".builds"), ignore_errors=True)
        path.unlink(missing_ok=True)
    print(f"\n{args.n} releases, median of {args.repeat} runs")
    print(f"{'':>6} {'whole build':>12} {'add one':>9} {'remove one':>11} {'add/build':>10}")
    for name, index in (("wall", 0), ("CPU", 1)):
        build, add, remove = (statistics.median(x[index] for x in runs)
                              for runs in (builds, adds, removes))
        print(f"{name:>6} {build:>10.1f} s {add:>7.1f} s {remove:>9.1f} s "
              f"{add / build:>10.2f}")
    if found:
        print("\nthe last add's steps (s): " + ", ".join(f"{name} {seconds:.1f}"
                                                       for name, seconds in found.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
