"""Replicas benchmark (not a test): what does nginx in front of policykg give, beside one
front-end answered directly? The deployment of docs/deploy.md, on one machine.

One generated graph (default 10k triples, the size of the figure quoted below; see
bench/endpoint_bench.py, whose graph, query mix and wrk driver this reuses) served by two
`policykg serve` front-ends (`--front-end-workers` × `--threads` each), and nginx from
deploy/render_nginx.py in front of both, with its proxy cache. Cells:
- direct cached: one identical GET (the point lookup) repeated to one front-end: each
  worker answers from its response cache (server/front_cache.py) after its first;
- nginx cached:  the same GET through nginx: answered from proxy_cache (revalidated with
  the front-ends every `--cache-seconds`);
- direct cold / nginx cold: every request distinct (a unique `#` comment), so no cache
  answers: the price of the extra hop, and both front-ends behind nginx.
Beside them, the figure issue #13 quotes for the home-made HTTP/1.1 server and its cache,
measured on another day (10k triples, 16 clients): ~88k req/s on repeated GETs.

    python bench/replicas_bench.py [--triples 10000] [--duration 10] [--rounds 3]
                                   [--concurrency 16 32] [--front-end-workers 2]
                                   [--threads 2] [--workdir DIR]

Needs nginx (Debian package nginx), wrk and the `bench` extra (the `oxigraph` CLI).
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from endpoint_bench import (  # noqa: E402 (a sibling script, run from anywhere)
    JSON_RESULTS,
    ROOT,
    TRIPLES_PER_ENTITY,
    Query,
    Sample,
    Server,
    Wrk,
    _children,
    _free_port,
    _median,
    _wait_ready,
    build_store,
    query_mix,
    settle,
    stop_servers,
)

# (column, server, mode of endpoint_bench's Wrk.run: one GET repeated, or distinct GETs)
CELLS = (("direct cached", "direct", "repeat"), ("nginx cached", "nginx", "repeat"),
         ("direct cold", "direct", "cold"), ("nginx cold", "nginx", "cold"))
# bench/scale_bench.py's cells: (column, front-ends behind nginx, mode)
FRONT_END_CELLS = (("1 front-end cold", 1, "cold"), ("2 front-ends cold", 2, "cold"),
                   ("1 front-end cached", 1, "repeat"), ("2 front-ends cached", 2, "repeat"))
HOME_MADE_CACHED = 88_000  # req/s, issue #13: the deleted HTTP/1.1 server's cache, 16 clients


def start_front_end(name: str, store: Path, workers: int, threads: int, log: Path) -> Server:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykg", "serve", "--store", str(store), "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--threads",
         str(threads), "--timeout", "600"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(log / f"{name}.log").open("wb"),
        start_new_session=True)
    server = Server(name, proc, port, "/sparql", lambda: _children(proc.pid))
    _wait_ready(server, log)
    return server


def start_nginx(front_ends: list[Server], work: Path, cache_seconds: int, log: Path,
                name: str = "nginx") -> Server:
    """nginx as deploy/render_nginx.py configures it, its prefix (pid, logs, cache) in
    work/name, so that more than one can run side by side."""
    prefix, port = work / name, _free_port()
    shutil.rmtree(prefix, ignore_errors=True)
    user = ["--user", getpass.getuser()] if os.geteuid() == 0 else []
    rendered = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "render_nginx.py"), "--listen",
         f"127.0.0.1:{port}", "--prefix", str(prefix), "--cache-seconds", str(cache_seconds),
         *user, *(a for s in front_ends for a in ("--upstream", f"127.0.0.1:{s.port}"))],
        capture_output=True, text=True, check=True)
    (prefix / "nginx.conf").write_text(rendered.stdout)
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        sys.exit("nginx is missing: apt-get install nginx")
    proc = subprocess.Popen(
        [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
         str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=(log / f"{name}.log").open("wb"),
        start_new_session=True)
    server = Server(name, proc, port, "/sparql", lambda: _children(proc.pid))
    _wait_ready(server, log)
    return server


def stop_nginx(server: Server) -> None:
    """SIGQUIT: nginx's graceful stop (its workers finish what they send)."""
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGQUIT)
        server.proc.wait(timeout=30)


def front_end_cells(store: Path, work: Path, query: Query, clients: int, duration: int,
                    workers: int, threads: int, cache_seconds: int) -> dict[str, Sample]:
    """nginx in front of one front-end and, beside it, nginx in front of two (the first and
    another), each cell of FRONT_END_CELLS measured once by wrk at `clients`: what a second
    front-end adds behind the proxy, for bench/scale_bench.py."""
    log = work / "logs"
    log.mkdir(parents=True, exist_ok=True)
    wrk = Wrk(work, 1, duration)
    front_ends: dict[str, Server] = {}
    proxies: dict[int, Server] = {}
    try:
        for n in range(2):
            front_ends[f"front-{n}"] = start_front_end(f"front-{n}", store, workers, threads,
                                                       log)
        for count in (1, 2):
            proxies[count] = start_nginx(list(front_ends.values())[:count], work,
                                         cache_seconds, log, name=f"nginx-{count}")
        for _, count, mode in FRONT_END_CELLS:  # every worker and both caches have seen it
            wrk.run(proxies[count], query, clients, mode, duration=2)
        results = {}
        for column, count, mode in FRONT_END_CELLS:
            settle({**front_ends, **{p.name: p for p in proxies.values()}})
            results[column] = wrk.run(proxies[count], query, clients, mode)
        return results
    finally:
        for proxy in proxies.values():
            stop_nginx(proxy)
        stop_servers(front_ends)


def cache_status(server: Server, query: Query) -> str:
    statuses = [server.fetch(query.variants[0], query.accept)[1].get("X-Cache-Status", "-")
                for _ in range(3)]
    return " ".join(statuses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per cell")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--front-end-workers", type=int, default=2,
                        help="worker processes of each of the two front-ends")
    parser.add_argument("--threads", type=int, default=2, help="app threads per worker")
    parser.add_argument("--cache-seconds", type=int, default=2,
                        help="nginx's reuse window before revalidation (the default's)")
    parser.add_argument("--client-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workdir", type=Path, help="keeps the generated store")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-replicas-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store, quads = build_store(work, args.triples)
    point = next(q for q in query_mix(quads // TRIPLES_PER_ENTITY) if q.name == "point")
    assert point.accept == JSON_RESULTS
    log = work / "logs"
    log.mkdir(exist_ok=True)
    wrk = Wrk(work, args.client_threads, args.duration)
    servers: dict[str, Server] = {}
    try:
        front_ends = [start_front_end(f"front-{n}", store, args.front_end_workers,
                                      args.threads, log) for n in range(2)]
        servers = {"direct": front_ends[0], "other": front_ends[1],
                   "nginx": start_nginx(front_ends, work, args.cache_seconds, log)}
        for _, name, mode in CELLS:  # every worker and nginx have seen the query
            wrk.run(servers[name], point, 16, mode, duration=2)
        statuses = cache_status(servers["nginx"], point)
        results: dict[tuple[int, str], list[Sample]] = {}
        for r in range(args.rounds):
            order = CELLS[r % len(CELLS):] + CELLS[:r % len(CELLS)]
            for clients in args.concurrency:
                for column, name, mode in order:
                    settle(servers)
                    sample = wrk.run(servers[name], point, clients, mode)
                    results.setdefault((clients, column), []).append(sample)
                    print(f"round {r + 1} c={clients} {column}: {sample.rps:.0f} req/s "
                          f"p99 {sample.p99_ms:.1f} ms errors {sample.errors}",
                          file=sys.stderr)
    finally:
        if "nginx" in servers:
            stop_nginx(servers.pop("nginx"))
        stop_servers(servers)
    print(f"\n{quads:,} triples; 2 front-ends × {args.front_end_workers} workers × "
          f"{args.threads} threads; nginx worker_processes auto ({os.cpu_count()} cores); "
          f"cache window {args.cache_seconds} s; medians of {args.rounds} rounds of "
          f"{args.duration} s; nginx X-Cache-Status on the repeated GET: {statuses}")
    print(f"{'clients':>7} | " + " | ".join(f"{c:>24}" for c, _, _ in CELLS))
    for clients in args.concurrency:
        cells = []
        for column, _, _ in CELLS:
            samples = results[(clients, column)]
            cells.append(f"{_median(samples, 'rps'):>8.0f}/s p99 {_median(samples, 'p99_ms'):5.1f}"
                         f" ms e{sum(s.errors for s in samples)}")
        print(f"{clients:>7} | " + " | ".join(f"{c:>24}" for c in cells))
    print(f"home-made HTTP server's cache (issue #13, another day, 16 clients): "
          f"~{HOME_MADE_CACHED:,} req/s on repeated GETs")


if __name__ == "__main__":
    main()
