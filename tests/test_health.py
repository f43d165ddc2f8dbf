"""What an operator watches on a running `policykg serve`: /healthz, /readyz, /metrics
(summed over the worker processes) and the JSON access log."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time

import requests

from graph import pipeline
from graph.source import bundled_releases
from tests.conftest import BASE, serving
from tests.test_serve_http import ASK, HEAVY, fresh


def base_url(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


def samples(text: str, name: str) -> dict[str, float]:
    """The samples of one metric in Prometheus text: {label text: value}."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(\{{.*\}})? (\S+)", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


def test_healthz_and_readyz_answer_json_about_now(endpoint):
    alive = requests.get(base_url(endpoint) + "/healthz", timeout=10)
    assert alive.status_code == 200 and alive.json()["status"] == "alive"
    ready = requests.get(base_url(endpoint) + "/readyz", timeout=10)
    answer = requests.get(endpoint.url, params={"query": fresh(ASK)}, timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "version": answer.headers["X-Policykg-Version"]}
    for response in (alive, ready):
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_with_the_reason_once_the_store_is_gone(tmp_path):
    """And /metrics is not there when switched off."""
    store = tmp_path / "store"
    pipeline.build(bundled_releases(), store, BASE)
    with serving(store, tmp_path, environment={"POLICYKG_METRICS": "false"}) as one:
        root = base_url(one)
        assert requests.get(root + "/readyz", timeout=10).status_code == 200
        assert requests.get(root + "/metrics", timeout=10).status_code == 404
        shutil.rmtree(os.path.realpath(store))
        deadline = time.monotonic() + 10
        while (ready := requests.get(root + "/readyz", timeout=10)).status_code == 200:
            assert time.monotonic() < deadline, "still ready 10 s after the store was removed"
            time.sleep(0.2)
        assert ready.status_code == 503
        assert ready.json()["status"] == "unready" and ready.json()["reason"]
        assert ready.headers["Cache-Control"] == "no-store"
        assert requests.get(root + "/healthz", timeout=10).status_code == 200


def test_metrics_and_access_log_count_every_worker(bundled_store, tmp_path):
    """Two workers, each its own counters: a scrape (which reaches one of them) gives the
    sums; the access log has a line per request, a query's hash the same however sent."""
    built, _ = bundled_store
    with serving(built.result.path, tmp_path, timeout=5, workers=2,
                 environment={"POLICYKG_ACCESS_LOG": "json", "POLICYKG_EVALUATORS": "2"}
                 ) as two:
        distinct = [fresh(ASK) for _ in range(12)]
        for query in distinct:  # a new connection each: both workers take some
            assert requests.get(two.url, params={"query": query}, timeout=10).ok
        repeated = fresh(ASK)
        for _ in range(10):
            assert requests.get(two.url, params={"query": repeated}, timeout=10).ok
        posted = [requests.post(two.url, data=repeated.encode(), timeout=10,
                                headers={"Content-Type": "application/sparql-query"}),
                  requests.post(two.url, data={"query": repeated}, timeout=10)]
        assert [r.status_code for r in posted] == [200, 200]
        stopped = requests.get(two.url, params={"query": fresh(HEAVY)}, timeout=30)
        assert stopped.status_code == 503
        scrapes = [requests.get(base_url(two) + "/metrics", timeout=10) for _ in range(4)]
        log = two.log.read_text()

    for scraped_before, scrape in enumerate(scrapes):
        assert scrape.status_code == 200 and scrape.headers["Cache-Control"] == "no-store"
        assert scrape.headers["Content-Type"].startswith("text/plain; version=")
        requests_total = samples(scrape.text, "policykg_requests_total")
        # 12 distinct + 10 repeated + 2 POSTs, and serving()'s readiness probe
        assert requests_total['{route="sparql",status="200"}'] == 25
        assert requests_total['{route="sparql",status="503"}'] == 1
        cache = samples(scrape.text, "policykg_response_cache_total")
        assert cache['{result="hit"}'] >= 8  # the first of each worker missed, at most
        # every GET and small POST is looked up: the queries and the scrapes before
        assert cache['{result="hit"}'] + cache['{result="miss"}'] == 26 + scraped_before
        assert samples(scrape.text, "policykg_queries_stopped_total") == {'{reason="time"}': 1}
        assert samples(scrape.text, "policykg_evaluator_restarts_total")[""] >= 1
        latency = samples(scrape.text, "policykg_request_duration_seconds_count")
        assert latency['{route="sparql"}'] == 26

    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    queries = [line for line in lines if line["route"] == "sparql"]
    assert len(queries) == 26
    digest = hashlib.sha256(repeated.encode()).hexdigest()[:16]
    same = [line for line in queries if line["query_hash"] == digest]
    assert [line["method"] for line in same] == ["GET"] * 10 + ["POST"] * 2
    assert {line["cache"] for line in same} == {"hit", "miss"}
    assert all(line["status"] == 200 and line["bytes"] > 0 for line in same)
    assert queries[-1]["status"] == 503 and queries[-1]["duration_ms"] >= 5000
    assert len({line["query_hash"] for line in queries}) == 1 + 12 + 1 + 1
    assert all(line["time"].endswith("Z") for line in lines)


def test_a_scrape_sent_right_after_an_answer_counts_it(endpoint):
    """An exchange is counted before its last byte reaches the client, so a scrape sent
    at once (on a new connection, to either worker) already sees it: here, each scrape sees
    every scrape before it. (Counted when the server closed the response, after the last
    byte, 8 of 299 scrapes missed the one just before under granian's WSGI interface; under
    its ASGI interface that order was down to thread timing.)"""
    def looked_up() -> float:
        scrape = requests.get(base_url(endpoint) + "/metrics", timeout=10)
        return sum(samples(scrape.text, "policykg_response_cache_total").values())

    counts = [looked_up() for _ in range(100)]
    assert [b - a for a, b in zip(counts, counts[1:], strict=False)] == [1.0] * 99
