"""Build benchmark (not a test): how fast and how lean is `policykg build`?

Side by side in one run, each case repeated and reported as a median:
- ours:  `policykg build` (extract, RDF, store, SHACL validation, swap) in a subprocess;
- floor: a bare pyoxigraph `bulk_load` of the very N-Quads our build produced, in a
  subprocess — what storing the same data costs with no pipeline at all.
The ratio ours/floor is the price of extraction and validation. Peak RSS is each
subprocess's maximum resident set (getrusage); store size is the store directory on disk.

Cases: the bundled release, and N generated releases (bench/generate_releases.py) at
N/4, N/2 and N, so "flat memory" can be read off the RSS column.

    python bench/build_bench.py [-n 1000] [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = """
import sys, pyoxigraph
store = pyoxigraph.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=pyoxigraph.RdfFormat.N_QUADS)
store.flush()
"""


def peak_rss(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and this child's own peak RSS (MB, from wait4's rusage)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if status != 0:
            err.seek(0)
            sys.exit(f"failed: {' '.join(cmd[:4])} …: {err.read().decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def size_mb(path: Path) -> float:
    target = path.resolve()
    return sum(f.stat().st_size for f in target.rglob("*") if f.is_file()) / 1e6


def case(name: str, releases: list[Path], work: Path, repeat: int) -> dict:
    policykg = [sys.executable, "-m", "policykg"]
    store = work / f"{name}-store"
    command = [*policykg, "build", "--store", str(store), *map(str, releases)]
    unvalidated = [peak_rss([*command, "--no-validate", "--no-dumps"]) for _ in range(repeat)]
    undumped = [peak_rss([*command, "--no-dumps"]) for _ in range(repeat)]
    ours = [peak_rss(command) for _ in range(repeat)]
    dump = work / f"{name}.nq"
    subprocess.run([*policykg, "dump", "--store", str(store), "--format", "nq", "-o",
                    str(dump)], check=True)
    floors = []
    for i in range(repeat):
        target = work / f"{name}-floor-{i}"
        floors.append(peak_rss([sys.executable, "-c", FLOOR, str(dump), str(target)]))
        shutil.rmtree(target)
    return {
        "case": name, "releases": len(releases),
        "ours_s": statistics.median(t for t, _ in ours),
        "nv_s": statistics.median(t for t, _ in unvalidated),
        "nd_s": statistics.median(t for t, _ in undumped),
        "floor_s": statistics.median(t for t, _ in floors),
        "ours_rss": max(r for _, r in ours + undumped + unvalidated),
        "floor_rss": max(r for _, r in floors),
        "store_mb": size_mb(store), "quads": sum(1 for _ in dump.open("rb")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    generated = work / "releases"
    if not generated.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                        str(generated), "-n", str(args.n)], check=True,
                       stdout=subprocess.DEVNULL)
    files = sorted(generated.glob("*.txt"))
    sys.path.insert(0, str(ROOT))
    from graph.source import bundled_releases

    rows = [case("bundled", bundled_releases(), work, args.repeat)]
    for n in sorted({max(1, args.n // 4), max(1, args.n // 2), args.n}):
        rows.append(case(f"generated-{n}", files[:n], work, args.repeat))

    head = (f"{'case':<16}{'releases':>9}{'quads':>10}{'full s':>8}{'no-dump s':>10}"
            f"{'bare s':>8}{'floor s':>9}{'ratio':>7}{'rel/s':>7}{'rel/s-':>8}{'rel/s*':>8}"
            f"{'ours MB':>9}{'floor MB':>10}{'store MB':>10}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['case']:<16}{r['releases']:>9}{r['quads']:>10}{r['ours_s']:>8.2f}"
              f"{r['nd_s']:>10.2f}{r['nv_s']:>8.2f}{r['floor_s']:>9.2f}"
              f"{r['nd_s'] / r['floor_s']:>7.1f}{r['releases'] / r['ours_s']:>7.1f}"
              f"{r['releases'] / r['nd_s']:>8.1f}{r['releases'] / r['nv_s']:>8.1f}"
              f"{r['ours_rss']:>9.0f}{r['floor_rss']:>10.0f}{r['store_mb']:>10.1f}")
    print(f"(medians of {args.repeat} runs; full = policykg build (SHACL, VoID, six dumps); "
          f"no-dump = --no-dumps; bare = --no-validate --no-dumps; ratio = no-dump / floor; "
          f"rel/s, rel/s-, rel/s* = releases/s of full, no-dump, bare; peak RSS: the max "
          f"over all our runs; work dir {work})")


if __name__ == "__main__":
    main()
