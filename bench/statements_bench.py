"""The statements table benchmark (not a test): how fast is `/statements` with facets, under
load, on a store of many releases?

One store built from N generated releases (bench/page_bench.py's build_store: the same
store, kept in --workdir; 1,000 releases ≈ 0.85M quads, 13,945 statements), served by
`policykg serve` with its defaults. The request stream is what a reader of the table
asks for: the whole table and filtered views (none, one or two facets, one or two values
of a facet, drawn from the values the table's own JSON lists with counts), in any of its
six orders, pages 1-3 of 50 rows — every request an HTML page with all eight facets'
counts. Every request carries a unique `bench=` tag (the table ignores unknown
parameters), so the server's response cache never answers: each is computed.

The server's CPU time per request (its processes' ticks over a cell ÷ the requests) is
printed beside wrk's figures: on a loaded machine latency says more about the other
processes than about ours, and CPU per request × clients ÷ cores is the latency a quiet
machine would give once the clients outnumber the cores.

Before the load, the first request to a fresh server is timed: what a worker's first
`/statements` costs (the table read from the store, or from the copy `policykg pages`
keeps with --pages). Then wrk (bench/endpoint_bench.py's runner, page_bench's Lua) runs
each concurrency for --duration seconds, --rounds times; the medians are printed.

    python bench/statements_bench.py [-n 1000] [--duration 10] [--rounds 3]
                                     [--concurrency 1 4 16] [--pages] [--workdir DIR]
    python bench/statements_bench.py -n 20 --duration 2 --rounds 1   # a smoke check

Needs `wrk` (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from endpoint_bench import (  # noqa: E402
    Sample,
    Server,
    _children,
    _cpu_ticks,
    _free_port,
    _median,
    settle,
    stop_servers,
)
from page_bench import PathWrk, Stream, build_store, get, machine, render_pages, revision  # noqa: E402, I001

from policykg.cli import SERVE_THREADS, SERVE_WORKERS  # noqa: E402

TARGET_MS = 50.0
HTML = "text/html"
SORTS = ("date", "-date", "meeting", "-meeting", "speaker", "-speaker")


def start(store: Path, workers: int, threads: int, log: Path) -> Server:
    port = _free_port()
    command = [sys.executable, "-m", "policykg", "serve", "--store", str(store), "--host",
               "127.0.0.1", "--port", str(port), "--workers", str(workers), "--threads",
               str(threads), "--timeout", "600"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=(log / "ours.log").open("wb"), start_new_session=True)
    server = Server("ours", proc, port, "/statements", lambda: _children(proc.pid))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"policykg serve exited: {(log / 'ours.log').read_text()[-1500:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            if get(conn, "/healthz", "text/plain")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    sys.exit("policykg serve did not answer within 120 s")


def facet_values(server: Server) -> dict[str, list[str]]:
    """Each facet's values as the table's JSON lists them (the most frequent first), as
    the URL writes them."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    conn.request("GET", "/statements.json?size=1")
    found = json.loads(conn.getresponse().read())
    values = {}
    for name, facet in found["facets"].items():
        values[name] = [urllib.parse.parse_qs(urllib.parse.urlsplit(v["href"]).query)[name][0]
                        for v in facet["values"]]
    return values


def stream_of(values: dict[str, list[str]], count: int, seed: int = 3) -> list[str]:
    """Request paths: 0-2 facets, 1-2 values each, an order, a page of 1-3."""
    rng = random.Random(seed)
    facets = [name for name, found in values.items() if found]
    paths = []
    for _ in range(count):
        pairs = []
        for name in rng.sample(facets, rng.choice((0, 1, 1, 2, 2))):
            pairs += [(name, v) for v in rng.sample(values[name], min(len(values[name]),
                                                                      rng.choice((1, 1, 2))))]
        pairs += [("sort", rng.choice(SORTS)), ("page", str(rng.choice((1, 1, 2, 3))))]
        paths.append(f"/statements?{urllib.parse.urlencode(pairs, safe='/')}&bench=")
    return paths


def first_request(server: Server) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    status, size, ms = get(conn, "/statements?bench=first", HTML)
    if status != 200:
        sys.exit(f"/statements answered {status}")
    return ms, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="generated releases")
    parser.add_argument("--duration", type=int, default=10, help="seconds per cell")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=SERVE_WORKERS)
    parser.add_argument("--threads", type=int, default=SERVE_THREADS)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=1000, help="distinct paths")
    parser.add_argument("--pages", action="store_true",
                        help="run `policykg pages` first (keeps the table beside the store)")
    parser.add_argument("--workdir", type=Path, help="keeps the generated store")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-statements-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store, quads = build_store(work, args.n)
    rendered = render_pages(store) if args.pages else "no pages (the table read from the store)"
    log = work / f"logs-statements-{args.n}"
    log.mkdir(exist_ok=True)
    measured = revision()
    server = start(store, args.workers, args.threads, log)
    try:
        first_ms, first_size = first_request(server)
        values = facet_values(server)
        paths = stream_of(values, args.requests)
        stream = Stream("statements", HTML, work / "paths-statements.txt", paths, "ours")
        stream.file.write_text("".join(p + "\n" for p in paths))
        wrk = PathWrk(work, 1, args.duration)
        # every worker reads its table before anything is measured
        wrk.run(server, stream, max(args.concurrency), False, duration=max(20, args.duration))
        results: dict[int, list[Sample]] = {}
        cpu: dict[int, list[float]] = {}  # the server's CPU ms per request
        for r in range(args.rounds):
            for clients in args.concurrency:
                settle({"ours": server})
                before = _cpu_ticks([server.proc.pid, *server.pids()])
                sample = wrk.run(server, stream, clients, False)
                ticks = _cpu_ticks([server.proc.pid, *server.pids()]) - before
                results.setdefault(clients, []).append(sample)
                cpu.setdefault(clients, []).append(
                    ticks * 1000 / os.sysconf("SC_CLK_TCK") / max(1, sample.rps * args.duration))
                print(f"round {r + 1} c={clients}: {sample.rps:.0f} req/s p50 "
                      f"{sample.p50_ms:.1f} ms p99 {sample.p99_ms:.1f} ms errors "
                      f"{sample.errors}; {cpu[clients][-1]:.1f} ms CPU a request",
                      file=sys.stderr)
    finally:
        stop_servers({"ours": server})
    print(f"\n{quads:,} quads ({args.n} generated releases); {machine()}; load average "
          f"{os.getloadavg()[0]:.1f} at the end; {args.workers} workers × {args.threads} "
          f"threads; medians of {args.rounds} rounds of {args.duration} s; commit {measured}")
    print(f"stream: {len(paths)} distinct /statements pages (0-2 facets, 1-2 values each, "
          "6 orders, pages 1-3 of 50 rows), every request tagged (no response cache hits)")
    print(f"a worker's first /statements: {first_ms:,.0f} ms ({first_size / 1024:.0f} KB); "
          f"{rendered}")
    target = f"p50 < {TARGET_MS:g}"
    head = (f"{'c':>3}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{target:>10}"
            f"{'CPU ms/req':>12}")
    print(head + "\n" + "-" * len(head))
    for clients in args.concurrency:
        samples = results[clients]
        p50 = _median(samples, "p50_ms")
        print(f"{clients:>3}{_median(samples, 'rps'):>10,.1f}{p50:>9.1f}"
              f"{_median(samples, 'p99_ms'):>9.1f}{sum(s.errors for s in samples):>8}"
              f"{'yes' if p50 < TARGET_MS else 'NO':>10}{statistics.median(cpu[clients]):>12.1f}")


if __name__ == "__main__":
    main()
