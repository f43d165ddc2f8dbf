"""Entity page benchmark (not a test): how fast are the linked-data pages and descriptions,
and how do they stand beside `oxigraph serve` describing the same entities?

One store built by `policykg build --no-validate --no-dumps` from N generated releases
(bench/generate_releases.py; the default 1,200 releases give ~1.02M quads; `-n 20` a small
one), its pages then rendered ahead of time by `policykg pages` (timed), kept in --workdir.
Three servers read it at the same time, on 127.0.0.1:
- ours:     `policykg serve --store DIR` (the production command, with its defaults
            unless --workers / --threads say otherwise) answering `GET /page/{kind}/{slug}`
            (the HTML page, from the rendered pages: stream "page") and
            `GET /data/{kind}/{slug}.ttl` (the RDF description: stream "data");
- live:     the same command with POLICYKG_PAGE_FILES=0, rendering every page on request
            (stream "live": what a store without `policykg pages` costs);
- oxigraph: `oxigraph serve-read-only --union-default-graph` (Rust, multi-threaded)
            answering the machine equivalent, `GET /query?query=DESCRIBE <iri>` with
            `Accept: text/turtle`. Oxigraph's DESCRIBE gives the entity's own triples (and
            its blank nodes'); our description adds the links into it (up to 1,000), and
            the page adds labels, statements with their quotes, a diagram and JSON-LD: the
            peer marks the floor of "look one entity up and write it out", not the same
            work. Body sizes per kind are printed so the difference can be read.

Entities: every typed subject under `{base}id/` is read by one SPARQL query and bucketed
by kind (the path segment after `id/`); a seeded sample is drawn from each kind. The
request stream follows a browsing user's mix, in blocks of 20 requests: 6 statements
(what was said is what people read), 3 meetings (where a browse starts, from the home
page or a search), 3 actors and 3 initiatives (who said it, what it is about), 2 topics,
and 1 release, 1 place and 1 dialogue series. Each block is shuffled, so any run of 20
requests keeps the mix: ours gets through a few hundred to a few thousand requests of a
cell, Oxigraph through the stream many times. Statements, meetings, actors, initiatives
and releases are distinct in the stream (50 blocks by default: 300 statements, 150
meetings, ...); topics (31 on 1M), places (14) and series (7) are few and recur. Those
three are the hubs, linked from thousands of statements. Every request carries a unique
tag (`?bench=…` for ours, which ignores it; a `#` comment ending the query for oxigraph),
so our response cache, which is keyed by the full path, never answers: "live" and "data"
are cold figures, and "page" is what reading a rendered page costs. The stream starts at
a different place each round.

Load generator: wrk, with bench/endpoint_bench.py's runner and Lua script (its per-request
prefix left out: each line is a whole path). Latency is wrk's per request; both servers
keep wrk's connections alive. Cells
(stream × concurrency) are interleaved: each round walks the concurrencies and runs the
four streams (page, live, data, oxigraph) in an order rotated each round, waiting after each
cell until the servers are idle; the table shows medians over the rounds. Ratios are
ours / oxigraph; the target column says whether ours meets p50 < 20 ms.

Before the load, one search on each of ours and live (`GET /search.json`), then a second on
the same connection: what a worker's first search costs with the index kept beside the
pages and with every label read from the store, against a warm one.

After the rounds, a single client asks for a few entities of each kind in turn from both
servers (also a check: every answer must be 200 and non-empty; connections kept alive
where the server allows it, as wrk keeps them) and prints the median time and body size
per kind: what one page costs with no queueing, and which kinds are slow.

    python bench/page_bench.py [-n 1200] [--duration 10] [--rounds 3]
                               [--concurrency 1 4 16] [--workers N] [--threads N]
                               [--workdir DIR]
    python bench/page_bench.py -n 20 --duration 2 --rounds 1   # a smoke check, ~1 minute

A round is 12 cells (4 streams × 3 concurrencies), so the defaults take ~8 minutes on 1M
quads after the build (~40 s) and the pages (~65 s). Needs the `bench` extra (`pip install
-e .[bench]`: the `oxigraph` CLI) and `wrk` (`apt-get install wrk`).
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from endpoint_bench import (  # noqa: E402
    FLOOR_WORKERS,
    Sample,
    Server,
    Wrk,
    _median,
    _ratio,
    settle,
    start_servers,
    stop_servers,
)
from pyoxigraph import Store  # noqa: E402

from graph.iris import store_base  # noqa: E402
from policykg.cli import SERVE_THREADS, SERVE_WORKERS  # noqa: E402
from server.page_files import renderer  # noqa: E402

# Per block of 20 requests: how many of each kind (see the docstring for why).
MIX = {"statement": 6, "meeting": 3, "actor": 3, "initiative": 3, "topic": 2, "release": 1,
       "place": 1, "series": 1}
TARGET_MS = 20.0
HTML, TURTLE = "text/html", "text/turtle"
STREAMS = ("page", "live", "data", "oxigraph")
# The server answering each stream: ours, with the pages rendered ahead of time; the same
# command told to render every page on request (POLICYKG_PAGE_FILES=0); oxigraph.
SERVER_OF = {"page": "ours", "live": "live", "data": "ours", "oxigraph": "oxigraph"}
LIVE = {"live": {"POLICYKG_PAGE_FILES": "0"}}
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


# --- the store and its entities -----------------------------------------------------

def build_store(work: Path, releases: int) -> tuple[Path, int]:
    """The store of N generated releases, built once (kept in --workdir); its quad count."""
    store = work / f"store-{releases}"
    done = work / f"store-{releases}.quads"
    if done.exists() and store.exists():
        return store, int(done.read_text())
    generated = work / f"releases-{releases}"
    if not generated.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                        str(generated), "-n", str(releases)], check=True,
                       stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "policykg", "build", str(generated), "--store",
                    str(store), "--no-validate", "--no-dumps"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    print(f"policykg build: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    quads = int(next(iter(Store.read_only(str(store)).query(COUNT_QUERY)))["n"].value)
    done.write_text(str(quads))
    return store, quads


def render_pages(store: Path) -> str:
    """`policykg pages` on the store, unless this code's pages are there already; what it
    said (pages, seconds)."""
    manifest = store / "pages" / "manifest.json"
    kept = json.loads(manifest.read_text()) if manifest.exists() else {}
    if kept.get("renderer") == renderer():
        said = f"{kept['pages']:,} pages rendered before this run"
    else:
        done = subprocess.run([sys.executable, "-m", "policykg", "pages", "--store",
                               str(store)], check=True, cwd=ROOT, capture_output=True,
                              text=True)
        said = done.stderr.strip().splitlines()[-1]
        print(said, file=sys.stderr)
    size = sum(f.stat().st_size for f in manifest.parent.rglob("*") if f.is_file())
    return f"{said}; {size / 1e6:.0f} MB on disk"


def first_searches(servers: dict[str, Server], words: tuple[str, str] = ("cyber", "data")
                   ) -> dict[str, tuple[float, float]]:
    """Milliseconds of a worker's first search (ours: the index kept with the pages; live:
    every label read from the store) and of a second one on the same connection (so the
    same worker, its index in memory). Run before any other search."""
    found = {}
    for name in ("ours", "live"):
        conn = http.client.HTTPConnection("127.0.0.1", servers[name].port, timeout=600)
        times = []
        for word in words:
            status, size, ms = get(conn, f"/search.json?q={word}", "application/json")
            if status != 200 or size == 0:
                raise RuntimeError(f"{name} answered {status} to a search for {word}")
            times.append(ms)
        conn.close()
        found[name] = (times[0], times[1])
    return found


def entities(store: Path) -> tuple[str, dict[str, list[str]]]:
    """The store's base IRI, and the IRIs of its typed things by kind (sorted)."""
    opened = Store.read_only(str(store))
    base = store_base(opened)
    if base is None:
        sys.exit(f"{store}: not a policykg store (no base IRI in its metadata)")
    query = (f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?class }} "
             f'FILTER(STRSTARTS(STR(?s), "{base}id/")) }}')
    kinds: dict[str, list[str]] = {}
    for row in opened.query(query):
        iri = row["s"].value
        kinds.setdefault(iri[len(base) + 3:].split("/", 1)[0], []).append(iri)
    return base, {kind: sorted(iris) for kind, iris in kinds.items()}


def stream_of(kinds: dict[str, list[str]], blocks: int, seed: int = 5) -> list[str]:
    """Blocks of 20 entity IRIs in the proportions of MIX, each block shuffled; within a
    kind, a seeded sample of distinct entities, recurring only when the kind has too few."""
    rng = random.Random(seed)
    missing = [kind for kind in MIX if not kinds.get(kind)]
    if missing:
        sys.exit(f"the store has no entities of kind(s) {', '.join(missing)}")
    drawn = {}
    for kind, weight in MIX.items():
        pool = kinds[kind]
        drawn[kind] = rng.sample(pool, min(len(pool), weight * blocks))
    stream = []
    for b in range(blocks):
        block = [drawn[kind][(b * weight + i) % len(drawn[kind])]
                 for kind, weight in MIX.items() for i in range(weight)]
        rng.shuffle(block)
        stream += block
    return stream


# --- the requests -------------------------------------------------------------------

@dataclass
class Stream:
    """One column of requests: endpoint_bench's Wrk reads `name`, `accept` and (through
    PathWrk._paths) `file`, whose lines are whole paths ending where the tag goes."""

    name: str
    accept: str
    file: Path
    paths: list[str]  # one per entity of the stream, untagged
    server: str  # the key of the server answering it


def paths_of(base: str, iri: str) -> dict[str, str]:
    """The untagged path of each stream for one entity."""
    rest = urllib.parse.quote(iri[len(base) + 3:], safe="/")  # `actor/japan`
    return {"page": f"/page/{rest}", "live": f"/page/{rest}", "data": f"/data/{rest}.ttl",
            "oxigraph": "/query?query=" + urllib.parse.quote(f"DESCRIBE <{iri}>", safe="")}


def streams(work: Path, base: str, iris: list[str]) -> list[Stream]:
    paths = [paths_of(base, iri) for iri in iris]
    accepts = {"page": HTML, "live": HTML, "data": TURTLE, "oxigraph": TURTLE}
    return [Stream(name, accepts[name], work / f"paths-{name}.txt", [p[name] for p in paths],
                   SERVER_OF[name]) for name in STREAMS]


def tagged(stream: Stream, path: str) -> str:
    """The path with its tag's opening: a query parameter ours ignores, or the start of a
    SPARQL comment (newline, #) after oxigraph's query."""
    return path + ("%0A%23" if stream.server == "oxigraph" else "?bench=")


def rotate(all_streams: list[Stream], start: int) -> None:
    """Write each stream's paths file, starting at the same entity for every stream."""
    for s in all_streams:
        lines = s.paths[start:] + s.paths[:start]
        s.file.write_text("".join(tagged(s, p) + "\n" for p in lines))


class PathWrk(Wrk):
    """endpoint_bench's wrk runner, requesting each line as the whole path (no `?query=`
    prefix) with the unique tag right after it."""

    get = "PATH"

    def _paths(self, q: Stream, repeat: bool) -> Path:
        return q.file


def get(conn: http.client.HTTPConnection, path: str, accept: str) -> tuple[int, int, float]:
    """(status, body bytes, milliseconds) of one GET. The connection is kept alive where the
    server allows it, as wrk keeps it: Oxigraph does (a new connection costs it ~3.5 ms
    here, 20 times its answer to a small DESCRIBE), and so does ours."""
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    return response.status, len(body), (time.perf_counter() - start) * 1000


# --- measuring ----------------------------------------------------------------------

def warm(servers: dict[str, Server], all_streams: list[Stream], wrk: PathWrk) -> None:
    rotate(all_streams, 0)
    for s in all_streams:
        wrk.run(servers[s.server], s, 4, False, duration=2)
        settle(servers)


def measure(servers: dict[str, Server], all_streams: list[Stream], wrk: PathWrk,
            levels: list[int], rounds: int) -> dict[tuple[str, int], list[Sample]]:
    results: dict[tuple[str, int], list[Sample]] = {}
    total = rounds * len(levels) * len(all_streams)
    length = len(all_streams[0].paths)
    done = 0
    for r in range(rounds):
        rotate(all_streams, (r * length // max(rounds, 1)) // 20 * 20)
        order = all_streams[r % len(all_streams):] + all_streams[:r % len(all_streams)]
        for clients in levels:
            for s in order:
                settle(servers)
                sample = wrk.run(servers[s.server], s, clients, False)
                results.setdefault((s.name, clients), []).append(sample)
                done += 1
                print(f"[{done}/{total}] round {r + 1} {s.name} c={clients}: "
                      f"{sample.rps:.0f} req/s p50 {sample.p50_ms:.1f} ms "
                      f"p99 {sample.p99_ms:.1f} ms errors {sample.errors}", file=sys.stderr)
    settle(servers)
    return results


@dataclass
class KindRow:
    kind: str
    count: int  # entities of the kind in the store
    ms: dict[str, list[float]]  # stream → times
    size: dict[str, list[int]]  # stream → body bytes


def by_kind(servers: dict[str, Server], all_streams: list[Stream], base: str,
            kinds: dict[str, list[str]], per_kind: int, seed: int = 9) -> list[KindRow]:
    """One client, one request at a time: a few entities of each kind from each stream.
    Every answer must be 200 with a body."""
    rng = random.Random(seed)
    conns = {name: http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
             for name, server in servers.items()}
    rows = []
    for kind in MIX:
        pool = kinds[kind]
        row = KindRow(kind, len(pool), {n: [] for n in STREAMS}, {n: [] for n in STREAMS})
        for iri in rng.sample(pool, min(per_kind, len(pool))):
            paths = paths_of(base, iri)
            for s in all_streams:
                path = tagged(s, paths[s.name]) + f"k{os.getpid()}-{time.time_ns()}"
                status, size, ms = get(conns[s.server], path, s.accept)
                if status != 200 or size == 0:
                    raise RuntimeError(f"{s.name} answered {status} ({size} bytes) to {path}")
                row.ms[s.name].append(ms)
                row.size[s.name].append(size)
        rows.append(row)
    for conn in conns.values():
        conn.close()
    return rows


# --- the report ---------------------------------------------------------------------

def table(results: dict[tuple[str, int], list[Sample]], levels: list[int]) -> list[str]:
    head = (f"{'request':<9}{'c':>3}{'ours r/s':>10}{'p50/p99 ms':>14}{'oxi r/s':>10}"
            f"{'p50/p99 ms':>14}{'r/s ours/oxi':>14}{'p50 ours/oxi':>14}"
            f"{f'p50 < {TARGET_MS:g} ms':>14}")
    lines = [head, "-" * len(head)]
    errors = sum(s.errors for samples in results.values() for s in samples)
    for name in ("page", "live", "data"):
        for clients in levels:
            cells = {"ours": results[(name, clients)], "oxi": results[("oxigraph", clients)]}
            rps = {k: _median(s, "rps") for k, s in cells.items()}
            p50 = {k: _median(s, "p50_ms") for k, s in cells.items()}
            p99 = {k: _median(s, "p99_ms") for k, s in cells.items()}
            shown = {k: f"{p50[k]:.1f}/{p99[k]:.1f}" for k in cells}
            times = p50["ours"] / max(p50["oxi"], 1e-3)
            slower = f"{times:.{0 if times >= 10 else 1}f}×"
            lines.append(f"{name:<9}{clients:>3}{rps['ours']:>10,.1f}{shown['ours']:>14}"
                         f"{rps['oxi']:>10,.0f}{shown['oxi']:>14}"
                         f"{_ratio(rps['ours'], rps['oxi'], None):>14}{slower:>14}"
                         f"{'yes' if p50['ours'] < TARGET_MS else 'NO':>14}")
    if errors:
        lines.append(f"WARNING: {errors} requests failed (connect/read/write/timeout/non-2xx)")
    return lines


def kind_table(rows: list[KindRow]) -> list[str]:
    head = (f"{'kind':<11}{'in store':>9}{'asked':>6}{'page ms':>9}{'live ms':>9}"
            f"{'data ms':>9}{'oxi ms':>8}{'page KB':>9}{'data KB':>9}{'oxi KB':>8}")
    lines = [head, "-" * len(head)]
    for row in sorted(rows, key=lambda r: -statistics.median(r.ms["live"])):
        ms = {n: statistics.median(v) for n, v in row.ms.items()}
        kb = {n: statistics.median(v) / 1024 for n, v in row.size.items()}
        lines.append(f"{row.kind:<11}{row.count:>9,}{len(row.ms['page']):>6}"
                     f"{ms['page']:>9.1f}{ms['live']:>9.1f}{ms['data']:>9.1f}"
                     f"{ms['oxigraph']:>8.1f}"
                     f"{kb['page']:>9.1f}{kb['data']:>9.1f}{kb['oxigraph']:>8.1f}")
    return lines


def revision() -> str:
    """The commit measured, and whether the server's or pipeline's files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                              text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "server", "graph")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes in server/ or "
                                                  "graph/" if dirty else "")


def machine() -> str:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), "0")
    return f"{os.cpu_count()} cores, {int(memory) / 2**20:.0f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1200,
                        help="generated releases (1200 ≈ 1.02M quads; 20 for a smoke check)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per cell")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=SERVE_WORKERS,
                        help="our worker processes (default: policykg serve's)")
    parser.add_argument("--threads", type=int, default=SERVE_THREADS,
                        help="our app threads per worker (default: policykg serve's)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--blocks", type=int, default=50,
                        help="blocks of 20 requests in the stream (50: 1,000 requests)")
    parser.add_argument("--per-kind", type=int, default=15,
                        help="entities of each kind asked for by the single client")
    parser.add_argument("--client-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workdir", type=Path, help="keeps the generated store")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-page-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store, quads = build_store(work, args.n)
    rendered = render_pages(store)
    base, kinds = entities(store)
    iris = stream_of(kinds, args.blocks)
    all_streams = streams(work, base, iris)
    log = work / f"logs-{args.n}"
    log.mkdir(exist_ok=True)
    wrk = PathWrk(work, args.client_threads, args.duration)
    measured = revision()  # as the servers load it: others may commit during the run
    servers = start_servers(store, FLOOR_WORKERS, (args.workers, args.threads), log, LIVE)
    stop_servers({"floor": servers.pop("floor")})  # endpoint_bench's floor: no pages
    try:
        searches = first_searches(servers)
        warm(servers, all_streams, wrk)
        results = measure(servers, all_streams, wrk, args.concurrency, args.rounds)
        rows = by_kind(servers, all_streams, base, kinds, args.per_kind)
    finally:
        stop_servers(servers)
    distinct = len(set(iris))
    print(f"\n{quads:,} quads ({args.n} generated releases); {machine()}; {args.workers} "
          f"workers × {args.threads} threads; medians of {args.rounds} rounds of "
          f"{args.duration} s cells; wrk {args.client_threads} thread(s); commit {measured}")
    print(f"stream: {len(iris)} requests over {distinct} entities, per 20: "
          + ", ".join(f"{w} {k}" for k, w in MIX.items())
          + "; every request tagged (our response cache never answers)")
    for line in table(results, args.concurrency):
        print(line)
    print(f"\nOne client, one request at a time ({args.per_kind} entities of each kind, "
          "medians; slowest page first):")
    for line in kind_table(rows):
        print(line)
    print("\nA worker's first search, then a second on that worker (GET /search.json): "
          + "; ".join(f"{name} {first:.1f} / {second:.1f} ms"
                      for name, (first, second) in searches.items())
          + " (ours: the index kept with the pages; live: read from the store)")
    print(f"(page: GET /page/… from the pages rendered ahead ({rendered}); live: the same "
          "pages rendered on request; data: GET /data/….ttl, oxi: oxigraph DESCRIBE as Turtle; "
          f"work dir {work})")


if __name__ == "__main__":
    main()
