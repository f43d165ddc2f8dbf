"""Queries run in confined evaluator processes (server/evaluators.py, sandbox/):
no outbound connection even when the parse-based SERVICE refusal is bypassed, a memory
limit, a deadline; a query stopped for any of these fails alone."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from pyoxigraph import RdfFormat, Store

from server.evaluators import Failed, Job, Pool, Stopped

from .conftest import ROOT
from .listener import Listener

MESSAGES = {reason: f"stopped: {reason}" for reason in
            ("time", "memory", "crash", "busy", "unavailable")}
HUNGRY = "SELECT ?o WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 . ?s3 ?p3 ?o3 } ORDER BY ?o2 ?o3 LIMIT 1"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> str:
    """A plain Oxigraph store of 2,000 triples (so a cross product is large)."""
    path = tmp_path_factory.mktemp("sandbox") / "store"
    store = Store(str(path))
    store.load(b"".join(b"<http://x/s%d> <http://x/p> \"%d\" .\n" % (n, n)
                        for n in range(2000)), RdfFormat.N_TRIPLES)
    store.flush()
    del store
    return str(path)


def within(seconds: float) -> float:
    return time.monotonic() + seconds


def job(store_dir: str, query: str, **changes) -> Job:
    fields = dict(target=store_dir, query=query, base="", prefixes=None, default_graphs=None,
                  named_graphs=(), union=True, graph=False,
                  media_type="application/sparql-results+json")
    return Job(**{**fields, **changes})


@pytest.fixture
def pool():
    """Two evaluators, both started (the tests time what happens to queries, not starts)."""
    made = Pool(size=2, memory_bytes=256 << 20)
    made.warm()
    deadline = within(60)
    while made.idle.qsize() < made.size and time.monotonic() < deadline:
        time.sleep(0.05)
    yield made
    made.close()


def test_a_service_clause_reaches_no_listener_from_an_evaluator(store_dir, pool):
    """The SERVICE refusal lives in front (server/sparql.py); here it is not applied, as if
    a query had slipped past it. The same query outside the sandbox does reach the
    listener: the test can tell."""
    listener = Listener()
    service = (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> "
               "{ ?s ?p ?o } }")
    try:
        with pytest.raises(Failed):
            pool.run(job(store_dir, service), within(10), MESSAGES)
        silent = service.replace("SERVICE", "SERVICE SILENT")
        pool.run(job(store_dir, silent), within(10), MESSAGES)  # nothing from outside
        time.sleep(0.5)
        assert listener.accepted == 0
        assert {"network-namespace", "seccomp"} & set(pool.confinement)
        unconfined = Store.read_only(store_dir)
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            list(unconfined.query(service))  # our listener closes without answering
        deadline = time.monotonic() + 5
        while listener.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.accepted >= 1
    finally:
        listener.close()


def test_a_query_past_the_memory_limit_fails_alone(store_dir, pool):
    with pytest.raises(Stopped) as stopped:
        pool.run(job(store_dir, HUNGRY), within(60), MESSAGES)
    assert stopped.value.reason == "memory"
    answer = pool.run(job(store_dir, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"), within(10),
                      MESSAGES)
    assert b'"2000"' in answer.body


def test_a_query_past_its_deadline_is_killed_and_the_next_one_answers(store_dir, pool):
    started = time.monotonic()
    with pytest.raises(Stopped) as stopped:
        pool.run(job(store_dir, "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
                 within(1.0), MESSAGES)
    assert stopped.value.reason == "time"
    assert time.monotonic() - started < 3
    answer = pool.run(job(store_dir, "ASK { ?s ?p ?o }"), within(10), MESSAGES)
    assert answer.body.strip().endswith(b"true}")


def test_an_evaluator_killed_mid_query_is_a_crash_for_that_query_only(store_dir, pool):
    slow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict = {}

    def run() -> None:
        try:
            pool.run(job(store_dir, slow), within(30), MESSAGES)
        except Stopped as exc:
            outcome["reason"] = exc.reason

    thread = threading.Thread(target=run)
    thread.start()
    deadline = within(10)
    while pool.idle.qsize() == pool.size and time.monotonic() < deadline:
        time.sleep(0.05)  # until an evaluator has taken the query
    time.sleep(0.3)
    children = [int(pid) for pid in os.listdir("/proc") if pid.isdigit()
                and _parent(int(pid)) == os.getpid() and b"sandbox.evaluator" in _cmdline(pid)]
    assert children
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    thread.join(30)
    assert outcome["reason"] in ("crash", "memory")
    # the idle ones were killed too; SIGKILL takes effect when the kernel runs it, and an
    # evaluator taken before it has (alive for a moment more) would fail the next query
    deadline = within(10)
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.01)
    answer = pool.run(job(store_dir, "ASK {}"), within(10), MESSAGES)
    assert answer.body.strip().endswith(b"true}")


def test_a_large_result_comes_back_whole_through_a_file(store_dir, pool):
    pairs = 'SELECT ?s ?o2 WHERE { ?s ?p ?o . ?s2 ?p ?o2 FILTER(STRSTARTS(?o2, "1")) }'
    answer = pool.run(job(store_dir, pairs, media_type="text/csv"), within(60), MESSAGES)
    assert not isinstance(answer.body, bytes)  # over the inline limit: a file
    data = answer.body.read()
    answer.body.close()
    assert len(data) == answer.size > 8 << 20
    assert data.count(b"\n") == 1 + 2000 * 1111  # the head, then every pair


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def _running(pid: int) -> bool:
    """Not yet ended (a zombie has: its pipes are closed)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _cmdline(pid: str) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def test_a_query_crafted_to_parse_slowly_is_stopped_at_its_deadline_alone(store_dir, pool):
    """Parsing is done by an evaluator: rdflib takes ~1 ms per operand of a long sum, and
    a text of 20,000 of them would hold the server for a long time."""
    slow = "SELECT * WHERE { FILTER(" + "+".join(["1"] * 20000) + " > 0) }"
    outcome: dict = {}

    def parse() -> None:
        try:
            pool.shape(slow, within(2), MESSAGES)
        except Stopped as exc:
            outcome["reason"] = exc.reason

    thread = threading.Thread(target=parse)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)
    beside = pool.shape("ASK { ?s ?p ?o }", within(10), MESSAGES)
    assert beside["form"] == "ask" and time.monotonic() - started < 2
    thread.join(30)
    assert outcome["reason"] == "time"
    assert time.monotonic() - started < 5


def test_a_shape_is_remembered_across_comments_and_layout(pool):
    """The same query with another comment (how a client defeats a cache) or laid out
    otherwise is not parsed again; a syntax error is answered for its own text."""
    first = pool.shape("SELECT * WHERE { ?s ?p ?o } # one", within(10), MESSAGES)
    busy = [pool.idle.get() for _ in range(pool.size)]  # no evaluator free from here
    try:
        again = pool.shape("SELECT  *\nWHERE { ?s ?p ?o }   # two", within(1), MESSAGES)
        assert again == first
        with pytest.raises(Stopped):  # a text never seen needs an evaluator
            pool.shape("ASK { ?s ?p ?o }", within(0.5), MESSAGES)
        with pytest.raises(Failed) as deep:  # refused before any evaluator
            pool.shape("SELECT * WHERE " + "{" * 100 + "}" * 100, within(1), MESSAGES)
        assert deep.value.kind == "deep"
    finally:
        for evaluator in busy:
            pool.idle.put(evaluator)


def test_an_evaluator_whose_worker_is_gone_ends_quietly():
    """A worker killed with `kill -9` leaves its evaluators writing to a closed socket:
    they end with status 0 and no traceback in the server's log."""
    ours, theirs = socket.socketpair()
    evaluator = subprocess.Popen(
        [sys.executable, "-P", "-m", "sandbox.evaluator", str(theirs.fileno()), "0"],
        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
        cwd=ROOT)
    theirs.close()
    ours.close()  # gone before the evaluator says it is ready
    _, said = evaluator.communicate(timeout=30)
    assert (evaluator.returncode, said.decode()) == (0, "")


def test_an_evaluator_ended_while_idle_but_taken_as_alive_does_not_fail_the_query(
        store_dir, pool):
    """`kill -9` takes effect a moment after it is sent: an idle evaluator taken in that
    moment looks alive. Its end is made to fall in that moment here (the process has
    ended; its check says it runs), and the query goes to the other evaluator."""
    taken = [pool.idle.get() for _ in range(pool.size)]
    ended = taken[0]
    os.kill(ended.process.pid, signal.SIGKILL)
    deadline = within(10)
    while _running(ended.process.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    ended.process.poll = lambda: None  # as checked just before the kill took effect
    for evaluator in reversed(taken):
        pool.idle.put(evaluator)  # the ended one is taken first (the idle queue is LIFO)
    answer = pool.run(job(store_dir, "ASK {}"), within(10), MESSAGES)
    assert answer.body.strip().endswith(b"true}")
