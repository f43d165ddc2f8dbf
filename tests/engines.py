"""SPARQL engines the tests publish to and serve from, each started fresh in a directory of
its own on free localhost ports, and stopped (its process group) at the end: `oxigraph serve`
(PyPI oxigraph, the test extra) and Virtuoso Open Source (Debian virtuoso-opensource, which
.ci/run installs). Where one is not installed its tests are skipped, saying what to install.

Import `running_engine` into a test module to get one engine per parameter, per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store, Triple, parse
from rdflib.compare import isomorphic

from graph.engine import Engine

from .conftest import free_port, policykg_command, serving, stop_group, to_rdflib

VIRTUOSO = "/usr/bin/virtuoso-t"
VIRTUOSO_SHARE = Path("/usr/share/virtuoso-opensource-7")
VIRTUOSO_AUTH = ("dba", "dba")  # a new Virtuoso database's administrator
STARTUP_SECONDS = 90  # Virtuoso creates its database on first start: ~6-15 s here


@dataclass(frozen=True)
class Running:
    """An engine as `policykg publish --to` and `serve --engine` are given it."""

    name: str
    url: str
    auth: tuple[str, str] | None

    @property
    def auth_args(self) -> list[str]:
        return ["--auth", ":".join(self.auth)] if self.auth else []


def _oxigraph() -> str | None:
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) \
        or shutil.which("oxigraph")


def _start(command: list[str], directory: Path, url: str) -> subprocess.Popen:
    log = directory / "engine.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=directory, start_new_session=True)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"{command[0]} exited ({process.returncode}):\n{log.read_text()}")
        try:
            httpx.get(url, timeout=2)
            return process
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_group(process, timeout=30)
            pytest.fail(f"{command[0]} did not answer within {STARTUP_SECONDS} s:\n"
                        f"{log.read_text()}")
        time.sleep(0.2)



@contextmanager
def oxigraph_serve(directory: Path) -> Iterator[Running]:
    """`oxigraph serve` on disk, as it starts by default: its readers name their dataset
    (with --union-default-graph it would answer a query's FROM from the union). Its own
    query limit ends what a front-end gave up on (the timeout tests' heavy queries)."""
    program = _oxigraph()
    if program is None:
        pytest.skip("oxigraph serve is not installed (pip install oxigraph: the test extra)")
    url = f"http://127.0.0.1:{free_port()}/"
    process = _start([program, "serve", "--location", str(directory / "data"), "--bind",
                      url.removeprefix("http://").rstrip("/"), "--timeout-s", "60"],
                     directory, url)
    try:
        yield Running("oxigraph", url, None)
    finally:
        stop_group(process, timeout=30)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {share}/vad
VADInstallDir = {share}/vad/
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@contextmanager
def virtuoso(directory: Path) -> Iterator[Running]:
    """A throwaway Virtuoso: its own database directory and ini (SQL and HTTP on free
    ports); writes go through its digest-authenticated services as its administrator."""
    if not os.access(VIRTUOSO, os.X_OK):
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    http = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql=free_port(), http=http,
                                       share=VIRTUOSO_SHARE))
    url = f"http://127.0.0.1:{http}/"
    process = _start([VIRTUOSO, "+foreground", "+configfile", str(ini)], directory, url)
    try:
        yield Running("virtuoso", url, VIRTUOSO_AUTH)
    finally:
        stop_group(process, timeout=30)


ENGINES: dict[str, Callable] = {"oxigraph": oxigraph_serve, "virtuoso": virtuoso}


@pytest.fixture(scope="session", params=list(ENGINES))
def running_engine(request, tmp_path_factory) -> Iterator[Running]:
    with ENGINES[request.param](tmp_path_factory.mktemp(request.param)) as running:
        yield running


def graph_of(engine: Engine, name: str) -> list[Triple]:
    """A named graph as the engine holds it, read over the SPARQL Protocol."""
    text = engine.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}",
                        accept="application/n-triples")
    return [quad.triple for quad in parse(text, format=RdfFormat.N_TRIPLES)]


def isomorphic_triples(ours: list[Triple], theirs: list[Triple]) -> bool:
    """Two graphs the same up to blank node labels (each engine's own): equal sets where no
    blank node is in either, as in most of our graphs (fast); rdflib's isomorphism else."""
    if len(ours) != len(theirs):
        return False
    if not any(isinstance(term, BlankNode) for triple in (*ours, *theirs)
               for term in (triple.subject, triple.object)):
        return set(ours) == set(theirs)
    return isomorphic(to_rdflib(ours), to_rdflib(theirs))


def differing_graphs(engine: Engine, store: Store) -> list[str]:
    """The store's named graphs that the engine does not hold as the store has them, read
    back one by one after a publish."""
    return [graph.value for graph in sorted(store.named_graphs(), key=str)
            if isinstance(graph, NamedNode) and not isomorphic_triples(
                [q.triple for q in store.quads_for_pattern(None, None, None, graph)],
                graph_of(engine, graph.value))]


SERVED_FROM = ("store", "oxigraph", "virtuoso")
# competency queries an engine answers wrongly, each with why (docs/deploy.md, what each
# mode cannot do): the tests compare every other one
KNOWN_WRONG = {"virtuoso": {
    "07-smart-city-initiatives": "Virtuoso 7.2 gives no rows where a GROUP BY's pattern has "
                                 "two `*` property paths, one of them in an OPTIONAL"}}
# competency queries an engine answers right on some of its instances and with rows
# missing on others (the same data published the same way; each instance answers the same
# way every time it is asked): the tests accept fewer rows from them, never a row of their
# own (`within_ours`)
DROPS_ROWS = {"virtuoso": {
    name: "Virtuoso 7.2 gives some of its instances a plan that drops rows of a query "
          "joining `?i a ?class . ?class rdfs:subClassOf* pk:Initiative` with OPTIONALs "
          "(3 of 26 fresh instances here: 0 or 1 rows of 5 or 7)"
    for name in ("04-japan-cybersecurity", "05-eu-cybersecurity")}}


def within_ours(engine: str, name: str, ours: Counter, theirs: Counter) -> bool:
    """Whether an engine's rows for competency query `name` are ours: the same, or, where
    it drops rows (DROPS_ROWS), some of ours and none besides."""
    if name in DROPS_ROWS.get(engine, {}):
        return not theirs - ours
    return theirs == ours


# engines whose GROUP_CONCAT is a plain literal where its values share a language (Oxigraph
# keeps the language, as CONCAT does) and "" over no values (Oxigraph: unbound): SPARQL 1.1
# allows either reading, so the tests compare those values without language, "" as none
GROUP_CONCAT_DIFFERS = frozenset({"virtuoso"})


def known_wrong_on(request, engine: str, reason: str) -> None:
    """The running test marked a known failure where it runs in front of `engine` (its
    `endpoint` parameter): strict, so an engine that comes to pass it fails the mark, and
    the reason is what docs/deploy.md says that engine cannot do."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("endpoint") == engine:
        request.applymarker(pytest.mark.xfail(reason=f"{engine}: {reason}", strict=True))


@contextmanager
def served_from(mode: str, store: Path, home: Path, **settings) -> Iterator:
    """`policykg serve` over `store` (mode "store"), or `serve --engine` in front of a fresh
    engine of that name to which `store` was published (the Endpoint of `serving`)."""
    if mode == "store":
        with serving(store, home, **settings) as served:
            yield served
        return
    with ENGINES[mode](home) as running:
        published = subprocess.run(
            [*policykg_command(), "publish", "--store", str(store), "--to", running.url,
             *running.auth_args], capture_output=True, text=True, timeout=300)
        assert published.returncode == 0, published.stderr
        environment = {**settings.pop("environment", {}), "POLICYKG_ENGINE": running.url}
        with serving(store, home, environment=environment, **settings) as served:
            yield served


def endpoint_in_every_mode():
    """A session fixture named `endpoint` for a test module: the shared endpoint over the
    store (tests/conftest.py), then `policykg serve --engine` in front of each engine of
    SERVED_FROM, to which that store was published; the same settings, the same tests."""

    @pytest.fixture(scope="session", params=SERVED_FROM)
    def endpoint(request, endpoint, tmp_path_factory):
        if request.param == "store":
            yield endpoint
            return
        home = tmp_path_factory.mktemp(f"served-from-{request.param}")
        with served_from(request.param, endpoint.store, home, timeout=endpoint.timeout,
                         max_bytes=endpoint.max_request_bytes) as served:
            yield served

    return endpoint
