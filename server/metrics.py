"""Prometheus metrics (prometheus-client): requests by route class and status, their
latency, the response cache's hits and misses, queries stopped, evaluators replaced.

`policykg serve` runs several worker processes, and a scrape reaches only one of them:
serve.py gives every worker one directory (PROMETHEUS_MULTIPROC_DIR, set before this
module is imported), where prometheus-client's multiprocess mode keeps each process's
counts in a file of its own, and /metrics sums the files — also those of a worker that
died, so counters never go back. Without that variable (the app made in a test) the
counts are this process's.
"""

from __future__ import annotations

import os
from functools import lru_cache

from flask import Blueprint, Response, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from .config import METRICS_DIRECTORY
from .exchange import Exchange

# from a cache hit (~0.1 ms) to a query near the default 30 s limit
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter("policykg_requests", "HTTP requests answered, by route class and status",
                   ["route", "status"])
LATENCY = Histogram("policykg_request_duration_seconds",
                    "Time from a request's arrival to its last body byte, by route class",
                    ["route"], buckets=LATENCY_BUCKETS)
CACHE = Counter("policykg_response_cache", "Response cache lookups (server/front_cache.py)",
                ["result"])
QUERIES_STOPPED = Counter("policykg_queries_stopped",
                          "Queries stopped in their evaluator, by reason (time, memory, crash)",
                          ["reason"])
EVALUATOR_RESTARTS = Counter("policykg_evaluator_restarts",
                             "Evaluator processes replaced after they died or were killed")

bp = Blueprint("metrics", __name__)


def observe(exchange: Exchange) -> None:
    requests, latency = _series(exchange.route, exchange.status)
    requests.inc()
    latency.observe(exchange.seconds)
    if exchange.cache is not None:
        _cache(exchange.cache).inc()


# A series is looked up once (`labels` takes a lock and builds a key: a third of the
# cost of observing a request); route classes and statuses are few.
@lru_cache(maxsize=1024)
def _series(route: str, status: int) -> tuple:
    return REQUESTS.labels(route, str(status)), LATENCY.labels(route)


@lru_cache(maxsize=4)
def _cache(result: str):
    return CACHE.labels(result)


@bp.get("/metrics")
def metrics() -> Response:
    if os.environ.get(METRICS_DIRECTORY):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    encode, content_type = choose_encoder(request.headers.get("Accept"))  # or OpenMetrics
    return Response(encode(registry), 200,
                    {"Content-Type": content_type, "Cache-Control": "no-store"})
