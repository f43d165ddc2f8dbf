"""HTTP as `policykg serve` speaks it (granian in front of the app, server/serve.py), met
the way clients meet it: connections kept alive and requests pipelined on them, repeated
GETs answered from the response cache (with their headers, 304s and HEADs), large answers
streamed, malformed or oversized requests refused with a status, a request head sent too
slowly cut off, and a query past its deadline or its memory limit answered 503 while the
requests beside it are answered as usual."""

from __future__ import annotations

import ctypes.util
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests

from .conftest import free_port, policykg_command, serving

ASK = "ASK { ?s ?p ?o }"
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
         "FILTER(STR(?c) < STR(?i)) }")


def fresh(query: str) -> str:
    """The query with a unique comment, so no cache has its answer yet."""
    return f"{query}\n# {uuid.uuid4()}"


def address(endpoint) -> tuple[str, int]:
    parts = urlsplit(endpoint.url)
    return parts.hostname, parts.port


def target(query: str) -> str:
    return "/sparql?query=" + quote(query, safe="")


def read_response(sock_file) -> tuple[int, dict[str, str], bytes]:
    """One response off a raw connection (Content-Length framing)."""
    status = int(sock_file.readline().split()[1])
    headers = {}
    while (line := sock_file.readline().decode("latin-1").strip()):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = sock_file.read(int(headers.get("content-length", 0)))
    return status, headers, body


def test_a_connection_is_kept_alive_across_requests(endpoint):
    conn = http.client.HTTPConnection(*address(endpoint), timeout=10)
    sockets = []
    for _ in range(5):
        conn.request("GET", target(fresh(ASK)), headers={"Accept": "application/json"})
        response = conn.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["boolean"] is True
        assert response.getheader("Connection") is None  # HTTP/1.1: open unless said
        sockets.append(conn.sock)
    assert all(s is sockets[0] for s in sockets)  # one connection served all five
    conn.close()


def test_pipelined_requests_are_answered_in_order(endpoint):
    queries = [f"SELECT ?n WHERE {{ VALUES ?n {{ {n} }} }} # {uuid.uuid4()}"
               for n in range(6)]
    host, port = address(endpoint)
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(b"".join(
            f"GET {target(q)} HTTP/1.1\r\nHost: {host}\r\nAccept: text/csv\r\n\r\n".encode()
            for q in queries))
        replies = conn.makefile("rb")
        answers = [read_response(replies) for _ in queries]
    assert [status for status, _, _ in answers] == [200] * 6
    assert [body.decode().split()[1] for _, _, body in answers] == [str(n) for n in range(6)]


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_headers(endpoint):
    session = requests.Session()  # one connection, so one worker
    params = {"query": fresh("SELECT ?m WHERE { ?m a pk:Meeting } ORDER BY ?m")}
    first = session.get(endpoint.url, params=params, headers={"Accept": "text/csv"})
    again = session.get(endpoint.url, params=params, headers={"Accept": "text/csv"})
    assert first.status_code == again.status_code == 200
    assert "X-Policykg-Cache" not in first.headers
    assert again.headers["X-Policykg-Cache"] == "hit"
    assert again.content == first.content
    ignored = {"date", "x-policykg-cache"}
    assert {k.lower(): v for k, v in again.headers.items() if k.lower() not in ignored} == \
        {k.lower(): v for k, v in first.headers.items() if k.lower() not in ignored}
    # HEAD of a cached answer: its headers, no body
    head = session.head(endpoint.url, params=params, headers={"Accept": "text/csv"})
    assert head.headers["X-Policykg-Cache"] == "hit"
    assert head.headers["Content-Length"] == str(len(first.content)) and head.content == b""
    # the client has it: 304 from the cache, with the validators
    unchanged = session.get(endpoint.url, params=params, headers={
        "Accept": "text/csv", "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    assert unchanged.headers["Vary"] == first.headers["Vary"] and "Accept" in first.headers["Vary"]
    # another format is another answer
    other = session.get(endpoint.url, params=params, headers={"Accept": "application/json"})
    assert "X-Policykg-Cache" not in other.headers
    assert other.headers["Content-Type"].startswith("application/sparql-results+json")
    # a POST query (the workbench's) is its own entry, keyed by its body too
    posted = [session.post(endpoint.url, data=params, headers={"Accept": "text/csv"})
              for _ in range(2)]
    assert [p.headers.get("X-Policykg-Cache") for p in posted] == [None, "hit"]
    assert posted[0].content == posted[1].content == first.content
    other_body = session.post(endpoint.url, data={**params, "download": "1"},
                              headers={"Accept": "text/csv"})
    assert "X-Policykg-Cache" not in other_body.headers
    assert other_body.headers["Content-Disposition"].startswith("attachment")


def test_pages_are_cached_too(endpoint, served):
    session = requests.Session()
    url = served.url + "/page/actor/nict"
    answers = [session.get(url, headers={"Accept": "text/html"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].headers["X-Policykg-Cache"] == "hit"
    assert answers[1].text == answers[0].text
    missing = [session.get(served.url + "/page/actor/no-such-thing") for _ in range(2)]
    assert [m.status_code for m in missing] == [404, 404]
    assert "X-Policykg-Cache" not in missing[1].headers  # only 200s are kept


def test_a_large_answer_streams_whole(endpoint):
    count = requests.get(endpoint.url, params={"query": "SELECT (COUNT(*) AS ?n) "
                                               "WHERE { GRAPH ?g { ?s ?p ?o } }"},
                         headers={"Accept": "text/csv"}, timeout=30).text.split()[1]
    with requests.get(endpoint.url, params={"query": fresh(
            "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")},
            headers={"Accept": "application/sparql-results+json"}, stream=True,
            timeout=60) as response:
        assert response.status_code == 200
        body = b"".join(response.iter_content(1 << 16))
    assert len(body) > 1 << 20  # past the size that is sent in one piece
    assert len(json.loads(body)["results"]["bindings"]) == int(count)


def test_http_1_0_gets_its_answer_and_the_connection_closes(endpoint):
    host, port = address(endpoint)
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(f"GET {target(fresh(ASK))} HTTP/1.0\r\nAccept: text/csv\r\n\r\n".encode())
        replies = conn.makefile("rb")
        status, headers, body = read_response(replies)
        assert (status, body.strip()) == (200, b"true")
        assert headers.get("connection", "close") == "close"
        assert replies.read() == b""  # closed by the server


def raw(endpoint, request: bytes) -> int:
    """The status of the answer to `request`, sent as it is on a new connection."""
    with socket.create_connection(address(endpoint), timeout=10) as conn:
        conn.sendall(request)
        return read_response(conn.makefile("rb"))[0]


def test_malformed_and_oversized_requests_get_a_status(endpoint):
    assert raw(endpoint, b"GET /sparql HTTP/1.1\r\nHost x\r\n\r\n") == 400
    many = b"".join(b"X-Field-%d: x\r\n" % n for n in range(200))
    assert raw(endpoint, b"GET /sparql HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n") == 431
    size = endpoint.max_request_bytes + 1
    with socket.create_connection(address(endpoint), timeout=10) as conn:
        conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/sparql-query\r\nContent-Length: %d\r\n\r\n" % size
                     + b"x" * size)
        status, headers, body = read_response(conn.makefile("rb"))
    assert status == 413 and str(endpoint.max_request_bytes) in body.decode()
    assert requests.get(endpoint.url, params={"query": fresh(ASK)}, timeout=10).ok


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def test_a_chunked_body_is_read_whole_and_held_to_the_size_limit(endpoint):
    """A body without Content-Length is read to its end before the app sees it (its
    length then known), and one past the limit gets the app's 413."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nContent-Type: "
            b"application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n")
    query = fresh(ASK).encode()
    with socket.create_connection(address(endpoint), timeout=10) as conn:
        conn.sendall(head + chunked(query[:5], query[5:]))
        status, _, answer = read_response(conn.makefile("rb"))
    assert (status, answer.strip()) == (200, b"true")
    with socket.create_connection(address(endpoint), timeout=10) as conn:
        conn.sendall(head + chunked(*[b"#" * 1000] * 9))
        status, _, answer = read_response(conn.makefile("rb"))
    assert status == 413 and str(endpoint.max_request_bytes) in answer.decode()


def test_a_request_head_sent_too_slowly_is_cut_off(bundled_store, tmp_path):
    """Slowloris: a head never finished holds no connection past the header timeout."""
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, environment={"POLICYKG_HEADER_TIMEOUT": "1"}
                 ) as one, socket.create_connection(address(one), timeout=10) as conn:
        started = time.monotonic()
        conn.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
        for _ in range(8):  # a byte now and then, never the blank line
            time.sleep(0.25)
            try:
                conn.sendall(b"X")
            except OSError:
                break
        rest = conn.recv(4096)  # closed (b"") or a 408, once the second has passed
        while rest and not rest.endswith(b"\r\n\r\n"):
            more = conn.recv(4096)
            if not more:
                break
            rest += more
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < 5
        assert requests.get(one.url, params={"query": ASK}, timeout=10).ok


def test_expect_100_continue_is_honoured(endpoint):
    host, port = address(endpoint)
    body = fresh(ASK).encode()
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n"
                     b"Content-Type: application/sparql-query\r\nExpect: 100-continue\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        replies = conn.makefile("rb")
        assert replies.readline().startswith(b"HTTP/1.1 100 Continue")
        assert replies.readline() == b"\r\n"
        conn.sendall(body)
        status, _, answer = read_response(replies)
    assert (status, answer.strip()) == (200, b"true")


def test_past_the_deadline_only_the_late_query_gets_503(bundled_store, tmp_path):
    """One worker: the late query is answered with the deadline's message; the queries
    sent beside it, to the same worker, are answered as usual."""
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, timeout=4, workers=1) as one:
        answers: dict[str, requests.Response] = {}

        def ask(name: str, query: str, delay: float) -> None:
            time.sleep(delay)
            answers[name] = requests.get(one.url, params={"query": fresh(query)}, timeout=30)

        threads = [threading.Thread(target=ask, args=("late", HEAVY, 0.0))] + [
            threading.Thread(target=ask, args=(f"beside-{n}", ASK, 0.1 * n))
            for n in range(1, 11)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert answers["late"].status_code == 503
        assert "4 s limit" in answers["late"].text
        assert [(answers[f"beside-{n}"].status_code, answers[f"beside-{n}"].text[:80]) for n in
                range(1, 11)] == [(200, answers["beside-1"].text[:80])] * 10


def test_a_query_past_the_memory_limit_fails_alone_under_load(bundled_store, tmp_path):
    built, _ = bundled_store
    hungry = ("SELECT ?o WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 . ?s3 ?p3 ?o3 } "
              "ORDER BY ?o2 ?o3 LIMIT 1")
    with serving(built.result.path, tmp_path, timeout=20, workers=1,
                 environment={"POLICYKG_QUERY_MEMORY_MB": "200"}) as one:
        answers: list[int] = []

        def light() -> None:
            with requests.Session() as session:
                for _ in range(10):
                    answers.append(session.get(one.url, params={"query": fresh(ASK)},
                                               timeout=30).status_code)

        clients = [threading.Thread(target=light) for _ in range(4)]
        for client in clients:
            client.start()
        killed = requests.get(one.url, params={"query": hungry}, timeout=60)
        for client in clients:
            client.join(timeout=60)
        assert killed.status_code == 503 and "200 MB" in killed.text
        assert answers == [200] * 40


def serving_processes(endpoint, at_least: int = 3) -> list[int]:
    """The pids of the `policykg serve` answering at the endpoint (granian's main process
    and its workers: the process group of the one started with the endpoint's port), once
    there are `at_least` of them: the server answers as soon as its first worker is up,
    and granian may still be starting the others."""
    port = f"--port\x00{address(endpoint)[1]}\x00".encode()
    deadline = time.monotonic() + 10
    while True:
        main = [pid for pid in pids() if port in read_proc(f"/proc/{pid}/cmdline")]
        group = [pid for pid in pids() if main and _group(pid) == _group(main[0])]
        if len(group) >= at_least or time.monotonic() > deadline:
            return group
        time.sleep(0.1)


def pids() -> list[int]:
    """The pids of every process on the machine, read from /proc."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def read_proc(path: str) -> bytes:
    """A /proc file's bytes, or none when its process has ended meanwhile."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _group(pid: int) -> int | None:
    fields = read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[-1].split()
    return int(fields[2]) if len(fields) > 2 else None


def mapped(pid: int, library: str) -> bool:
    with open(f"/proc/{pid}/maps") as f:
        return library in f.read()


@pytest.mark.skipif(ctypes.util.find_library("jemalloc") is None,
                    reason="no libjemalloc on this machine (Debian: apt-get install libjemalloc2)")
def test_the_server_runs_on_jemalloc_unless_told_not_to(endpoint, bundled_store, tmp_path):
    pids = serving_processes(endpoint)
    assert len(pids) >= 3  # the main process and two workers
    assert all(mapped(pid, "libjemalloc") for pid in pids)
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, environment={"POLICYKG_ALLOCATOR": "system"}
                 ) as plain:
        pids = serving_processes(plain)
        assert len(pids) >= 3
        assert not any(mapped(pid, "libjemalloc") for pid in pids)
        assert requests.get(plain.url, params={"query": ASK}, timeout=10).ok


def test_the_working_directory_does_not_shadow_a_module(bundled_store, tmp_path):
    """`policykg serve` runs itself again (to preload jemalloc); a `grp.py` where it is
    started must not stand in for the standard library's `grp`, which the server's
    modules may import."""
    marker = tmp_path / "shadowed"
    (tmp_path / "grp.py").write_text(f"open({str(marker)!r}, 'w').close()\n"
                                     "raise ImportError('shadowed')\n")
    built, _ = bundled_store
    with serving(built.result.path, tmp_path) as started:
        assert requests.get(started.url, params={"query": ASK}, timeout=10).ok
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["empty directory", "corrupt database"])
def test_a_store_that_cannot_be_read_stops_serve_with_one_line(tmp_path, damage):
    store = tmp_path / "store"
    store.mkdir()
    if damage == "corrupt database":
        (store / "CURRENT").write_text("not a manifest name\n")
    done = subprocess.run([*policykg_command(), "serve", "--store", str(store), "--port",
                           str(free_port())], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "POLICYKG_ALLOCATOR": "system"})
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("policykg serve:")]
    assert len(errors) == 1 and str(store) in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert "serving" not in done.stderr  # it never said it was


def test_a_body_sent_too_slowly_holds_up_no_other_request(bundled_store, tmp_path):
    """Slow bodies: more POSTs whose bodies never finish than the worker has threads (4);
    a light query sent meanwhile is answered, and each stalled POST gets a 408 (or its
    connection closed) once the body timeout has passed, not later."""
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, workers=1,
                 environment={"POLICYKG_BODY_TIMEOUT": "2"}) as one:
        stalled = []
        started = time.monotonic()
        for _ in range(6):
            conn = socket.create_connection(address(one), timeout=15)
            conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
            stalled.append(conn)
        time.sleep(0.3)
        try:
            assert requests.get(one.url, params={"query": fresh(ASK)}, timeout=5).ok
            for conn in stalled:
                answer = conn.makefile("rb").read()  # until the server closes the connection
                assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
                assert answer.endswith(b"the request body did not arrive within 2 s\n")
            assert time.monotonic() - started < 2 + 3
            scrape = requests.get(one.url.removesuffix("/sparql") + "/metrics", timeout=10)
            # counted like any answer
            assert 'policykg_requests_total{route="sparql",status="408"} 6.0' in scrape.text
        except requests.Timeout:
            pytest.fail("a light query waited past 5 s behind six stalled request bodies")
        finally:
            for conn in stalled:
                conn.close()


def test_the_directories_of_a_server_killed_with_kill_9_go_with_the_next_start(
        bundled_store, tmp_path):
    """A server shares its workers' metrics and limits through directories it removes when
    it stops; one killed with `kill -9` cannot, and the next server to start removes them
    (and not those of a server still running)."""
    built, _ = bundled_store
    scratch = Path(tempfile.gettempdir())
    for home in ("running", "killed", "next"):
        (tmp_path / home).mkdir()
    with serving(built.result.path, tmp_path / "running") as running:
        kept = sorted(scratch.glob(f"policykg-*-{running.pid}-*"))
        assert {path.name.split("-")[1] for path in kept} == {"metrics", "admission"}
        with serving(built.result.path, tmp_path / "killed") as killed:
            left = sorted(scratch.glob(f"policykg-*-{killed.pid}-*"))
            assert len(left) == 2
            os.killpg(killed.pid, signal.SIGKILL)
        with serving(built.result.path, tmp_path / "next"):
            assert not any(path.exists() for path in left)
            assert all(path.exists() for path in kept)
