"""Server configuration: defaults, overridden by POLICYKG_* environment variables, then by
the mapping given to create_app (tests and the CLI)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from graph.store import default_store_path

# where each worker process keeps its metrics (server/metrics.py); prometheus-client reads it
# when imported, so `serve` sets it before any worker starts (server/serve.py)
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
BOOLEANS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass(frozen=True)
class Config:
    store: Path
    query_timeout: float = 30.0  # seconds of evaluation before a query is stopped (503)
    query_memory_mb: int = 1024  # address space of an evaluator; a query needing more: 503
    evaluators: int = 4  # evaluator processes per server process (queries run at once)
    # admission control (server/admission.py), service-wide across worker processes:
    memory_budget_mb: int = 0  # evaluations at once = this ÷ query_memory_mb (0: RAM ÷ 4)
    client_queries: int = 2  # a client's queries running or waiting at once; more: 429
    queue: int = 8  # queries waiting for an evaluation slot; the next one: 503 at once
    queue_wait: float = 10.0  # seconds a query may wait for a slot before a 503
    cooloff: float = 120.0  # seconds a query stopped for time or memory is refused (503)
    client_permalinks: int = 60  # new permalinks a client may make an hour; more: 429
    trusted_proxies: str = ""  # comma-separated addresses whose X-Forwarded-For is believed
    admission_dir: str = ""  # where the limits are shared ('' : this process's own)
    header_timeout: float = 10.0  # seconds to send a request head before the connection closes
    body_timeout: float = 10.0  # seconds to send a request body before a 408 (body_deadline.py)
    threads: int = 4  # app threads per worker process (server/asgi.py)
    max_rows: int = 0  # 0: no cap; otherwise results are cut there, and the response says so
    max_request_bytes: int = 1 << 20  # larger request bodies: 413
    cache_bytes: int = 64 << 20  # response cache per worker process
    cache_entry_bytes: int = 1 << 20  # larger results are not cached
    page_files: bool = True  # answer entity pages rendered ahead of time (server/page_files.py)
    metrics: bool = True  # answer /metrics (server/metrics.py)
    access_log: str = "off"  # "json": one JSON line per request on stderr (server/access_log.py)
    engine: str = ""  # a SPARQL engine's URL: read it instead of the store (server/remote.py)


def load(overrides: dict | None = None) -> Config:
    config = Config(store=default_store_path())
    for f in fields(Config):
        raw = os.environ.get(f"POLICYKG_{f.name.upper()}")
        if raw is not None:
            config = replace(config, **{f.name: _convert(f.type, raw)})
    for name, value in (overrides or {}).items():
        config = replace(config, **{name: _convert(Config.__dataclass_fields__[name].type,
                                                   value)})
    return config


def _convert(kind: str, value):
    if kind == "Path":
        return Path(value)
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "bool" and isinstance(value, str):
        if value.lower() not in BOOLEANS:
            raise ValueError(f"expected one of {', '.join(BOOLEANS)}, not {value!r}")
        return BOOLEANS[value.lower()]
    return value
