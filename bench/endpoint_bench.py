"""Endpoint benchmark (not a test): what do our SPARQL endpoint's features cost, and how
does it stand beside `oxigraph serve`?

One generated graph (default 1M triples; `--triples 10000` for a small one), loaded once
with `oxigraph load` into one store directory that three servers read at the same time,
all on 127.0.0.1:
- floor:    bench/endpoint_floor.py, a 40-line Flask + pyoxigraph app (GET → serialize),
            under gunicorn sync workers (`--workers`, default 2 × cores + 1, gunicorn's
            advice for sync workers);
- ours:     `policykg serve --store DIR` (the production command with its defaults, or
            `--ours-workers` / `--threads`: granian's ASGI server, cache hits answered
            in its event loop and the rest by the WSGI app on threads (a2wsgi) behind
            the request-body deadline — checks from a parse, negotiation, ETag, queries
            in confined evaluator processes — and jemalloc preloaded when the machine
            has it, as `policykg serve` does);
- oxigraph: `oxigraph serve-read-only --union-default-graph` (Rust, multi-threaded; its
            thread count is not configurable).
Every server answers over the union of the graphs, and each query's result is checked to
be the same on all three before anything is measured.

Query mix: a point lookup (`SELECT ?p ?o { <e> ?p ?o }`), a DESCRIBE of one entity, a
1-hop join with labels (the entities of one category linked to those of one class, ~600
rows on 1M), a GROUP BY count over one class, and a CONTAINS filter over every
description (a full scan, ~600 rows on 1M). Results stay under 1 MB, the size our cache
keeps. Queries that take seconds would leave a cell with a handful of requests; these
take 5-150 ms alone on 1M triples. "Cold" requests are all distinct (the
entity, class or word varies, and a unique `#` comment ends each query), so our
response cache never hits; floor and oxigraph get the same distinct stream. "Cached"
repeats one identical GET, so ours answers from its cache after the first request of
each worker; its ratio is taken against oxigraph on the same repeated GET ("oxi rep").
"Post" sends ours the cold stream as form POSTs (the workbench's way), whose bodies go
through the body deadline (server/body_deadline.py) before the app.

Load generator: wrk (Debian package `wrk`; `apt-get install wrk`) with a Lua script that
builds each request, one client thread by default. A Python client cannot drive ~10k
req/s on 2 cores without measuring itself; wrk is an epoll loop in C that stays a small
share of the CPU. Latency is wrk's per request (from the request's write to the end of
its response). wrk keeps connections alive where the server allows it (ours and
oxigraph); the floor's sync workers close each one, so its reconnects show in req/s, not
in the percentiles.

Cells (server × query × concurrency) are interleaved in one run: each round walks every
query and concurrency, and runs the servers one after another in an order rotated each
round; the table shows medians over the rounds. After each cell the run waits until the
servers' processes are idle (their CPU time stops growing): a server goes on evaluating
the requests still queued when wrk stops, which would otherwise be charged to the next
cell. Ratios are ours / floor and ours /
oxigraph; a `!` marks a ratio under its target (cold ≥ 0.9 × floor everywhere; cold ≥ 0.9
× oxigraph on join, group and text; cached ≥ 1.0 × oxigraph repeated).

Streaming: after the rounds, `SELECT * { ?s ?p ?o }` is downloaded whole from each server
while the RSS (VmRSS) of its serving processes is sampled; the line shows the largest
growth of one process (target for ours: < 100 MB).

    python bench/endpoint_bench.py [--triples 1000000] [--duration 10] [--rounds 3]
                                   [--workers N] [--ours-workers N] [--threads N]
                                   [--queries point describe join group text]
                                   [--concurrency 1 4 16] [--workdir DIR]

A round is 90 cells (5 queries × 3 concurrencies × 6 columns), so the defaults (3 rounds
of 10 s) take about 45 minutes on 1M triples, most of it measuring; run it on a quiet
machine. Needs the `bench` extra (`pip install -e .[bench]`: the `oxigraph` CLI) and `wrk`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from policykg.cli import SERVE_THREADS, SERVE_WORKERS

ROOT = Path(__file__).resolve().parent.parent
FLOOR_WORKERS = (os.cpu_count() or 1) * 2 + 1  # gunicorn's advice for sync workers
EX = "http://bench.example/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
CLASSES = 10
CATEGORIES = 50
WORDS = 2000
TRIPLES_PER_ENTITY = 9
HEAVY = ("join", "group", "text")
JSON_RESULTS = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
SERVERS = ("floor", "ours", "oxigraph")

LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local prefix = os.getenv("BENCH_PREFIX")
local tag = os.getenv("BENCH_TAG")
-- GET: prefix?query=line, POST: the line as a form's query, PATH: GET the line itself
local method = os.getenv("BENCH_METHOD")
-- a tag is a SPARQL comment of its own, or (PATH) text right after the line
local mark = method == "PATH" and "" or "%0A%23"
local form = {["Content-Type"] = "application/x-www-form-urlencoded"}
local threads = {}
counter = 0
id = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function request()
  counter = counter + 1
  local query = paths[(counter % #paths) + 1]
  if tag ~= "" then
    query = query .. mark .. tag .. "t" .. id .. "n" .. counter
  end
  if method == "POST" then
    return wrk.format("POST", prefix, form, "query=" .. query)
  end
  if method == "PATH" then
    return wrk.format("GET", query)
  end
  return wrk.format("GET", prefix .. "?query=" .. query)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.0f %.0f %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read,
    e.write, e.status, e.timeout))
end
"""


# --- the graph ----------------------------------------------------------------------

def _words(rng: random.Random) -> list[str]:
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    seen: set[str] = set()
    while len(seen) < WORDS:
        seen.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(seen)


def generate(path: Path, triples: int, seed: int = 7) -> int:
    """N-Quads in two named graphs: per entity a type (one of 10 classes), a label, three
    links to other entities, a category, a score, a date and a description of 8-14 words
    from a 2,000-word vocabulary. Returns the number of quads written."""
    rng = random.Random(seed)
    words = _words(rng)
    entities = max(2, triples // TRIPLES_PER_ENTITY)
    with path.open("w", encoding="utf-8") as out:
        for i in range(entities):
            s = f"<{EX}e{i}>"
            g = f"<{EX}graph/{i % 2}>"
            text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 14)))
            label = f"Entity {i} {rng.choice(words)} {rng.choice(words)}"
            lines = [
                f"{s} <{RDF_TYPE}> <{EX}Class{i % CLASSES}>",
                f'{s} <{RDFS_LABEL}> "{label}"@en',
                f"{s} <{EX}category> <{EX}cat{rng.randrange(CATEGORIES)}>",
                f'{s} <{EX}score> "{rng.randrange(1000)}"^^<{XSD}integer>',
                f'{s} <{EX}created> "20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-'
                f'1{rng.randint(0, 9)}"^^<{XSD}date>',
                f'{s} <{EX}description> "{text}"',
            ] + [f"{s} <{EX}links> <{EX}e{rng.randrange(entities)}>" for _ in range(3)]
            out.write("".join(f"{line} {g} .\n" for line in lines))
    return entities * TRIPLES_PER_ENTITY


def build_store(work: Path, triples: int) -> tuple[Path, int]:
    """The store directory for this size, generated and loaded once (kept in --workdir)."""
    store = work / f"store-{triples}"
    done = work / f"store-{triples}.quads"
    if done.exists() and store.is_dir():
        return store, int(done.read_text())
    shutil.rmtree(store, ignore_errors=True)
    data = work / f"graph-{triples}.nq"
    start = time.perf_counter()
    quads = generate(data, triples)
    print(f"generated {quads} quads in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    start = time.perf_counter()
    for command in (["load", "--location", str(store), "--file", str(data)],
                    ["optimize", "--location", str(store)]):  # as a published store would be
        subprocess.run([_oxigraph(), *command], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    print(f"oxigraph load + optimize: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    data.unlink()
    done.write_text(str(quads))
    return store, quads


def _oxigraph() -> str:
    found = shutil.which("oxigraph", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if found is None:
        sys.exit("the `oxigraph` CLI is missing: pip install -e '.[bench]'")
    return found


# --- the query mix ------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    name: str
    accept: str
    variants: tuple[str, ...]  # the first is the one repeated in "cached" cells


def query_mix(entities: int, seed: int = 11) -> list[Query]:
    rng = random.Random(seed)
    subjects = [rng.randrange(entities) for _ in range(1000)]
    classes = list(range(CLASSES))
    pairs = [(c, k) for c in range(CATEGORIES) for k in classes]
    rng.shuffle(pairs)
    words = [w for w in _words(random.Random(7)) if len(w) >= 7]  # few substring matches
    rng.shuffle(words)
    return [
        Query("point", JSON_RESULTS, tuple(
            f"SELECT ?p ?o WHERE {{ <{EX}e{i}> ?p ?o }}" for i in subjects)),
        Query("describe", NTRIPLES, tuple(f"DESCRIBE <{EX}e{i}>" for i in subjects)),
        Query("join", JSON_RESULTS, tuple(
            f"SELECT ?a ?la ?b ?lb WHERE {{ ?a <{EX}category> <{EX}cat{c}> ; <{EX}links> ?b . "
            f"?b a <{EX}Class{k}> . ?a <{RDFS_LABEL}> ?la . ?b <{RDFS_LABEL}> ?lb }}"
            for c, k in pairs)),
        Query("group", JSON_RESULTS, tuple(
            f"SELECT ?cat (COUNT(?e) AS ?n) WHERE {{ ?e a <{EX}Class{k}> ; "
            f"<{EX}category> ?cat }} GROUP BY ?cat ORDER BY DESC(?n) ?cat"
            for k in classes)),
        Query("text", JSON_RESULTS, tuple(
            f"SELECT ?e ?d WHERE {{ ?e <{EX}description> ?d . "
            f'FILTER(CONTAINS(?d, "{w}")) }}' for w in words[:200])),
    ]


# --- the servers --------------------------------------------------------------------

@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    path: str  # "/sparql" or "/query"
    pids: Callable[[], list[int]] = field(default=lambda: [])

    def get(self, query: str, accept: str) -> tuple[int, bytes]:
        status, _, body = self.fetch(query, accept)
        return status, body

    def fetch(self, query: str, accept: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request("GET", f"{self.path}?query={urllib.parse.quote(query, safe='')}",
                         headers={"Accept": accept})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except OSError:
        return []


def start_servers(store: Path, workers: int, ours: tuple[int, int], log: Path,
                  variants: dict[str, dict[str, str]] | None = None) -> dict[str, Server]:
    """Floor, ours and oxigraph, each in its own process group, ready when they answer;
    `variants` adds more of ours by name, each with its own POLICYKG_* environment."""
    py = sys.executable
    timeout = "600"
    commands = {
        "floor": ([py, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
                   "--timeout", timeout, "--log-level", "warning", "--chdir",
                   str(ROOT / "bench"), "--bind", "127.0.0.1:{port}", "endpoint_floor:app"],
                  "/sparql"),
        "ours": ([py, "-m", "policykg", "serve", "--store", str(store), "--host", "127.0.0.1",
                  "--port", "{port}", "--workers", str(ours[0]), "--threads", str(ours[1]),
                  "--timeout", timeout],
                 "/sparql"),
        "oxigraph": ([_oxigraph(), "serve-read-only", "--location", str(store), "--bind",
                      "127.0.0.1:{port}", "--union-default-graph"], "/query"),
    }
    environments = {name: {} for name in commands}
    for name, variant in (variants or {}).items():
        commands[name], environments[name] = commands["ours"], variant
    servers: dict[str, Server] = {}
    for name, (command, path) in commands.items():
        port = _free_port()
        out = (log / f"{name}.log").open("wb")
        env = {**os.environ, "FLOOR_STORE": str(store), **environments[name]}
        # another checkout runs from its own directory (`-m` puts the working one first)
        cwd = environments[name].get("PYTHONPATH", ROOT)
        proc = subprocess.Popen([c.replace("{port}", str(port)) for c in command], cwd=cwd,
                                env=env, stdout=subprocess.DEVNULL, stderr=out,
                                start_new_session=True)
        pid = proc.pid
        pids = (lambda pid=pid: [pid]) if name == "oxigraph" else \
            (lambda pid=pid: _children(pid))
        servers[name] = Server(name, proc, port, path, pids)
    for server in servers.values():
        _wait_ready(server, log)
    return servers


def _wait_ready(server: Server, log: Path, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            tail = (log / f"{server.name}.log").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{server.name} exited ({server.proc.returncode}): {tail}")
        try:
            status, _ = server.get("ASK {}", JSON_RESULTS)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {limit:g} s")


def stop_servers(servers: dict[str, Server]) -> None:
    for server in servers.values():
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGTERM)
    for server in servers.values():
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()


def _count(body: bytes, accept: str) -> int:
    if accept == NTRIPLES:
        return sum(1 for line in body.splitlines() if line.strip())
    data = json.loads(body)
    return len(data["results"]["bindings"]) if "results" in data else int(data["boolean"])


def check_same(servers: dict[str, Server], queries: list[Query]) -> dict[str, int]:
    """Each query (first variant) gives 200 and the same number of results everywhere."""
    counts: dict[str, int] = {}
    for q in queries:
        seen = {}
        for server in servers.values():
            status, body = server.get(q.variants[0], q.accept)
            if status != 200:
                raise RuntimeError(f"{server.name} answered {status} to {q.name}: {body[:300]!r}")
            seen[server.name] = _count(body, q.accept)
        if len(set(seen.values())) != 1:
            raise RuntimeError(f"{q.name}: different result counts {seen}")
        counts[q.name] = next(iter(seen.values()))
    return counts


# --- measuring ----------------------------------------------------------------------

@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


class Wrk:
    get = "GET"  # the Lua script's method for a GET: a query, as `?query=` of the path

    def __init__(self, work: Path, threads: int, duration: int) -> None:
        if shutil.which("wrk") is None:
            sys.exit("wrk is missing: apt-get install wrk")
        self.work, self.threads, self.duration = work, threads, duration
        self.script = work / "bench.lua"
        self.script.write_text(LUA)
        self.cells = 0
        self.paths: dict[tuple[str, bool], Path] = {}

    def _paths(self, q: Query, repeat: bool) -> Path:
        key = (q.name, repeat)
        if key not in self.paths:
            path = self.work / f"paths-{q.name}-{'repeat' if repeat else 'cold'}.txt"
            variants = q.variants[:1] if repeat else q.variants
            path.write_text("".join(urllib.parse.quote(v, safe="") + "\n" for v in variants))
            self.paths[key] = path
        return self.paths[key]

    def run(self, server: Server, q: Query, clients: int, mode: str,
            duration: int | None = None) -> Sample:
        """One cell: `mode` is "cold" (distinct GETs), "repeat" (one GET repeated) or
        "post" (distinct form POSTs, as the workbench sends them)."""
        self.cells += 1
        repeat = mode == "repeat"
        env = {**os.environ, "BENCH_PATHS": str(self._paths(q, repeat)),
               "BENCH_PREFIX": server.path, "BENCH_METHOD": "POST" if mode == "post" else self.get,
               "BENCH_TAG": "" if repeat else f"c{self.cells}-{os.getpid()}"}
        command = ["wrk", "-t", str(min(self.threads, clients)), "-c", str(clients),
                   "-d", f"{duration or self.duration}s", "--timeout", "120s",
                   "-s", str(self.script), "-H", f"Accept: {q.accept}",
                   f"http://127.0.0.1:{server.port}"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                              timeout=(duration or self.duration) + 180)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no result: {done.stdout[-500:]} {done.stderr}")
        requests, micros, p50, p99, *errors = (float(x) for x in line.split()[1:])
        return Sample(requests / (micros / 1e6), p50 / 1000, p99 / 1000, int(sum(errors)))


# (column, server, mode: Wrk.run)
VARIANTS = (("floor", "floor", "cold"), ("cold", "ours", "cold"), ("cached", "ours", "repeat"),
            ("post", "ours", "post"), ("oxi", "oxigraph", "cold"),
            ("oxi rep", "oxigraph", "repeat"))
# with --before DIR: another checkout of policykg served beside ours
BEFORE = (("b cold", "before", "cold"), ("b cached", "before", "repeat"),
          ("b post", "before", "post"))


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def settle(servers: dict[str, Server], limit: float = 300.0) -> float:
    """Wait until no server process uses CPU (< ~8 % of a core over 250 ms); seconds
    waited."""
    start = time.monotonic()

    def pids() -> list[int]:
        return [p for s in servers.values() for p in {s.proc.pid, *s.pids()}]

    before = _cpu_ticks(pids())
    while time.monotonic() - start < limit:
        time.sleep(0.25)
        now = _cpu_ticks(pids())
        if now - before <= 2:
            break
        before = now
    return time.monotonic() - start


def measure(servers: dict[str, Server], queries: list[Query], wrk: Wrk, levels: list[int],
            rounds: int, variants: tuple) -> dict[tuple[str, int, str], list[Sample]]:
    results: dict[tuple[str, int, str], list[Sample]] = {}
    total = rounds * len(queries) * len(levels) * len(variants)
    done = 0
    for r in range(rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for q in queries:
            for clients in levels:
                for column, server, mode in order:
                    settle(servers)
                    sample = wrk.run(servers[server], q, clients, mode)
                    results.setdefault((q.name, clients, column), []).append(sample)
                    done += 1
                    print(f"[{done}/{total}] round {r + 1} {q.name} c={clients} {column}: "
                          f"{sample.rps:.0f} req/s p50 {sample.p50_ms:.1f} ms "
                          f"p99 {sample.p99_ms:.1f} ms errors {sample.errors}",
                          file=sys.stderr)
    return results


def warm(servers: dict[str, Server], queries: list[Query], wrk: Wrk, variants: tuple) -> None:
    """Every worker of every server opens the store and touches each query's data."""
    for q in queries:
        for _, server, mode in variants:
            wrk.run(servers[server], q, 4, mode, duration=1)
            settle(servers)


def cache_hits(server: Server, queries: list[Query], tries: int) -> str:
    """After warm-up, how many repeated GETs ours answers from its cache, per query."""
    hits = []
    for q in queries:
        n = sum(server.fetch(q.variants[0], q.accept)[1].get("X-Policykg-Cache") == "hit"
                for _ in range(tries))
        hits.append(f"{q.name} {n}/{tries}")
    return ", ".join(hits)


def stream_rss(server: Server, accept: str, tag: str) -> tuple[float, float, float]:
    """(largest RSS growth of one serving process in MB, MB downloaded, seconds) for the
    whole of SELECT * { ?s ?p ?o }, read in 1 MiB chunks and discarded."""
    def rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    pids = server.pids()
    base = {pid: rss(pid) for pid in pids}
    peak = dict(base)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss(pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    query = f"SELECT * WHERE {{ ?s ?p ?o }}\n#stream-{tag}-{os.getpid()}-{time.time_ns()}"
    start = time.perf_counter()
    size = 0
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    try:
        conn.request("GET", f"{server.path}?query={urllib.parse.quote(query, safe='')}",
                     headers={"Accept": accept})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{server.name}: {response.status} {response.read()[:300]!r}")
        while chunk := response.read(1 << 20):
            size += len(chunk)
    finally:
        conn.close()
        elapsed = time.perf_counter() - start
        stop.set()
        sampler.join()
    growth = max((peak[p] - base[p] for p in pids), default=0)
    return growth / 1e6, size / 1e6, elapsed


# --- the table ----------------------------------------------------------------------

def _median(samples: list[Sample], attr: str) -> float:
    return statistics.median(getattr(s, attr) for s in samples)


def _ratio(a: float, b: float, target: float | None) -> str:
    if b <= 0:
        return f"{'-':>7}"
    value = a / b
    mark = "!" if target is not None and value < target else " "
    return f"{value:>6.2f}{mark}"


def table(results: dict[tuple[str, int, str], list[Sample]], queries: list[Query],
          levels: list[int], heavy_target: bool, variants: tuple) -> list[str]:
    cols = [c for c, _, _ in variants]
    before = "b cold" in cols
    head = f"{'query':<9}{'c':>3}" + "".join(f"{c + ' r/s':>13}{'p50/p99 ms':>14}"
                                               for c in cols)
    head += f"{'cold/floor':>11}{'cold/oxi':>9}{'cache/oxi':>10}"
    if before:
        head += f"{'cold/b':>8}{'cache/b':>9}{'post/b':>8}"
    lines = [head, "-" * len(head)]
    errors = 0
    for q in queries:
        for clients in levels:
            cells = {c: results[(q.name, clients, c)] for c in cols}
            rps = {c: _median(s, "rps") for c, s in cells.items()}
            row = f"{q.name:<9}{clients:>3}"
            for c in cols:
                p = f"{_median(cells[c], 'p50_ms'):.1f}/{_median(cells[c], 'p99_ms'):.1f}"
                row += f"{rps[c]:>13,.0f}{p:>14}"
                errors += sum(s.errors for s in cells[c])
            heavy = q.name in HEAVY and heavy_target
            row += (f"{'':>4}{_ratio(rps['cold'], rps['floor'], 0.9)}"
                    f"{'':>2}{_ratio(rps['cold'], rps['oxi'], 0.9 if heavy else None)}"
                    f"{'':>3}{_ratio(rps['cached'], rps['oxi rep'], 1.0)}")
            if before:
                row += (f"{'':>1}{_ratio(rps['cold'], rps['b cold'], None)}"
                        f"{'':>2}{_ratio(rps['cached'], rps['b cached'], None)}"
                        f"{'':>1}{_ratio(rps['post'], rps['b post'], None)}")
            lines.append(row)
    if errors:
        lines.append(f"WARNING: {errors} requests failed (connect/read/write/timeout/non-2xx)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[1_000_000],
                        help="graph size(s), one table each (e.g. 10000 1000000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per cell")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=FLOOR_WORKERS,
                        help="the floor's gunicorn sync workers (default: 2 × cores + 1, "
                             "gunicorn's advice)")
    parser.add_argument("--ours-workers", type=int, default=SERVE_WORKERS,
                        help="our worker processes (default: policykg serve's)")
    parser.add_argument("--threads", type=int, default=SERVE_THREADS,
                        help="our app threads per worker (default: policykg serve's)")
    parser.add_argument("--queries", nargs="+", help="only these of the mix (e.g. join text)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--client-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workdir", type=Path, help="keeps the generated stores")
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="a checkout of an earlier policykg (e.g. `git worktree add DIR "
                             "COMMIT`) served beside ours, with the same settings")
    args = parser.parse_args()
    variants = VARIANTS + (BEFORE if args.before else ())
    before = {"before": {"PYTHONPATH": str(args.before.resolve())}} if args.before else None
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-endpoint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for triples in args.triples:
        store, quads = build_store(work, triples)
        queries = [q for q in query_mix(quads // TRIPLES_PER_ENTITY)
                   if not args.queries or q.name in args.queries]
        log = work / f"logs-{triples}"
        log.mkdir(exist_ok=True)
        wrk = Wrk(work, args.client_threads, args.duration)
        servers = start_servers(store, args.workers, (args.ours_workers, args.threads), log,
                                before)
        try:
            counts = check_same(servers, queries)
            warm(servers, queries, wrk, variants)
            hits = cache_hits(servers["ours"], queries, 2 * args.ours_workers)
            results = measure(servers, queries, wrk, args.concurrency, args.rounds, variants)
            streams = [(name, fmt, *stream_rss(servers[name], accept, f"{name}-{fmt}"))
                       for name, fmt, accept in (("ours", "json", JSON_RESULTS),
                                                 ("ours", "csv", "text/csv"),
                                                 ("floor", "json", JSON_RESULTS),
                                                 ("oxigraph", "json", JSON_RESULTS))]
        finally:
            stop_servers(servers)
        print(f"\n{quads:,} triples; floor: {args.workers} gunicorn sync workers; ours: "
              f"{args.ours_workers} workers × {args.threads} threads; "
              f"medians of {args.rounds} rounds of {args.duration} s cells; wrk "
              f"{args.client_threads} thread(s); results per query (first variant): "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))
        print(f"cache hits of ours on repeated GETs after warm-up: {hits}")
        for line in table(results, queries, args.concurrency, triples >= 1_000_000, variants):
            print(line)
        print("streaming SELECT * { ?s ?p ?o }, largest RSS growth of one serving process: "
              + "; ".join(f"{name} {fmt} +{mb:.0f} MB ({size:.0f} MB in {sec:.1f} s)"
                          for name, fmt, mb, size, sec in streams))
        print(f"(cold: every request distinct; cached: one GET repeated; post: distinct form "
              f"POSTs; oxi rep: oxigraph on that repeated GET; b: the --before checkout; "
              f"! = under target; work dir {work})")


if __name__ == "__main__":
    main()
