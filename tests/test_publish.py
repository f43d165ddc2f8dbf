"""`policykg publish --to URL`: the store's graphs in a real engine (`oxigraph serve`,
Virtuoso; tests/engines.py), the same as the store's graph by graph and query by query, a
new version switched in whole, and a failure that switches nothing."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import time
from collections import Counter

import httpx
import pytest
from pyoxigraph import QueryBoolean

from graph.engine import Engine, prologue
from graph.publish import (
    STAGING,
    reader_dataset,
    record_graph,
    recorded_version,
    store_version,
    union_graph,
)
from graph.query import run
from queries import examples

from .conftest import BASE, free_port, policykg_command, serving
from .engines import (  # noqa: F401  (running_engine: the fixture, one per engine)
    KNOWN_WRONG,
    differing_graphs,
    graph_of,
    isomorphic_triples,
    oxigraph_serve,
    running_engine,
    within_ours,
)

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
PUBLISHED = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{BASE}')) }}"
# one version's record and the triples of every graph it names, in one query: a reader that
# saw two versions mixed would see a count that is neither version's
SEEN = (f"SELECT ?v (COUNT(*) AS ?n) WHERE {{ GRAPH {record_graph(BASE)} {{ ?r "
        f"<http://www.w3.org/ns/dcat#version> ?v }} GRAPH ?g {{ ?s ?p ?o }} "
        f"FILTER(STRSTARTS(STR(?g), '{BASE}graph/') "
        f"&& ?g NOT IN ({record_graph(BASE)}, {union_graph(BASE)})) }} "
        f"GROUP BY ?v")


def publish(cli, store, running, *extra: str):
    return cli("publish", "--store", str(store), "--to", running.url, *running.auth_args,
               *extra)


def published(cli, store, running) -> None:
    done = publish(cli, store, running)
    assert done.returncode == 0, done.stderr
    assert f"to {running.name} at {running.url}" in done.stdout


@pytest.fixture
def engine(running_engine):  # noqa: F811
    with Engine(running_engine.url) as connected:
        yield connected


def engine_graphs(engine: Engine) -> set[str]:
    return {row["g"] for row in engine.select(PUBLISHED)}


def test_every_graph_is_published_as_the_store_has_it(cli, all_store, running_engine, engine):  # noqa: F811
    built, store = all_store
    published(cli, built.result.path, running_engine)
    assert engine_graphs(engine) == expected_graphs(engine, store)
    assert differing_graphs(engine, store) == []
    assert recorded_version(engine, BASE) == store_version(store)
    if engine.services.named:  # readers name the union graph, and the release graphs
        default, named = reader_dataset(engine, BASE)
        assert (default, sorted(named)) == \
            ([union_graph(BASE).value], sorted(g.value for g in store.named_graphs()))


def expected_graphs(engine: Engine, store) -> set[str]:
    """The graphs a publish of `store` leaves in the engine: the store's, the record and,
    where readers name graphs, the union graph, which holds the store's triples."""
    names = {g.value for g in store.named_graphs()} | {record_graph(BASE).value}
    if not engine.services.named:
        return names
    union = union_graph(BASE).value
    assert isomorphic_triples(list({q.triple for q in store}), graph_of(engine, union))
    return names | {union}


def answers(rows) -> Counter:
    """Rows compared as SPARQL defines them, not as one engine writes them: the order of a
    GROUP_CONCAT's values is undefined (ours are joined by " | "), and engines differ on a
    GROUP_CONCAT of no values (Virtuoso: "", Oxigraph: unbound)."""
    return Counter(tuple(sorted((name, " | ".join(sorted(value.split(" | "))))
                                for name, value in row.items() if value != ""))
                   for row in rows)


def known_failure_on_virtuoso(request, running, reason: str) -> None:
    if running.name == "virtuoso":
        request.applymarker(pytest.mark.xfail(reason=f"Virtuoso 7.2: {reason}", strict=False))


def test_the_competency_queries_answer_the_same_from_the_engine(cli, all_store,
                                                                running_engine, engine):  # noqa: F811
    built, store = all_store
    published(cli, built.result.path, running_engine)
    dataset = reader_dataset(engine, BASE)
    answered = 0
    wrong = KNOWN_WRONG.get(running_engine.name, {})
    for example in examples():
        if example.name in wrong:
            continue
        result = run(store, example.text, BASE)
        response = json.loads(engine.query(prologue(BASE) + example.text, dataset=dataset))
        if isinstance(result, QueryBoolean):
            assert response["boolean"] is bool(result), example.name
            continue
        names = [v.value for v in result.variables]
        ours = [{n: row[n].value for n in names if row[n] is not None} for row in result]
        theirs = [{n: cell["value"] for n, cell in row.items()}
                  for row in response["results"]["bindings"]]
        assert within_ours(running_engine.name, example.name, answers(ours),
                           answers(theirs)), example.name
        answered += bool(ours)
    assert answered >= 15  # not a comparison of empty answers (18, posts, has none here)


def test_a_new_version_replaces_the_old_and_removes_its_graphs(cli, all_store, bundled_store,
                                                               running_engine, engine):  # noqa: F811
    (big, _), (small, small_store) = all_store, bundled_store
    published(cli, big.result.path, running_engine)
    published(cli, small.result.path, running_engine)
    assert engine_graphs(engine) == expected_graphs(engine, small_store)
    assert recorded_version(engine, BASE) == store_version(small_store)
    assert not any(g.startswith(STAGING) for g in _all_graphs(engine))


def _all_graphs(engine: Engine) -> set[str]:
    return {row["g"] for row in engine.select("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")}


def test_a_reader_during_publishes_sees_one_version_whole(running_engine, engine,  # noqa: F811
                                                          request, cli, all_store,
                                                          bundled_store):
    known_failure_on_virtuoso(request, running_engine,
                              "reads at READ COMMITTED: a query running while the switch "
                              "commits counts part of each version (3 of 240 reads)")
    stores = [all_store, bundled_store]
    expected = {store_version(s): len(s) for _, s in stores}
    seen: list[tuple[str, int]] = []
    stop = threading.Event()

    def read() -> None:
        with Engine(running_engine.url) as reader:
            while not stop.is_set():
                seen.extend((row["v"], int(row["n"])) for row in reader.select(SEEN))

    published(cli, bundled_store[0].result.path, running_engine)
    thread = threading.Thread(target=read)
    thread.start()
    try:
        for _ in range(2):
            for built, _store in stores:
                published(cli, built.result.path, running_engine)
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 10
    assert {v for v, _ in seen} == set(expected)  # both versions were read, and nothing else
    assert all(n == expected[v] for v, n in seen), Counter(seen)


def test_an_unreachable_engine_is_one_line(cli, bundled_store):
    done = cli("publish", "--store", str(bundled_store[0].result.path), "--to",
               f"http://127.0.0.1:{free_port()}/")
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1
    assert "cannot reach the engine" in done.stderr


def test_refused_writes_switch_nothing(cli, all_store, bundled_store, running_engine, engine):  # noqa: F811
    """Virtuoso refuses writes without credentials (403) or with wrong ones (401); whatever
    was uploaded is dropped and readers keep the version they had."""
    if running_engine.auth is None:
        pytest.skip(f"{running_engine.name} asks for no credentials")
    published(cli, all_store[0].result.path, running_engine)
    before = engine_graphs(engine)
    small = str(bundled_store[0].result.path)
    user = running_engine.auth[0]
    for extra, status in (([], "403"), (["--auth", f"{user}:wrong"], "401")):
        done = cli("publish", "--store", small, "--to", running_engine.url, *extra)
        assert done.returncode != 0
        assert done.stderr.count("\n") == 1 and status in done.stderr, done.stderr
        assert engine_graphs(engine) == before
        assert recorded_version(engine, BASE) == store_version(all_store[1])


class _Failing(http.server.BaseHTTPRequestHandler):
    """An engine that answers queries with no rows and every upload with a 500."""

    def version_string(self) -> str:
        return "Oxigraph/0.5 (a failing stand-in)"

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(200, b"")

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(200, b'{"head": {"vars": ["g"]}, "results": {"bindings": []}}')

    def do_PUT(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(500, b"disk full\nand more")

    def log_message(self, *args) -> None:
        pass


def test_a_server_error_is_one_line_naming_the_service(cli, bundled_store):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        done = cli("publish", "--store", str(bundled_store[0].result.path), "--to", url)
    finally:
        server.shutdown()
    assert done.returncode != 0
    assert done.stderr.strip() == (f"policykg publish: {url}store: 500 Internal Server Error: "
                                   "disk full and more")


def test_serving_an_engine_follows_each_published_version(cli, all_store, bundled_store,
                                                          tmp_path):
    """`policykg serve --engine`: refused in one line before anything is published, then
    answering from each version as soon as it is published."""
    with oxigraph_serve(tmp_path) as running:
        command = [*policykg_command(), "serve", "--engine", running.url, "--port",
                   str(free_port())]
        refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0
        assert refused.stderr.strip().splitlines()[-1].startswith("policykg serve: ")
        assert "run `policykg publish --to` first" in refused.stderr
        assert "serving" not in refused.stderr  # it never said it was
        published(cli, bundled_store[0].result.path, running)
        with serving(bundled_store[0].result.path, tmp_path,
                     environment={"POLICYKG_ENGINE": running.url}) as served:
            for _built, store in (bundled_store, all_store, bundled_store):
                published(cli, _built.result.path, running)
                version, answer = store_version(store), None
                for _ in range(50):  # looked at again once a second
                    answer = httpx.get(served.url, params={"query": COUNT}, timeout=10)
                    if answer.headers["X-Policykg-Version"] == version:
                        break
                    time.sleep(0.1)
                assert answer.headers["X-Policykg-Version"] == version
                ready = httpx.get(served.url.replace("/sparql", "/readyz"), timeout=10)
                assert ready.status_code == 200 and ready.json()["version"] == version
                assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) == len(store)
