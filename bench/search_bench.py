"""Search benchmark (not a test): how fast are full-text search and the search box's
suggestions on a large store, and did the suggestions keep their speed?

One store built from N generated releases (bench/generate_releases.py, 1,000 by default;
built by page_bench's `build_store`, kept in --workdir), with its full-text index
(graph/search_index.py). `policykg serve` (the production command and defaults) answers
three streams, on 127.0.0.1:
- fulltext: `GET /search?q=…` (the results page: things by name, then 20 statements with
            highlighted snippets), the words drawn from the statements' quotes: one to
            three consecutive words of a quote, so most find something, many find a lot;
- json:     `GET /search.json?q=…` with the same words (things and 10 statements);
- suggest:  `GET /search.json?q=…&limit=8&only=things`, what the search box asks as one
            types: the first 3 to 8 characters of a thing's label;
- cached:   the fulltext stream's requests without their tags, so each is the same
            request again after its first: what the server's response cache gives a
            search asked before (the other streams are cold, see below);
- floor:    `GET /search.json?q=` (nothing to search), tagged: what the server, Flask and
            the search view cost without searching, the part of the others' CPU time
            that is not the search's.
With `--before DIR` (a checkout of an earlier policykg, e.g. `git worktree add DIR
<commit>`), that checkout's server answers the same fulltext, json and suggest streams on
the same store, in the same rounds ("fulltext-before", …; a checkout from before the
full-text index searches names only), and the table ends with ours ÷ before for each.

Every request but the cached stream's carries a unique tag (`&bench=…`), so the server's
response cache never answers: these are cold figures. Load: wrk with endpoint_bench's
runner and page_bench's path script. Cells (stream × concurrency) are interleaved over the
rounds; the table shows medians, with the server's CPU time per request (its processes'
user and system time over a cell ÷ its requests: on a loaded machine, latency measures the
other processes more than ours). Target: full-text search p50 < 20 ms at 16 clients; on
2 cores, 16 clients wait about 8 requests' CPU time each, so ≤ ~2.5 ms of CPU a request.

    python bench/search_bench.py [-n 1000] [--duration 10] [--rounds 3]
                                 [--concurrency 1 16] [--before DIR] [--workdir DIR]
    python bench/search_bench.py -n 20 --duration 2 --rounds 1   # a smoke check
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
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
    _wait_ready,
    settle,
    stop_servers,
)
from page_bench import PathWrk, Stream, build_store, machine, revision  # noqa: E402

from graph.search_index import INDEX, held, readable  # noqa: E402
from policykg.cli import SERVE_THREADS, SERVE_WORKERS  # noqa: E402
from server.fulltext import Index  # noqa: E402

TARGET_MS = 20.0
QUERIES = 400  # distinct queries per stream
HTML, JSON = "text/html", "application/json"
COMPARED = ("fulltext", "json", "suggest")  # the streams a --before checkout answers too
WORD = re.compile(r"[A-Za-z]{4,}")


def fulltext_queries(index: Path, rng: random.Random) -> list[str]:
    """One to three consecutive words (of four letters or more) of random quotes."""
    quotes = [statement.quote for statement in held(index)]  # oldest first, as built
    found = []
    while len(found) < QUERIES:
        words = WORD.findall(rng.choice(quotes))
        if words:
            size = rng.choice((1, 2, 2, 3))
            start = rng.randrange(max(1, len(words) - size + 1))
            found.append(" ".join(words[start:start + size]))
    return found


def suggest_queries(index: Path, rng: random.Random) -> list[str]:
    """The first 3 to 8 characters of random labels: a name being typed."""
    labels = [label for label, _, _ in Index(index).all_names()]
    return [rng.choice(labels)[:rng.randint(3, 8)] for _ in range(QUERIES)]


def streams(work: Path, index: Path, before: bool) -> list[Stream]:
    rng = random.Random(5)
    words, names = fulltext_queries(index, rng), suggest_queries(index, rng)

    def paths(template: str, queries: list[str]) -> list[str]:
        return [template.format(q=urllib.parse.quote(q, safe="")) for q in queries]

    fulltext = Stream("fulltext", HTML, work / "paths-fulltext.txt",
                      paths("/search?q={q}&bench=", words), "ours")
    made = [fulltext, Stream("cached", HTML, fulltext.file, fulltext.paths, "ours"),
            Stream("json", JSON, work / "paths-json.txt",
                   paths("/search.json?q={q}&bench=", words), "ours"),
            Stream("suggest", JSON, work / "paths-suggest.txt",
                   paths("/search.json?q={q}&limit=8&only=things&bench=", names), "ours"),
            Stream("floor", JSON, work / "paths-floor.txt",
                   ["/search.json?q=&only=things&bench="], "ours")]
    if before:
        made += [Stream(f"{stream.name}-before", stream.accept, stream.file, stream.paths,
                        "before") for stream in made if stream.name in COMPARED]
    for stream in made:  # (a before stream shares its file with ours)
        stream.file.write_text("".join(p + "\n" for p in stream.paths))
    return made


def _mode(stream: Stream) -> str:
    """Wrk.run's mode: the cached stream repeats its paths untagged, the others are tagged."""
    return "repeat" if stream.name == "cached" else "cold"


def serve(name: str, store: Path, checkout: Path, log: Path, workers: int,
          threads: int) -> Server:
    """`policykg serve` from a checkout (its own directory first on the module path)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykg", "serve", "--store", str(store), "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--threads",
         str(threads), "--timeout", "600"],
        cwd=checkout, env=env, stdout=subprocess.DEVNULL,
        stderr=(log / f"{name}.log").open("wb"), start_new_session=True)
    server = Server(name, proc, port, "/sparql", lambda: [proc.pid, *_children(proc.pid)])
    _wait_ready(server, log)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="generated releases (1000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per cell")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=SERVE_WORKERS)
    parser.add_argument("--threads", type=int, default=SERVE_THREADS)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--client-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--before", type=Path,
                        help="an earlier checkout answering the same streams, side by side")
    parser.add_argument("--workdir", type=Path, help="keeps the generated store")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store, quads = build_store(work, args.n)
    index = store.resolve() / INDEX
    if not readable(index):
        sys.exit(f"{store} has no full-text index ({INDEX}): built by an older policykg?")
    all_streams = streams(work, index, args.before is not None)
    log = work / f"logs-{args.n}"
    log.mkdir(exist_ok=True)
    wrk = PathWrk(work, args.client_threads, args.duration)
    measured = revision()
    servers = {"ours": serve("ours", store, ROOT, log, args.workers, args.threads)}
    if args.before:
        servers["before"] = serve("before", store, args.before.resolve(), log, args.workers,
                                  args.threads)
    results: dict[tuple[str, int], list[Sample]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}  # the server's CPU ms per request
    try:
        for s in all_streams:  # warm: each worker opens the store and its index
            wrk.run(servers[s.server], s, 4, _mode(s), duration=2)
        for r in range(args.rounds):
            order = all_streams[r % len(all_streams):] + all_streams[:r % len(all_streams)]
            for clients in args.concurrency:
                for s in order:
                    settle(servers)
                    before = _cpu_ticks(servers[s.server].pids())
                    sample = wrk.run(servers[s.server], s, clients, _mode(s))
                    ticks = _cpu_ticks(servers[s.server].pids()) - before
                    results.setdefault((s.name, clients), []).append(sample)
                    cpu.setdefault((s.name, clients), []).append(
                        ticks * 1000 / os.sysconf("SC_CLK_TCK")
                        / max(1, sample.rps * args.duration))
                    print(f"round {r + 1} {s.name} c={clients}: {sample.rps:.0f} req/s, "
                          f"p50 {sample.p50_ms:.1f} ms, p99 {sample.p99_ms:.1f} ms, "
                          f"{cpu[s.name, clients][-1]:.2f} ms CPU a request", file=sys.stderr)
    finally:
        stop_servers(servers)
    print(f"\n{quads:,} quads ({args.n} generated releases); {machine()}; load average "
          f"{os.getloadavg()[0]:.1f} at the end; {args.workers} workers × {args.threads} "
          f"threads; medians of {args.rounds} rounds of {args.duration} s cells; "
          f"commit {measured}")
    print(f"{'stream':<15} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'CPU ms':>7}  target p50 < {TARGET_MS:g} ms (fulltext)")
    for (name, clients), samples in results.items():
        p50 = _median(samples, "p50_ms")
        met = ("yes" if p50 < TARGET_MS else "NO") if name == "fulltext" else ""
        print(f"{name:<15} {clients:>7} {_median(samples, 'rps'):>8.0f} {p50:>8.1f} "
              f"{_median(samples, 'p99_ms'):>8.1f} {sum(s.errors for s in samples):>6} "
              f"{statistics.median(cpu[name, clients]):>7.2f}  {met}")
    for (name, clients), samples in results.items():
        earlier = results.get((f"{name}-before", clients))
        if earlier:
            ratio = statistics.median(cpu[name, clients]) / statistics.median(
                cpu[f"{name}-before", clients])
            print(f"{name} c={clients}: ours ÷ before p50 "
                  f"{_median(samples, 'p50_ms') / _median(earlier, 'p50_ms'):.2f}, "
                  f"CPU {ratio:.2f}")
    print(f"(work dir {work})")


if __name__ == "__main__":
    main()
