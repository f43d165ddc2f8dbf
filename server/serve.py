"""`policykg serve`: the app under granian, a maintained HTTP server (Rust, hyper), through
its WSGI interface: HTTP/1.1 and HTTP/2 parsing, keep-alive, timeouts on reading a request
head, worker processes that are replaced when they die, and graceful stops are all its.
Ours is only the app (server/wsgi.py) with its response cache in front, and the
evaluator processes that queries run in (server/evaluators.py).

The server's settings reach the worker processes as POLICYKG_* environment variables
(server/config.py reads them), since granian starts each worker from an import path.
"""

from __future__ import annotations

import os
from pathlib import Path

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings

from graph.store import check

from . import config as config_module

BACKLOG = 1024


def serve(host: str, port: int, workers: int, threads: int, overrides: dict,
          access_log: str | None = None) -> None:
    for name, value in overrides.items():
        os.environ[f"POLICYKG_{name.upper()}"] = str(value)
    os.environ.setdefault("POLICYKG_EVALUATORS", str(threads))
    config = config_module.load()
    check(config.store)  # a missing, empty or damaged store: one line, before any worker
    Granian(
        "server.wsgi:application",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backlog=BACKLOG,
        http1_settings=HTTP1Settings(header_read_timeout=int(config.header_timeout * 1000)),
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=10,
        log_level="warning",
        log_access=access_log is not None,
        log_dictconfig=_access_log_config(access_log) if access_log else None,
        working_dir=Path.cwd(),
    ).serve()


def _access_log_config(target: str) -> dict:
    """Granian's access logger, to standard output ('-') or to a file."""
    handler = ({"class": "logging.StreamHandler", "stream": "ext://sys.stdout"} if target == "-"
               else {"class": "logging.FileHandler", "filename": target})
    return {"handlers": {"console": {"class": "logging.StreamHandler",
                                     "stream": "ext://sys.stderr"},
                         "access": {**handler, "formatter": "access"}}}
