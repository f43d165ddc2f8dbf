"""Admission control (server/admission.py), met as clients meet it over HTTP against
`policykg serve`: a client past its share is refused at once while another client is
answered; a query stopped for its limit is refused when sent again, without being
evaluated, and a cheaper query like it is not; the memory budget bounds the evaluations
running at once. Clients are told apart by X-Forwarded-For, the server trusting the
loopback proxy (as behind nginx on the same machine)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from server.admission import Slots, client_address

from .conftest import ROOT, serving
from .test_serve_http import pids, read_proc

HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
         "FILTER(STR(?c) < STR(?i)) }")  # runs until its deadline in little memory
CHEAP = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c FILTER(STR(?c) < STR(?a)) }"
TRUSTING = {"POLICYKG_TRUSTED_PROXIES": "127.0.0.1"}


def ask(url: str, query: str, client: str, **extra) -> requests.Response:
    return requests.post(url, data=query.encode(), timeout=120, **extra,
                         headers={"Content-Type": "application/sparql-query",
                                  "Accept": "application/sparql-results+json",
                                  "X-Forwarded-For": client})


def timed(url: str, query: str, client: str) -> tuple[requests.Response, float]:
    began = time.monotonic()
    answer = ask(url, query, client)
    return answer, time.monotonic() - began


def in_background(url: str, query: str, client: str) -> tuple[threading.Thread, list]:
    answers: list[requests.Response] = []
    thread = threading.Thread(target=lambda: answers.append(ask(url, query, client)))
    thread.start()
    return thread, answers


def test_a_client_past_its_share_is_refused_at_once_while_another_is_answered(
        bundled_store, tmp_path):
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, timeout=15, workers=2,
                 environment={**TRUSTING, "POLICYKG_CLIENT_QUERIES": "1"}) as server:
        running, first = in_background(server.url, HEAVY, "10.0.0.1")
        time.sleep(2)  # it runs (15 s)
        refused, refused_in = timed(server.url, HEAVY + " # 2", "10.0.0.1")
        other, other_in = timed(server.url, CHEAP, "10.0.0.2")
        running.join(60)
    assert refused.status_code == 429 and refused_in < 5
    assert int(refused.headers["Retry-After"]) > 0
    assert "this client already has 1 queries running" in refused.text
    assert other.status_code == 200 and other_in < 5
    assert first[0].status_code == 503 and "15 s limit" in first[0].text


def test_a_query_stopped_for_its_limit_is_refused_when_sent_again(bundled_store, tmp_path):
    """The same query (another comment and layout, another client) is refused at once
    with the reason, without an evaluation; a cheaper query like it is answered."""
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, timeout=4, workers=2,
                 environment={**TRUSTING, "POLICYKG_COOLOFF": "300"}) as server:
        stopped, _ = timed(server.url, HEAVY, "10.0.0.1")
        again = [timed(server.url, f"# try {n}\n{HEAVY.replace(' . ', ' .  ')}",
                       f"10.0.1.{n}") for n in range(4)]  # each worker gets some
        similar, _ = timed(server.url, CHEAP, "10.0.0.3")
    assert stopped.status_code == 503 and "4 s limit" in stopped.text
    for answer, seconds in again:
        assert answer.status_code == 503 and seconds < 5, answer.text
        assert "was stopped for time" in answer.text
        assert 0 < int(answer.headers["Retry-After"]) <= 301
    assert similar.status_code == 200


def test_the_memory_budget_bounds_the_evaluations_running_at_once(bundled_store, tmp_path):
    """A budget of two queries' limits: five clients send long queries at once, and no
    more than two evaluators work at a time (their CPU time, sampled from /proc)."""
    built, _ = bundled_store
    environment = {**TRUSTING, "POLICYKG_QUERY_MEMORY_MB": "300",
                   "POLICYKG_MEMORY_BUDGET_MB": "600", "POLICYKG_QUEUE_WAIT": "60"}
    with serving(built.result.path, tmp_path, timeout=8, workers=2,
                 environment=environment) as server:
        pgid = server_group(server.url)
        started = quiet_evaluators(server.url, pgid, 2 * 4)  # workers × evaluators
        senders = [in_background(server.url, f"{HEAVY} LIMIT {n}", f"10.0.2.{n}")
                   for n in range(1, 6)]  # other skeletons: no cool-off between them
        # Busy = working in two samples running (0.5 s): a hand-over from a query stopped
        # to the next, or a waiting query's parse (the shape job, cheap), is no evaluation.
        most, before, busy_before = 0, started, set()
        while any(thread.is_alive() for thread, _ in senders):
            time.sleep(0.25)
            now = cpu_times(pgid)
            busy = {pid for pid, ticks in before.items() if now.get(pid, 0) > ticks}
            most = max(most, len(busy & busy_before))
            before, busy_before = {pid: t for pid, t in now.items() if pid in started}, busy
    answers = [answers[0] for _, answers in senders]
    assert [a.status_code for a in answers] == [503] * 5
    assert sum("8 s limit" in a.text for a in answers) >= 1
    assert 1 <= most <= 2


def quiet_evaluators(url: str, pgid: int, count: int) -> dict[int, int]:
    """The CPU times of the server's `count` evaluators, once all are started (a query
    now and then warms each worker's) and none works."""
    deadline = time.monotonic() + 90
    before = cpu_times(pgid)
    while time.monotonic() < deadline:
        if len(before) < count:
            ask(url, "ASK {}", "10.0.3.1")
        time.sleep(0.5)
        now = cpu_times(pgid)
        if len(now) == count and now == before:
            return now
        before = now
    raise AssertionError(f"the server's {count} evaluators did not start and settle: "
                         f"{before}")


def test_a_slot_held_by_a_killed_process_is_free_again(tmp_path):
    """kill -9 of a worker holding slots must not keep them."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from server.admission import Slots; s = Slots(Path(sys.argv[1]), 'x', 1).take(); "
         "print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert holder.stdout.readline().strip() == "held"
        slots = Slots(tmp_path, "x", 1)
        assert slots.take() is None and slots.held() == 1
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        taken = slots.take(time.monotonic() + 5)
        assert taken is not None
        taken.release()
        assert slots.held() == 0 and not list(tmp_path.iterdir())  # nothing left behind
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.9", "10.0.0.1", "203.0.113.9"),  # not a trusted proxy: its header is ignored
    ("127.0.0.1", "10.0.0.1", "10.0.0.1"),
    ("127.0.0.1", "6.6.6.6, 10.0.0.1", "10.0.0.1"),  # the client wrote the first one
    ("127.0.0.1", "10.0.0.1, 127.0.0.1", "10.0.0.1"),  # through two trusted proxies
    ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ("127.0.0.1", None, "127.0.0.1"),
])
def test_the_client_is_the_peer_or_what_a_trusted_proxy_forwarded(peer, forwarded, expected):
    environ = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(environ, frozenset({"127.0.0.1"})) == expected


def server_group(url: str) -> int:
    """The process group of the `policykg serve` listening on the URL's port."""
    port = f"--port\x00{url.split(':')[2].split('/')[0]}\x00".encode()
    for pid in pids():
        if port in read_proc(f"/proc/{pid}/cmdline"):
            return os.getpgid(pid)
    raise AssertionError(f"no server process for {url}")


def cpu_times(pgid: int) -> dict[int, int]:
    """The group's evaluator processes and the CPU time (ticks) each has used."""
    found = {}
    for pid in pids():
        if b"sandbox.evaluator" in read_proc(f"/proc/{pid}/cmdline"):
            try:
                if os.getpgid(pid) == pgid:
                    fields = read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
                    found[pid] = int(fields[11]) + int(fields[12])  # utime + stime
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
    return found


def test_the_limits_directory_of_an_app_made_without_one_goes_when_its_process_ends():
    """An app made outside `policykg serve` (a test's, a WSGI host's) keeps its limits in a
    directory of its own process, not left behind in the temporary folder."""
    made = subprocess.run([sys.executable, "-c", "from server.admission import directory; "
                           "path = directory(''); assert path.is_dir(); print(path)"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=True)
    assert made.stdout.strip().startswith(tempfile.gettempdir())
    assert not Path(made.stdout.strip()).exists()
