"""The documented deployment (docs/deploy.md): nginx, configured by deploy/render_nginx.py,
in front of two `policykg serve` front-ends over one store. Failover, caching and slow
clients are checked through nginx, as a client meets them."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, Endpoint, free_port, serving
from tests.test_serve_http import ASK, fresh

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
BODY_TIMEOUT = 2  # seconds nginx waits between two reads of a request body
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian package nginx; .ci/run installs it)")


@dataclass(frozen=True)
class Proxied:
    url: str  # nginx's /sparql
    front_ends: list[Endpoint]
    error_log: Path


@contextmanager
def behind_nginx(store: Path, home: Path, count: int = 2):
    """`count` front-ends (one worker each) over `store`, and nginx in front of them."""
    with ExitStack() as stack:
        front_ends = []
        for n in range(count):
            (home / f"front-{n}").mkdir()
            front_ends.append(stack.enter_context(serving(
                store, home / f"front-{n}", timeout=10, workers=1,
                # nginx is one client; temporary files (the metrics directory of a
                # front-end killed -9 among them) under the test's directory
                environment={"POLICYKG_CLIENT_QUERIES": "64",
                             "TMPDIR": str(home / f"front-{n}")})))
        prefix, port = home / "nginx", free_port()
        user = ["--user", getpass.getuser()] if os.geteuid() == 0 else []
        rendered = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "render_nginx.py"),
             "--listen", f"127.0.0.1:{port}", "--prefix", str(prefix),
             "--body-timeout", str(BODY_TIMEOUT), "--cache-seconds", "60", *user,
             *(arg for e in front_ends for arg in ("--upstream", e.url.split("/")[2]))],
            capture_output=True, text=True, check=True)
        config = prefix / "nginx.conf"
        config.write_text(rendered.stdout)
        error_log = prefix / "error.log"
        nginx = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-e", str(error_log), "-c", str(config),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True)
        stack.callback(_stop, nginx)
        url = f"http://127.0.0.1:{port}/sparql"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url.replace("/sparql", "/healthz"), timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if nginx.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start:\n{error_log.read_text()}")
            time.sleep(0.1)
        yield Proxied(url, front_ends, error_log)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def proxied(bundled_store, tmp_path_factory):
    built, _ = bundled_store
    with behind_nginx(built.result.path, tmp_path_factory.mktemp("replicas")) as served:
        yield served


def test_nginx_answers_a_repeated_get_from_its_cache(proxied):
    query = fresh(ASK)
    first = requests.get(proxied.url, params={"query": query}, timeout=10)
    again = requests.get(proxied.url, params={"query": query}, timeout=10)
    assert (first.headers["X-Cache-Status"], again.headers["X-Cache-Status"]) == ("MISS", "HIT")
    assert again.text == first.text and again.headers["ETag"] == first.headers["ETag"]
    as_csv = requests.get(proxied.url, params={"query": query}, timeout=10,
                          headers={"Accept": "text/csv"})  # Vary: Accept is a new entry
    assert as_csv.headers["X-Cache-Status"] == "MISS" and as_csv.text.strip() == "true"
    posted = [requests.post(proxied.url, data={"query": query}, timeout=10) for _ in range(2)]
    assert [p.status_code for p in posted] == [200, 200]
    assert "HIT" not in {p.headers.get("X-Cache-Status") for p in posted}


def test_health_readiness_and_metrics_through_nginx(proxied):
    root = proxied.url.removesuffix("/sparql")
    for _ in range(2):  # never from the cache
        alive = requests.get(root + "/healthz", timeout=10)
        ready = requests.get(root + "/readyz", timeout=10)
        assert alive.json()["status"] == "alive" and ready.json()["status"] == "ready"
        assert "X-Cache-Status" not in alive.headers and "X-Cache-Status" not in ready.headers
    metrics = requests.get(root + "/metrics", timeout=10)
    assert metrics.status_code == 200 and "policykg_requests_total{" in metrics.text


def test_a_body_sent_too_slowly_holds_up_no_other_request(proxied):
    """What granian cannot do alone (tests/test_serve_http.py, the strict xfail): more
    stalled POST bodies than both front-ends have threads, a light query answered
    meanwhile, and each stalled connection answered 408 once the body timeout passes."""
    host, port = proxied.url.split("/")[2].split(":")
    stalled = []
    for _ in range(12):
        conn = socket.create_connection((host, int(port)), timeout=15)
        conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
        stalled.append(conn)
    started = time.monotonic()
    try:
        time.sleep(0.3)
        light = requests.get(proxied.url, params={"query": fresh(ASK)}, timeout=5)
        assert light.status_code == 200
        for conn in stalled:
            answer = conn.recv(4096)
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert time.monotonic() - started < BODY_TIMEOUT + 5
    finally:
        for conn in stalled:
            conn.close()


def test_killing_a_front_end_under_load_fails_no_request(bundled_store, tmp_path):
    """GETs and POSTs from several threads; one front-end is killed (SIGKILL to its whole
    process group) while they run: nginx sends every request on to the other one."""
    built, _ = bundled_store
    with behind_nginx(built.result.path, tmp_path) as served:
        outcomes: list[tuple[float, int | str]] = []
        stop = threading.Event()

        def client(n: int) -> None:
            with requests.Session() as session:
                while not stop.is_set():
                    query = fresh(ASK)
                    try:
                        if n % 2:
                            status = session.post(served.url, data={"query": query},
                                                  timeout=30).status_code
                        else:
                            status = session.get(served.url, params={"query": query},
                                                 timeout=30).status_code
                    except requests.RequestException as exc:
                        status = type(exc).__name__
                    outcomes.append((time.monotonic(), status))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        killed = time.monotonic()
        os.killpg(served.front_ends[0].pid, signal.SIGKILL)
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    failed = [status for _, status in outcomes if status != 200]
    assert not failed, f"{len(failed)} of {len(outcomes)} requests failed: {failed[:10]}"
    before = sum(1 for at, _ in outcomes if at < killed)
    assert before >= 10 and len(outcomes) - before >= 10, (before, len(outcomes))
