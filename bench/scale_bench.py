"""Engine benchmark (not a test): what does `policykg serve` cost in front of an engine,
beside the embedded store? One run, side by side on the endpoint bench's graph and query
mix (bench/endpoint_bench.py):
- embedded: `policykg serve --store DIR`;
- oxigraph: `policykg serve --engine` in front of `oxigraph serve`;
- virtuoso: `policykg serve --engine` in front of Virtuoso Open Source (skipped if absent);
and then, in the same run, nginx (deploy/render_nginx.py) in front of one embedded
front-end and in front of two, at --nginx-clients (32) clients driven by wrk, each with
distinct GETs (cold: no cache answers them) and one GET repeated (cached: nginx's
proxy_cache answers it); bench/replicas_bench.py starts and measures them.
The engines are started as the tests start them (tests/engines.py) and the store is
published to each with `policykg publish`; each query's answer is checked to have the same
number of rows from all three before anything is measured.

Each cell (server × query) sends distinct queries (the entity, class or word varies) for
--duration seconds from --clients threads over keep-alive connections (httpx), and reports
requests per second and the median and 99th-percentile latency; ratios are against
embedded. A Python client on a 2-core machine measures itself too: compare the columns,
not the absolute figures. Needs nginx and wrk (Debian) for the front-end cells.

    python bench/scale_bench.py [--triples 100000] [--duration 5] [--clients 4]
                                [--nginx-clients 32] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from endpoint_bench import EX, _oxigraph, generate, query_mix  # noqa: E402 (a sibling script)
from replicas_bench import FRONT_END_CELLS, front_end_cells  # noqa: E402 (a sibling script)

from policykg.cli import SERVE_THREADS, SERVE_WORKERS  # noqa: E402
from tests.conftest import free_port, policykg_command  # noqa: E402
from tests.engines import ENGINES, Running  # noqa: E402

DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def build_store(work: Path, triples: int) -> Path:
    """The endpoint bench's graph, with the metadata graph a policykg store has (its base,
    version and date: what publish and serve read), loaded by `oxigraph load`."""
    store = work / f"store-{triples}"
    if store.is_dir():
        return store
    data = work / f"graph-{triples}.nq"
    generate(data, triples)
    dataset, graph = f"<{EX}dataset>", f"<{EX}graph/metadata>"
    with data.open("a", encoding="utf-8") as out:
        for p, o in ((f"{VOID}uriSpace", f'"{EX}"'), (f"{DCAT}version", f'"bench-{triples}"'),
                     (f"{DCTERMS}identifier", f'"bench-{triples}"'),
                     (f"{DCTERMS}modified", f'"2026-01-01T00:00:00Z"^^<{XSD}dateTime>')):
            out.write(f"{dataset} <{p}> {o} {graph} .\n")
    subprocess.run([_oxigraph(), "load", "--location", str(store), "--file", str(data)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    data.unlink()
    return store


@contextlib.contextmanager
def policykg_serve(args: list[str], home: Path, timeout: float):
    port = free_port()
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "POLICYKG_MAX_ROWS": "0"}
    log = home / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*policykg_command(), "serve", *args, "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(SERVE_WORKERS), "--timeout", str(timeout)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            if process.poll() is not None:
                sys.exit(f"policykg serve {' '.join(args)} exited:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def rows(client: httpx.Client, url: str, query: str, accept: str) -> int:
    response = client.get(url, params={"query": query}, headers={"Accept": accept})
    response.raise_for_status()
    if accept.endswith("json"):
        return len(response.json()["results"]["bindings"])
    return response.content.count(b"\n")


def measure(url: str, queries: tuple[str, ...], accept: str, clients: int,
            duration: float) -> tuple[float, float, float, int]:
    """req/s, p50 ms, p99 ms, failures."""
    latencies: list[float] = []
    failures = [0]
    stop = time.monotonic() + duration

    def client(number: int) -> None:
        with httpx.Client(timeout=60) as http:
            n = number
            while time.monotonic() < stop:
                query = f"{queries[n % len(queries)]}\n# c{number} n{n}"
                started = time.perf_counter()
                try:
                    ok = http.get(url, params={"query": query},
                                  headers={"Accept": accept}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - started) * 1000)
                failures[0] += not ok
                n += clients

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return (len(latencies) / elapsed, statistics.median(ordered),
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], failures[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--nginx-clients", type=int, default=32,
                        help="clients of the front-ends-behind-nginx cells")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    store = build_store(work, args.triples)
    queries = query_mix(max(2, args.triples // 9))
    with contextlib.ExitStack() as stack:
        urls = {"embedded": stack.enter_context(policykg_serve(["--store", str(store)], work,
                                                               60))}
        for name, start in ENGINES.items():
            directory = work / name
            directory.mkdir(exist_ok=True)
            try:
                running: Running = stack.enter_context(start(directory))
            except BaseException as exc:  # pytest's skip: not installed here
                print(f"{name}: skipped ({exc})", file=sys.stderr)
                continue
            subprocess.run([*policykg_command(), "publish", "--store", str(store), "--to",
                            running.url, *running.auth_args], check=True)
            urls[name] = stack.enter_context(policykg_serve(["--engine", running.url], work,
                                                            60))
        with httpx.Client(timeout=120) as http:
            for query in queries:
                counts = {name: rows(http, url, query.variants[0], query.accept)
                          for name, url in urls.items()}
                if len(set(counts.values())) != 1:
                    print(f"{query.name}: different answers {counts}", file=sys.stderr)
        print(f"{args.triples} triples, {args.clients} clients, {args.duration:g} s a cell, "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'query':10} {'server':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'fail':>5} {'× embedded':>11}")
        for query in queries:
            base = None
            for name, url in urls.items():
                rate, p50, p99, failed = measure(url, query.variants, query.accept,
                                                 args.clients, args.duration)
                base = base or rate
                print(f"{query.name:10} {name:9} {rate:8.1f} {p50:8.1f} {p99:8.1f} "
                      f"{failed:5d} {rate / base:10.2f}×", flush=True)
    print_front_ends(store, work, queries, args)


def print_front_ends(store: Path, work: Path, queries: list, args: argparse.Namespace) -> None:
    """1 vs 2 front-ends behind nginx, with the engines stopped: the point lookup, cold and
    cached, at --nginx-clients."""
    point = next(q for q in queries if q.name == "point")
    cells = front_end_cells(store, work / "front-ends", point, args.nginx_clients,
                            max(1, round(args.duration)), SERVE_WORKERS, SERVE_THREADS,
                            cache_seconds=2)
    print(f"\nnginx in front of 1 and of 2 embedded front-ends ({SERVE_WORKERS} workers × "
          f"{SERVE_THREADS} threads each), {args.nginx_clients} clients (wrk), the point "
          f"lookup, load average {os.getloadavg()[0]:.1f}")
    print(f"{'cell':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5} "
          f"{'× 1 front-end':>14}")
    for column, _, mode in FRONT_END_CELLS:
        sample = cells[column]
        one = next(cells[c] for c, n, m in FRONT_END_CELLS if n == 1 and m == mode)
        print(f"{column:20} {sample.rps:8.1f} {sample.p50_ms:8.1f} {sample.p99_ms:8.1f} "
              f"{sample.errors:5d} {sample.rps / one.rps:13.2f}×", flush=True)


if __name__ == "__main__":
    main()
