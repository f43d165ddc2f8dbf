"""Dump benchmark (not a test): how long do the build's dumps take, and do they stream with
flat memory?

One generated graph (bench/endpoint_bench.py's generator: default 1M triples in two named
graphs) is bulk-loaded into a pyoxigraph store once. Then a fresh subprocess opens the store
read-only and writes the six dumps with `graph.dump_members.write_dumps` (each graph's
N-Quads member from the store, sorted in runs — a build writes those while it loads —, every
other member parsed back from them; members concatenated into the dumps): once in that one
process, once with a process per core beside it (as builds of 100k quads and more do).
Printed: wall time and the subprocess's peak RSS (its VmHWM, read by itself at the end:
getrusage's maxrss would count the pages a fork shares with this parent; the helper
processes of the second run are not counted, each holds about as much as the first run),
beside a subprocess that only opens the store (the floor); then each file's compressed size.

    python bench/dump_bench.py [--triples 1000000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from endpoint_bench import generate  # noqa: E402
from pyoxigraph import RdfFormat, Store  # noqa: E402

from graph import dump_members, dumps  # noqa: E402


def child(processes: str, store_dir: str, out: str) -> None:
    store = Store.read_only(store_dir)
    if processes != "0":
        dump_members.write_dumps(store, Path(out), "bench", processes=int(processes))
    status = Path("/proc/self/status").read_text()
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def run_child(processes: int, store: Path, out: Path) -> tuple[float, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", str(processes), str(store),
                           str(out)], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(done.stdout.split()[-1]) / 1024  # kB → MiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="dump-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store_dir = work / f"store-{args.triples}"
    if not store_dir.is_dir():
        data = work / f"graph-{args.triples}.nq"
        start = time.perf_counter()
        quads = generate(data, args.triples)
        store = Store(str(store_dir))
        store.bulk_load(path=str(data), format=RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        del store
        data.unlink()
        print(f"generated and loaded {quads} quads in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
    out = work / "dumps"
    cores = os.cpu_count() or 1
    print(f"{'run':<22} {'seconds':>8} {'peak RSS MiB':>13}")
    for label, processes in (("(open only)", 0), ("six dumps, 1 process", 1),
                             (f"six dumps, {cores} processes", cores)):
        seconds, rss = run_child(processes, store_dir, out)
        print(f"{label:<22} {seconds:>8.1f} {rss:>13.0f}", flush=True)
    print("\n" + "  ".join(f"{fmt.key} {(out / fmt.file_name).stat().st_size / 2**20:.1f} MiB"
                           for fmt in dumps.FORMATS))

if __name__ == "__main__":
    main()
