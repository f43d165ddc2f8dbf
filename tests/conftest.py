"""Shared fixtures: stores built once per session from the bundled release and from the
fictitious fixture releases, with a test base IRI (proving the base is configurable)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Quad, RdfFormat, serialize

from graph import pipeline
from graph.lexicon import load_lexicon
from graph.query import run
from graph.source import bundled_releases, read_source
from graph.store import open_store

BASE = "https://kg.test/"
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "releases"
BAD = ROOT / "tests" / "fixtures" / "bad"


def fixture_releases() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".txt", ".html"))


@pytest.fixture(scope="session")
def lexicon():
    return load_lexicon()


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("bundled") / "store"
    built = pipeline.build(bundled_releases(), path, BASE)
    return built, open_store(path)


@pytest.fixture(scope="session")
def all_store(tmp_path_factory):
    """The bundled release and every fixture release in one store."""
    path = tmp_path_factory.mktemp("all") / "store"
    built = pipeline.build(bundled_releases() + fixture_releases(), path, BASE)
    return built, open_store(path)


@pytest.fixture(scope="session")
def query(bundled_store):
    """Run SPARQL on the bundled store; rows as dicts of plain strings."""
    _, store = bundled_store

    def ask(sparql: str) -> list[dict[str, str]]:
        result = run(store, sparql, BASE)
        names = [v.value for v in result.variables]
        return [{n: (row[n].value if row[n] is not None else None) for n in names}
                for row in result]

    return ask


@pytest.fixture(scope="session")
def bundled_text():
    return read_source(bundled_releases()[0]).text


def policykg_command() -> list[str]:
    """The installed console script, as users run it (falls back to the module)."""
    script = shutil.which("policykg", path=str(Path(sys.executable).parent)) \
        or shutil.which("policykg")
    return [script] if script else [sys.executable, "-m", "policykg"]


@pytest.fixture
def cli(tmp_path):
    """Run `policykg` in a subprocess with its own store and data home."""

    def call(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
               "POLICYKG_BASE_IRI": BASE}
        env.pop("POLICYKG_STORE", None)
        return subprocess.run([*policykg_command(), *args], capture_output=True, text=True,
                              input=stdin, env=env, cwd=tmp_path, timeout=120)

    return call


def to_rdflib(quads) -> rdflib.Graph:
    """Triples of pyoxigraph quads (graph names dropped) as an rdflib graph, for the
    reference tools (pySHACL, owlrl)."""
    triples = [Quad(q.subject, q.predicate, q.object) for q in quads]
    graph = rdflib.Graph()
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    return graph


@dataclass(frozen=True)
class Endpoint:
    """A running `policykg serve`, as users meet it: its URL, the store it serves, its log."""

    url: str
    store: Path
    log: Path
    timeout: float
    max_request_bytes: int
    pid: int  # of the server's main process, which leads its process group


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(store: Path, home: Path, timeout: float = 3.0, max_bytes: int = 8192,
            max_rows: int = 0, workers: int = 2, environment: dict | None = None):
    """`policykg serve` in its own process group on a free localhost port (2 workers),
    serving `store`; stopped on exit."""
    import requests

    port = free_port()
    env = {**os.environ, "POLICYKG_BASE_IRI": BASE, "XDG_DATA_HOME": str(home / "data"),
           "POLICYKG_MAX_REQUEST_BYTES": str(max_bytes), "POLICYKG_MAX_ROWS": str(max_rows)}
    env.pop("POLICYKG_STORE", None)
    env.update(environment or {})
    log = home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*policykg_command(), "serve", "--store", str(store), "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers), "--timeout", str(timeout)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"policykg serve exited ({process.returncode}):\n{log.read_text()}")
            try:
                if requests.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"policykg serve did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Endpoint(url, store, log, timeout, max_bytes, process.pid)
    finally:
        stop_group(process)


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory):
    """The endpoint most tests share: a 3 s query timeout, an 8 KiB request body limit, over
    a store of the bundled and the fixture releases."""
    home = tmp_path_factory.mktemp("served")
    store = home / "store"
    pipeline.build(bundled_releases() + fixture_releases(), store, BASE)
    with serving(store, home) as served:
        yield served


def stop_group(process: subprocess.Popen, timeout: float = 15) -> None:
    """End a server's process group (granian's or an engine's, with their workers)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def served(endpoint):
    """The session's `policykg serve` (tests/conftest.py), its graph's base IRI."""
    from tests.browser import Served

    return Served(endpoint.url.removesuffix("/sparql"), BASE)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


GENRE = ROOT / "tests" / "fixtures" / "genre"


@pytest.fixture(scope="session")
def many_endpoint(tmp_path_factory):
    """`policykg serve` over a store of many releases (the bundled one, the fixture releases
    and the genre's training set: 64, six editions of the Japan-EU ICT Policy Dialogue, a
    party to ~60 meetings), where pages show what a small store hides: a relation stated
    by release after release, a matrix wider than a phone, neighbours left out."""
    from bench.extraction_eval import releases_with_gold

    home = tmp_path_factory.mktemp("many")
    store = home / "store"
    genre = [path for path, _ in releases_with_gold([GENRE])]
    pipeline.build(bundled_releases() + fixture_releases() + genre, store, BASE, dumps=False)
    with serving(store, home) as served:
        yield served


@pytest.fixture(scope="session")
def many_served(many_endpoint):
    """The store of many releases, served, as the browser tests take it."""
    from tests.browser import Served

    return Served(many_endpoint.url.removesuffix("/sparql"), BASE)
