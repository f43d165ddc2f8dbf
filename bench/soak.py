"""Soak run (not a test): does `policykg serve` hold under sustained mixed load, under
queries that must be stopped, when a worker dies and when the store is rebuilt beneath it?

One store is built in a temporary directory with `policykg build` (the bundled release and
the fictitious releases of tests/fixtures/genre/*.txt but the last) and its pages rendered
with `policykg pages`. Each scenario then starts a fresh `policykg serve --store DIR --workers
N --threads T` on 127.0.0.1 in its own process group, loads it with --clients threads for
--duration seconds, and stops it:

1. baseline: the mixed load alone. Every request must succeed (2xx or 3xx).
2. killer:   the same, plus one query a second that no evaluator can finish
             (`SELECT ?o WHERE {?s ?p ?o . ?s2 ?p2 ?o2} ORDER BY ?o2 LIMIT 1`, with a
             unique comment so no cache answers it), all from one client: only those
             may fail (503: stopped, or refused in the cool-off; 429: past the client's
             share), and the other requests' p99 must stay within twice the baseline's
             (when the baseline ran).
3. kill -9:  at 40 % of the run, SIGKILL the granian worker (a child of the server's main
             process that is not an evaluator) with the most requests in flight, stopped
             (SIGSTOP) first so it accepts nothing more while it is read. The requests in
             flight on it are counted at that instant from both sides: the
             worker's established connections (/proc/PID/fd and /proc/PID/net/tcp) and
             each client's connection and whether it is waiting for an answer. Failures
             must be no more than that count, and granian must respawn the worker.
             Also noted: the connections the kernel had queued on the worker's own
             listening socket (granian gives each worker one, SO_REUSEPORT), not yet
             accepted, and net.ipv4.tcp_migrate_req: when it is 0 those, and those the
             kernel still routes to the socket until the dying worker closes it, are
             reset, failures beyond the requests in flight (docs/deploy.md). To try
             the setting without changing the machine's, run the soak in a network
             namespace of its own:
                 unshare --net sh -c 'ip link set lo up &&
                     sysctl -qw net.ipv4.tcp_migrate_req=1 && python bench/soak.py …'
4. rebuild:  at 25 % of the run, `policykg build` the same store from the same releases
             plus the last fixture (so the version changes, and every entity listed before
             is still there), under the load; the load goes on until the build has ended
             plus 5 s. No request may fail, and no SPARQL answer may mix
             versions: the store's version read by the query (dcat:version, the server's
             own METADATA_QUERY) must equal the answer's X-Policykg-Version header. It runs
             last because it changes the store.

The mix, per request drawn at random (weights in MIX): the competency queries of
queries/*.rq (GET or POST, JSON or CSV), light queries with a random entity, word and
LIMIT (so the response cache cannot answer most), the version query with a unique
comment, entity pages (/page/…), /id/… (303 by Accept), descriptions (/data/….ttl),
/search and /search.json, and the dumps: the listing, a range of one, or the smallest
downloaded fully and checked against the ETag it came with (the file's SHA-256). Entities are every
typed thing under {base}id/ that a SPARQL query to the server lists; the dumps come from
its /dumps/ page.

Load generator: one thread and one keep-alive connection per client (http.client; an
idle connection the server has closed is replaced before reuse, as urllib3 does), no
redirect followed. Each client has an address of its own in X-Forwarded-For (10.0.x.y;
the killers 10.9.9.9), which the server believes from 127.0.0.1
(POLICYKG_TRUSTED_PROXIES), as behind a reverse proxy: the per-client limits of
server/admission.py then apply to each client, not to the machine. Latency is measured
by the client, from sending the request to the last byte of the answer. A request fails
when its status is not 2xx/3xx or the connection breaks. RSS is VmRSS summed over the
server's process group (workers and evaluators) and the largest worker, before and
after the load, and its peak; the load average is noted before and after. A table at the end puts
the scenarios side by side, beside the old server's figures from issue #13 (0 errors at
32 clients, p99 35 ms, 3.4k req/s, measured with wrk). The client is Python: on 2 cores
it shares the CPU with the server, and its own CPU time is printed.

    python bench/soak.py [--duration 60] [--clients 32] [--workers N] [--threads 4]
                         [--scenarios baseline killer kill rebuild] [--keep DIR]

Each scenario takes --duration seconds plus start and stop (~5 s); the build and pages
~30 s; the rebuild scenario as long as its build under load, plus 5 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import http.client
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from endpoint_bench import _free_port  # noqa: E402

from graph.source import bundled_releases  # noqa: E402
from policykg.cli import SERVE_THREADS, SERVE_WORKERS  # noqa: E402
from server.dataset import METADATA_QUERY  # noqa: E402
from server.serve import queued_connections_migrate  # noqa: E402

GENRE = ROOT / "tests" / "fixtures" / "genre"
SCENARIOS = ("baseline", "killer", "kill", "rebuild")
OLD_SERVER = {"errors": "0", "p99 ms": "35", "req/s": "3.4k"}  # issue #13, 32 clients
MIX = {"query": 12, "light": 16, "version": 4, "page": 22, "id": 10, "data": 12,
       "search": 12, "dump": 2}
JSON_RESULTS = "application/sparql-results+json"
KILLER = ("# soak killer {n} {token}\n"
          "SELECT ?o WHERE {{?s ?p ?o . ?s2 ?p2 ?o2}} ORDER BY ?o2 LIMIT 1")
LIGHT = (
    "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT {n}",
    "SELECT ?s ?p WHERE {{ ?s ?p <{iri}> }} LIMIT {n}",
    "ASK {{ <{iri}> ?p ?o }}",
    "DESCRIBE <{iri}>",
    "SELECT ?s ?l WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
    'FILTER(CONTAINS(LCASE(STR(?l)), "{word}")) }} LIMIT {n}',
)
ENTITIES_QUERY = "SELECT DISTINCT ?s WHERE { ?s a ?class }"
KILLER_CLIENT = "10.9.9.9"  # the address the killers come from (X-Forwarded-For)
NEAR_BASELINE = 2.0  # the killer scenario's p99 (the others) may be this × the baseline's
REQUEST_TIMEOUT = 120.0  # seconds a client waits for one answer (the query limit is 30 s)
MAX_REQUESTS = 2_000_000  # per client and scenario: a bound, never reached in practice
PAGE = os.sysconf("SC_PAGE_SIZE")
RAISED = re.compile(r"^[A-Za-z_.]*(Error|Exception|Interrupt)\b.*")  # a traceback's last line


# --- the server's processes, read from /proc -------------------------------------------

@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    rss: int  # bytes
    cmdline: str


def group(pgid: int) -> list[Proc]:
    """Every live process of a process group."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            rss = int(Path(entry.path, "statm").read_text().split()[1]) * PAGE
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        found.append(Proc(int(entry.name), int(fields[1]), rss, cmdline))
    return found


def workers(main: int) -> list[Proc]:
    """granian's worker processes: children of the main process that are not evaluators."""
    return [p for p in group(main) if p.ppid == main and "sandbox.evaluator" not in p.cmdline]


@dataclass(frozen=True)
class Socket:
    """A TCP socket of a process on the server's port, as /proc/PID/net/tcp shows it."""
    state: str  # "01" established, "0A" listening
    remote_port: int
    rx_queue: int  # a listening socket's: connections the kernel has queued, not yet accepted


def sockets(pid: int, server_port: int) -> list[Socket]:
    """The process's own TCP sockets (its file descriptors) bound to `server_port`."""
    inodes = set()
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            with_target = os.readlink(fd.path)
            if with_target.startswith("socket:["):
                inodes.add(with_target[8:-1])
        rows = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return []
    found = []
    for row in rows:
        cols = row.split()
        local, remote, state, queues, inode = cols[1], cols[2], cols[3], cols[4], cols[9]
        if inode in inodes and int(local.split(":")[1], 16) == server_port:
            found.append(Socket(state, int(remote.split(":")[1], 16),
                                int(queues.split(":")[1], 16)))
    return found


def client_ports(pid: int, server_port: int) -> set[int]:
    """The client-side ports of the connections a process has accepted on `server_port`."""
    return {s.remote_port for s in sockets(pid, server_port) if s.state == "01"}


def queued(pid: int, server_port: int) -> int | None:
    """The connections waiting to be accepted on the process's own listening socket (granian
    gives each worker one, SO_REUSEPORT), or None when it has none."""
    return next((s.rx_queue for s in sockets(pid, server_port) if s.state == "0A"), None)


@dataclass(frozen=True)
class Memory:
    total: int  # RSS summed over the process group
    largest_worker: int
    processes: int


def memory(main: int) -> Memory:
    procs = group(main)
    biggest = max((p.rss for p in procs if p.ppid == main
                   and "sandbox.evaluator" not in p.cmdline), default=0)
    return Memory(sum(p.rss for p in procs), biggest, len(procs))


# --- the server -------------------------------------------------------------------------

@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    log_start: int = 0  # bytes of the log before the load

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_lines(self) -> list[str]:
        with self.log.open("rb") as f:
            f.seek(self.log_start)
            return f.read().decode(errors="replace").splitlines()


def start_server(store: Path, work: Path, name: str, workers_: int, threads: int) -> Server:
    port = _free_port()
    log = work / f"serve-{name}.log"
    env = {**os.environ, "XDG_DATA_HOME": str(work / "data"),
           "POLICYKG_TRUSTED_PROXIES": "127.0.0.1"}
    env.pop("POLICYKG_STORE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "policykg", "serve", "--store", str(store), "--host",
             "127.0.0.1", "--port", str(port), "--workers", str(workers_), "--threads",
             str(threads)], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work,
            start_new_session=True)
    server = Server(process, port, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"policykg serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if fetch(port, "GET", "/sparql?query=ASK%7B%7D")[0] == 200 \
                    and len(workers(server.pid)) == workers_:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    sys.exit(f"policykg serve did not answer within 90 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    """SIGTERM to the server's process group (it was started in its own), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        if not group(server.pid):
            return


def fetch(port: int, method: str, path: str, body: bytes | None = None,
          headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a connection of its own (set-up, not load)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


# --- what to ask ------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    check: str | None = None  # "version": the body's version is the header's;
    # "digest": the body's SHA-256 is its ETag


@dataclass(frozen=True)
class Workload:
    """What the server holds, read from it before the load: the requests are drawn from it."""
    base: str
    version: str
    entities: list[str]  # paths after {base}id/: "topic/ai"
    words: list[str]
    competency: list[str]
    dumps: dict[str, int]  # path → size
    smallest_dump: str

    def draw(self, rng: random.Random) -> Request:
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        return getattr(self, f"_{kind}")(rng)

    def _query(self, rng: random.Random) -> Request:
        return sparql("query", rng.choice(self.competency), rng,
                      rng.choice((JSON_RESULTS, "text/csv")))

    def _light(self, rng: random.Random) -> Request:
        text = rng.choice(LIGHT).format(iri=self.base + "id/" + rng.choice(self.entities),
                                        word=rng.choice(self.words), n=rng.randint(1, 200))
        accept = "text/turtle" if text.startswith("DESCRIBE") else JSON_RESULTS
        return sparql("light", text, rng, accept)

    def _version(self, rng: random.Random) -> Request:
        text = f"# soak version {uuid.uuid4().hex}\n{METADATA_QUERY}"
        return dataclasses.replace(sparql("version", text, rng, JSON_RESULTS), check="version")

    def _page(self, rng: random.Random) -> Request:
        return Request("page", "GET", "/page/" + quote(rng.choice(self.entities)),
                       headers={"Accept": "text/html", "Accept-Encoding": "gzip"})

    def _id(self, rng: random.Random) -> Request:
        accept = rng.choice(("text/html", "text/turtle", "application/ld+json"))
        return Request("id", "GET", "/id/" + quote(rng.choice(self.entities)),
                       headers={"Accept": accept})

    def _data(self, rng: random.Random) -> Request:
        return Request("data", "GET", "/data/" + quote(rng.choice(self.entities)) + ".ttl")

    def _search(self, rng: random.Random) -> Request:
        word = rng.choice(self.words)
        word = word[:rng.randint(3, len(word))]
        if rng.random() < 0.5:
            return Request("search", "GET", f"/search?q={quote(word)}",
                           headers={"Accept": "text/html"})
        return Request("search", "GET", f"/search.json?q={quote(word)}&limit=10")

    def _dump(self, rng: random.Random) -> Request:
        pick = rng.random()
        if pick < 0.3:
            return Request("dump", "GET", "/dumps/", headers={"Accept": "text/html"})
        if pick < 0.6:
            return Request("dump", "GET", rng.choice(list(self.dumps)),
                           headers={"Range": "bytes=0-65535"})
        return Request("dump", "GET", self.smallest_dump, check="digest")


def sparql(kind: str, text: str, rng: random.Random, accept: str) -> Request:
    """A query sent as the protocol allows: GET, POST form or POST sparql-query."""
    how = rng.randrange(3)
    if how == 0 and len(text) < 2500:
        return Request(kind, "GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                       headers={"Accept": accept})
    if how == 1:
        return Request(kind, "POST", "/sparql", urllib.parse.urlencode({"query": text}).encode(),
                       {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    return Request(kind, "POST", "/sparql", text.encode(),
                   {"Accept": accept, "Content-Type": "application/sparql-query"})


def quote(path: str) -> str:
    return urllib.parse.quote(path, safe="/")


def discover(port: int) -> Workload:
    """The store's base, version, entities and dumps, asked of the server itself."""
    def rows(text: str) -> list[dict]:
        status, _, body = fetch(port, "POST", "/sparql", text.encode(),
                                {"Content-Type": "application/sparql-query",
                                 "Accept": JSON_RESULTS})
        if status != 200:
            sys.exit(f"the server answered {status} to {text!r}: {body[:300]!r}")
        return json.loads(body)["results"]["bindings"]

    meta = rows(METADATA_QUERY)[0]
    base, version = meta["base"]["value"], meta["version"]["value"]
    prefix = base + "id/"
    entities = sorted({row["s"]["value"][len(prefix):] for row in rows(ENTITIES_QUERY)
                       if row["s"]["value"].startswith(prefix) and "#" not in row["s"]["value"]})
    words = sorted({w for e in entities for w in e.split("/", 1)[1].split("-")
                    if len(w) >= 4 and w.isalpha()})
    competency = [p.read_text() for p in sorted((ROOT / "queries").glob("*.rq"))]
    status, _, page = fetch(port, "GET", "/dumps/", headers={"Accept": "text/html"})
    paths = sorted(set(re.findall(r'href="(/dumps/[^"]+\.gz)"', page.decode())))
    if status != 200 or not paths or not entities or not words:
        sys.exit(f"nothing to ask: /dumps/ {status}, {len(paths)} dumps, {len(entities)} "
                 f"entities, {len(words)} words")
    dumps = {}
    for path in paths:
        status, headers, _ = fetch(port, "HEAD", path)
        dumps[path] = int(headers["Content-Length"])
    return Workload(base, version, entities, words, competency, dumps,
                    min(dumps, key=dumps.get))


# --- the load ---------------------------------------------------------------------------

@dataclass(slots=True)
class Record:
    kind: str
    start: float  # seconds since the load began
    ms: float
    outcome: str  # the status ("200") or the exception's name
    port: int  # the client's local port (0: no connection)
    version: str | None
    mismatch: bool = False
    why: str = ""  # for a refused killer: what the answer said (stopped, cool-off, …)

    @property
    def failed(self) -> bool:
        return self.outcome[:1] not in ("2", "3") or self.mismatch


class Client:
    """One keep-alive connection, replaced when the server has closed it while idle."""

    def __init__(self, port: int, address: str) -> None:
        self.server_port, self.conn, self.port = port, None, 0
        self.address = address  # the client's own, sent in X-Forwarded-For
        self.waiting = False  # a request sent, its answer not complete

    def send(self, request: Request) -> tuple[str, http.client.HTTPMessage, bytes]:
        if self.conn is not None and select.select([self.conn.sock], [], [], 0)[0]:
            self.close()  # readable while idle: closed by the server
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.server_port,
                                                   timeout=REQUEST_TIMEOUT)
            self.conn.connect()
            self.port = self.conn.sock.getsockname()[1]
        self.waiting = True
        try:
            self.conn.request(request.method, request.path, body=request.body,
                              headers={**request.headers, "X-Forwarded-For": self.address})
            response = self.conn.getresponse()
            body = response.read()
        except BaseException:
            self.close()
            raise
        finally:
            self.waiting = False
        if response.will_close:
            self.close()
        return str(response.status), response.headers, body

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def mismatch(request: Request, status: str, headers: http.client.HTTPMessage,
             body: bytes) -> str | None:
    """What a 200 says wrongly, if anything: a version query whose body names another
    version than its X-Policykg-Version, a full dump whose SHA-256 is not its ETag."""
    if status != "200":
        return None
    if request.check == "version":
        said, header = body_version(body), headers.get("X-Policykg-Version")
        return None if said == header else f"body says version {said}, header {header}"
    etag = (headers.get("ETag") or "").strip('"')
    if request.check == "digest" and hashlib.sha256(body).hexdigest() != etag:
        return f"{len(body)} bytes whose SHA-256 is not the ETag {etag}"
    return None


def refusal(body: bytes) -> str:
    """What a killer's answer said, in a word (server/admission.py, server/sparql.py)."""
    text = body.decode(errors="replace")
    for words, why in (("not evaluated again", "cool-off"), ("memory this endpoint", "memory"),
                       ("s limit of this endpoint", "time"), ("this client", "client share"),
                       ("memory budget", "budget")):
        if words in text:
            return why
    return "other"


def body_version(body: bytes) -> str | None:
    try:
        return json.loads(body)["results"]["bindings"][0]["version"]["value"]
    except (ValueError, KeyError, IndexError):
        return None


@dataclass
class Examples:
    """The first few failed requests of each kind, to show what went wrong."""
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, line: str, keep: int = 3) -> None:
        with self.lock:
            kept = self.by_kind.setdefault(key, [])
            if len(kept) < keep:
                kept.append(line)


class Load:
    """--clients threads sending the workload's requests until stopped."""

    def __init__(self, port: int, workload: Workload, clients: int, seed: int,
                 hard_limit: float) -> None:
        self.port, self.workload, self.hard_limit = port, workload, hard_limit
        self.clients = [Client(port, f"10.0.{i // 250}.{i % 250 + 1}") for i in range(clients)]
        self.records: list[list[Record]] = [[] for _ in range(clients)]
        self.examples = Examples()
        self.stop = threading.Event()
        self.began = self.halted = time.monotonic()
        self.threads = [threading.Thread(target=self._run, args=(i, seed + i), daemon=True)
                        for i in range(clients)]

    def start(self) -> None:
        self.began = time.monotonic()
        for thread in self.threads:
            thread.start()

    def halt(self) -> None:
        """No new request from now on."""
        if not self.stop.is_set():
            self.halted = time.monotonic()
            self.stop.set()

    def finish(self) -> float:
        """Stop, wait for the answers in flight; the load's wall time, to the halt."""
        self.halt()
        for thread in self.threads:
            thread.join(REQUEST_TIMEOUT + 10)
        for client in self.clients:
            client.close()
        return self.halted - self.began

    def in_flight(self) -> dict[int, bool]:
        """Each client's connection port and whether it waits for an answer."""
        return {c.port: c.waiting for c in self.clients if c.conn is not None}

    def _run(self, index: int, seed: int) -> None:
        rng, client, out = random.Random(seed), self.clients[index], self.records[index]
        for _ in range(MAX_REQUESTS):
            if self.stop.is_set() or time.monotonic() - self.began > self.hard_limit:
                break
            out.append(self.send(client, self.workload.draw(rng)))

    def send(self, client: Client, request: Request) -> Record:
        started = time.monotonic()
        version, wrong = None, None
        try:
            status, headers, body = client.send(request)
        except (OSError, http.client.HTTPException) as exc:
            status, body = type(exc).__name__, str(exc).encode()
        else:
            version = headers.get("X-Policykg-Version")
            wrong = mismatch(request, status, headers, body)
        record = Record(request.kind, started - self.began,
                        (time.monotonic() - started) * 1000, status, client.port, version,
                        wrong is not None, refusal(body) if request.kind == "killer" else "")
        if record.failed:
            self.examples.add(f"{request.kind} {status}{' mismatch' if wrong else ''}",
                              f"t={record.start:.1f}s {request.method} {request.path[:120]} "
                              f"{request.body[:120] if request.body else b''!r} → "
                              f"{wrong or status} (header {version}) {body[:200]!r}")
        return record

    def all(self) -> list[Record]:
        return [r for rs in self.records for r in rs]


class Killers:
    """One killer query a second, each on its own connection, until stopped."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.records: list[Record] = []
        self.threads: list[threading.Thread] = []
        self.token = uuid.uuid4().hex[:12]
        self.lock = threading.Lock()

    def run(self, seconds: float) -> None:
        for n in range(int(seconds) + 1):
            if self.load.stop.wait(1.0):
                break
            request = Request("killer", "POST", "/sparql",
                              KILLER.format(n=n, token=self.token).encode(),
                              {"Content-Type": "application/sparql-query",
                               "Accept": JSON_RESULTS})
            thread = threading.Thread(target=self._one, args=(request,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _one(self, request: Request) -> None:
        client = Client(self.load.port, KILLER_CLIENT)
        record = self.load.send(client, request)
        client.close()
        with self.lock:
            self.records.append(record)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(REQUEST_TIMEOUT + 10)


# --- the scenarios ----------------------------------------------------------------------

@dataclass
class Outcome:
    name: str
    records: list[Record]
    seconds: float
    before: Memory
    after: Memory
    killers: list[Record] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    verdict: bool = True
    examples: dict[str, list[str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    cpu: float = 0.0  # the load generator's CPU seconds

    @property
    def errors(self) -> list[Record]:
        return [r for r in self.records if r.failed]


@dataclass(frozen=True)
class Setup:
    store: Path
    work: Path
    duration: float
    clients: int
    workers: int
    threads: int
    rebuild_releases: list[Path]  # the store's releases and one more


def scenario(name: str, setup: Setup,
             during: Callable[[Server, Load, dict], None] | None = None) -> Outcome:
    """A fresh server, its workload, the load for --duration (`during` runs beside it and
    may extend it), then the figures."""
    server = start_server(setup.store, setup.work, name, setup.workers, setup.threads)
    try:
        workload = discover(server.port)
        before = memory(server.pid)
        server.log_start = server.log.stat().st_size
        load = Load(server.port, workload, setup.clients, seed=1000 * SCENARIOS.index(name),
                    hard_limit=setup.duration + 600)
        notes: dict = {}
        load_before = os.getloadavg()[0]
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        peak = Peak(server.pid, load.stop, setup.duration + 700)
        load.start()
        peak.start()
        if during is None:
            time.sleep(setup.duration)
        else:
            during(server, load, notes)
        seconds = load.finish()
        peak.join()
        notes["peak RSS MB"] = f"{mb(peak.total)} / {mb(peak.worker)}"
        notes["load average"] = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
        used = resource.getrusage(resource.RUSAGE_SELF)
        after = memory(server.pid)
        outcome = Outcome(name, load.all(), seconds, before, after,
                          notes.pop("killers", []), notes, examples=load.examples.by_kind,
                          log=server.log_lines(),
                          cpu=used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime)
    finally:
        stop_server(server)
    return outcome


class Peak(threading.Thread):
    """The largest RSS of the server's process group and of one worker during the load,
    sampled every half second."""

    def __init__(self, main: int, stop: threading.Event, limit: float) -> None:
        super().__init__(daemon=True)
        self.main, self.stop, self.samples = main, stop, int(limit / 0.5)
        self.total = self.worker = 0

    def run(self) -> None:
        for _ in range(self.samples):
            now = memory(self.main)
            self.total, self.worker = max(self.total, now.total), max(self.worker,
                                                                      now.largest_worker)
            if self.stop.wait(0.5):
                break


def with_killers(setup: Setup) -> Callable[[Server, Load, dict], None]:
    def during(server: Server, load: Load, notes: dict) -> None:
        killers = Killers(load)
        runner = threading.Thread(target=killers.run, args=(setup.duration,), daemon=True)
        runner.start()
        time.sleep(setup.duration)
        load.halt()
        runner.join(5)
        killers.join()
        notes["killers"] = killers.records
    return during


def with_kill(setup: Setup) -> Callable[[Server, Load, dict], None]:
    def during(server: Server, load: Load, notes: dict) -> None:
        time.sleep(setup.duration * 0.4)
        flight = load.in_flight()
        ports = {w.pid: client_ports(w.pid, server.port) for w in workers(server.pid)}
        victim = max(ports, key=lambda pid: sum(flight.get(p, False) for p in ports[pid]))
        # stopped first, so that what is on it is read when it can take nothing more: a
        # connection it accepted between a reading and the kill was counted nowhere
        stop(victim)
        flight = load.in_flight()
        ports[victim] = client_ports(victim, server.port)
        waiting = sum(flight.get(p, False) for p in ports[victim])
        waiting_to_be_accepted = queued(victim, server.port)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic() - load.began
        for _ in range(1000):  # up to 10 s: SIGKILL takes effect when the kernel runs it
            if not _alive(victim):
                break
            time.sleep(0.01)
        notes["_died_at"] = time.monotonic() - load.began
        notes["killed"] = (f"worker {victim} at {killed_at:.1f} s: {len(ports[victim])} "
                           f"connections, {waiting} requests in flight on it "
                           f"({sum(flight.values())} in flight in all)")
        notes["in flight"] = str(waiting)
        notes["queued on its listening socket"] = (
            f"{waiting_to_be_accepted} at the kill (net.ipv4.tcp_migrate_req="
            f"{'1: moved to another worker' if queued_connections_migrate() else '0: reset'})")
        respawned = None
        for _ in range(300):  # up to 30 s
            now = workers(server.pid)
            if len(now) == setup.workers and victim not in {w.pid for w in now}:
                respawned = time.monotonic() - load.began
                break
            time.sleep(0.1)
        notes["respawned"] = (f"after {respawned - killed_at:.1f} s" if respawned
                              else "no: the worker count did not come back within 30 s")
        notes["_victim"] = ports[victim]
        notes["_killed_at"] = killed_at
        notes["_respawned"] = respawned
        time.sleep(max(0.0, setup.duration - (time.monotonic() - load.began)))
    return during


def stop(pid: int, within: float = 10.0) -> None:
    """SIGSTOP the process, and wait until every thread of it has stopped: a thread stops
    when it is next scheduled, which on a loaded machine is not at once (a worker was seen
    accepting ten connections after the signal had been sent)."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        states = set()
        for task in os.scandir(f"/proc/{pid}/task"):
            try:
                stat = Path(task.path, "stat").read_text()
            except OSError:
                continue  # a thread gone meanwhile
            states.add(stat[stat.rindex(")") + 2])
        if states <= {"T", "t"}:
            return
        time.sleep(0.002)
    raise RuntimeError(f"process {pid} did not stop within {within:g} s")


def _alive(pid: int) -> bool:
    """Not yet exited (a zombie has: its sockets are closed)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def with_rebuild(setup: Setup) -> Callable[[Server, Load, dict], None]:
    def during(server: Server, load: Load, notes: dict) -> None:
        time.sleep(setup.duration * 0.25)
        began = time.monotonic() - load.began
        env = {**os.environ}
        env.pop("POLICYKG_STORE", None)
        try:
            build = subprocess.run(
                [sys.executable, "-m", "policykg", "build", "--store", str(setup.store),
                 "--quiet", *map(str, setup.rebuild_releases)],
                capture_output=True, text=True, timeout=600, env=env, cwd=setup.work)
            said = f"exit {build.returncode}: " + ((build.stdout + build.stderr).strip()
                                                   .splitlines() or ["(nothing)"])[-1][:160]
        except subprocess.TimeoutExpired:
            said = "did not end within 600 s"
        ended = time.monotonic() - load.began
        notes["rebuild"] = f"{began:.1f} → {ended:.1f} s, {said}"
        notes["_swapped"] = ended
        time.sleep(max(setup.duration - ended, 5.0))
    return during


# --- the report -------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def mb(n: int) -> str:
    return f"{n / 1e6:.0f}"


def judge_outcome(outcome: Outcome, baseline: Outcome | None = None) -> None:
    """The scenario's own condition, and its lines for the table."""
    records, errors = outcome.records, outcome.errors
    notes = outcome.notes
    if outcome.name == "baseline":
        outcome.verdict = not errors
    elif outcome.name == "killer":
        stopped = Counter(f"{r.outcome} {r.why}" for r in outcome.killers)
        notes["killers"] = ", ".join(f"{n} × {s}" for s, n in sorted(stopped.items()))
        near = True
        if baseline is not None:
            p99, usual = (percentile([r.ms for r in o.records], 0.99)
                          for o in (outcome, baseline))
            near = p99 <= NEAR_BASELINE * usual
            notes["p99 ÷ baseline's"] = f"{p99 / usual:.2f} (≤ {NEAR_BASELINE:g}: " \
                                        f"{'yes' if near else 'NO'})"
        outcome.verdict = near and not errors and all(r.outcome in ("503", "429")
                                                       for r in outcome.killers)
    elif outcome.name == "kill":
        victim, killed_at = notes.pop("_victim", set()), notes.pop("_killed_at", 0.0)
        respawned, died_at = notes.pop("_respawned", None), notes.pop("_died_at", killed_at)
        on_victim = [r for r in errors if r.port in victim]
        broken = [r for r in errors if not r.outcome.isdigit()]
        after = [r for r in errors if respawned is not None and r.start > respawned + 1]
        notes["failures"] = (f"{len(errors)} ({len(broken)} broken connections; "
                             f"{len(on_victim)} on its connections; "
                             f"{len(after)} started > 1 s after the respawn)")
        first_after = [r.start for r in records if r.start > killed_at]
        notes["after the kill"] = f"{len(first_after)} requests"
        late = [r for r in records if r.port in victim and killed_at <= r.start <= died_at]
        elsewhere = [r for r in broken if r.port not in victim]
        if elsewhere:
            notes["broken elsewhere"] = ", ".join(
                f"{r.kind} {r.outcome} port {r.port or '-'} sent at {r.start:.2f} s, "
                f"{r.ms:.0f} ms" for r in elsewhere[:5])
        flight = int(notes.get("in flight", "0"))
        notes["exited"] = (f"{died_at - killed_at:.2f} s after the kill; {len(late)} requests "
                           "were sent on its connections meanwhile")
        notes["broken connections ≤ in flight"] = (
            f"{len(broken)} ≤ {flight} + {len(late)}: "
            f"{'yes' if len(broken) <= flight + len(late) else 'NO'}")
        outcome.verdict = (respawned is not None and not after
                           and len(errors) <= flight + len(late))
    elif outcome.name == "rebuild":
        swapped = notes.pop("_swapped", None)
        versions = Counter(r.version for r in records if r.version)
        checked = [r for r in records if r.kind == "version" and r.outcome == "200"]
        mismatches = [r for r in checked if r.mismatch]
        notes["versions seen"] = ", ".join(f"{v}: {n}" for v, n in versions.items())
        notes["version checks"] = f"{len(checked)} answers, {len(mismatches)} mismatched"
        if swapped is not None and len(versions) > 1:
            old = min(versions, key=lambda v: min(
                (r.start for r in records if r.version == v), default=0))
            last_old = max((r.start for r in records if r.version == old), default=0)
            notes["last old-version answer"] = f"{last_old - swapped:+.2f} s from the build's end"
        outcome.verdict = not errors and not mismatches and len(versions) == 2


def summary(outcome: Outcome) -> dict[str, str]:
    records, errors = outcome.records, outcome.errors
    ms = [r.ms for r in records]
    kinds = Counter(f"{r.kind} {r.outcome}{' mismatch' if r.mismatch else ''}" for r in errors)
    return {
        "requests": f"{len(records):,}",
        "errors": str(len(errors)),
        "errors by kind": ", ".join(f"{k}: {n}" for k, n in kinds.most_common()) or "-",
        "req/s": f"{len(records) / outcome.seconds:,.0f}",
        "p50 ms": f"{percentile(ms, 0.5):.1f}",
        "p99 ms": f"{percentile(ms, 0.99):.1f}",
        "max ms": f"{max(ms, default=0):.0f}",
        "RSS MB group": f"{mb(outcome.before.total)} → {mb(outcome.after.total)}",
        "RSS MB worker": (f"{mb(outcome.before.largest_worker)} → "
                          f"{mb(outcome.after.largest_worker)}"),
        "processes": f"{outcome.before.processes} → {outcome.after.processes}",
        "client CPU s": f"{outcome.cpu:.1f} of {outcome.seconds:.0f}",
        **outcome.notes,
        "condition met": "yes" if outcome.verdict else "NO",
    }


def print_detail(outcome: Outcome) -> None:
    records = outcome.records
    print(f"\n== {outcome.name}: {len(records):,} requests in {outcome.seconds:.1f} s")
    print(f"  {'kind':8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in [*MIX, "killer"]:
        rs = outcome.killers if kind == "killer" else [r for r in records if r.kind == kind]
        if rs:
            ms = [r.ms for r in rs]
            print(f"  {kind:8} {len(rs):>9,} {sum(r.failed for r in rs):>7} "
                  f"{percentile(ms, 0.5):>8.1f} {percentile(ms, 0.99):>8.1f}")
    for key, value in summary(outcome).items():
        print(f"  {key}: {value}")
    for key, lines in outcome.examples.items():
        print(f"  e.g. {key}:")
        for line in lines:
            print(f"    {line}")
    if outcome.log:
        raised, where = Counter(), Counter()
        for end, line in enumerate(outcome.log):
            if RAISED.match(line):
                raised[line] += 1
                where[_our_frame(outcome.log, end)] += 1
        where.pop(None, None)
        print(f"  server log during the load: {len(outcome.log)} lines; exceptions:")
        for line, n in raised.most_common(5):
            print(f"    {n} × {line[:200]}")
        for line, n in where.most_common(3):
            print(f"    {n} × raised under {line[:200]}")
        if not raised:
            for line in outcome.log[-10:]:
                print(f"    {line[:300]}")
    sys.stdout.flush()


def _our_frame(lines: list[str], end: int) -> str | None:
    """The innermost frame of this project's code in the traceback ending at lines[end]."""
    for line in reversed(lines[max(0, end - 400):end]):
        if line.startswith("Traceback"):
            return None
        if line.strip().startswith(f'File "{ROOT}/') and "/.venv/" not in line:
            return line.strip()
    return None


def print_table(outcomes: list[Outcome]) -> None:
    rows = {o.name: summary(o) for o in outcomes}
    keys = ["requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "RSS MB group",
            "RSS MB worker", "peak RSS MB", "client CPU s", "condition met"]  # peak: group / worker
    width = max(16, *(len(v) for r in rows.values() for k, v in r.items() if k in keys))
    head = f"{'':16}" + "".join(f"{name:>{width + 2}}" for name in rows) \
        + f"{'old server (#13)':>{20}}"
    print("\n" + head)
    print("-" * len(head))
    for key in keys:
        print(f"{key:16}" + "".join(f"{rows[n].get(key, ''):>{width + 2}}" for n in rows)
              + f"{OLD_SERVER.get(key, ''):>20}")
    print("\nold server: issue #13's figures for the home-made HTTP/1.1 server at 32 clients "
          "(wrk, light GETs); these are a mixed load from a Python client.")
    for o in outcomes:
        extra = {k: v for k, v in rows[o.name].items() if k not in keys}
        print(f"{o.name}: " + "; ".join(f"{k}: {v}" for k, v in extra.items()))


# --- the run ----------------------------------------------------------------------------

def build(store: Path, work: Path, releases: list[Path]) -> str:
    env = {**os.environ}
    env.pop("POLICYKG_STORE", None)
    started = time.monotonic()
    for command in (["build", "--store", str(store), "--quiet", *map(str, releases)],
                    ["pages", "--store", str(store)]):
        done = subprocess.run([sys.executable, "-m", "policykg", *command], cwd=work,
                              env=env, capture_output=True, text=True, timeout=900)
        if done.returncode:
            sys.exit(f"policykg {command[0]} failed: {done.stderr[-2000:]}")
        said = (done.stdout + done.stderr).strip().splitlines() or ["(nothing)"]
        print(f"policykg {command[0]}: {said[-1]}", flush=True)
    return f"{time.monotonic() - started:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per scenario")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=SERVE_WORKERS,
                        help=f"as policykg serve's default ({SERVE_WORKERS})")
    parser.add_argument("--threads", type=int, default=SERVE_THREADS)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a "
                                                  "temporary directory, removed)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="policykg-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    releases = [*bundled_releases(), *sorted(GENRE.glob("*.txt"))]
    try:
        store = work / "store"
        print(f"building {len(releases) - 1} releases into {store}", flush=True)
        build(store, work, releases[:-1])
        setup = Setup(store, work, args.duration, args.clients, args.workers, args.threads,
                      releases)
        plans = {"baseline": None, "killer": with_killers(setup), "kill": with_kill(setup),
                 "rebuild": with_rebuild(setup)}
        outcomes = []
        for name in [s for s in SCENARIOS if s in args.scenarios]:
            print(f"\n-- {name}: {args.clients} clients, {args.duration:.0f} s, "
                  f"{args.workers} workers × {args.threads} threads", flush=True)
            outcome = scenario(name, setup, plans[name])
            judge_outcome(outcome, next((o for o in outcomes if o.name == "baseline"), None))
            print_detail(outcome)
            outcomes.append(outcome)
        print_table(outcomes)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
