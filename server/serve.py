"""`policykg serve`: the app under granian, a maintained HTTP server (Rust, hyper), through
its ASGI interface: HTTP/1.1 and HTTP/2 parsing, keep-alive, timeouts on reading a request
head, worker processes that are replaced when they die, and graceful stops are all its.
Ours is only the app (server/wsgi.py) with its response cache in front, run on threads
behind a deadline for request bodies (server/asgi.py: granian's WSGI interface has no
body timeout), the evaluator processes that queries run in (server/evaluators.py), and
what an operator watches: /healthz, /readyz, /metrics and the access log (docs/deploy.md).

The server's settings reach the worker processes as POLICYKG_* environment variables
(server/config.py reads them), since granian starts each worker from an import path.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings

from graph.store import check

from . import admission
from . import config as config_module
from .access_log import FORMATS as ACCESS_LOG_FORMATS
from .remote import RemoteDataset

BACKLOG = 1024
# Linux 5.14+: when a listening socket closes, the connections queued on it move to another
# socket of its SO_REUSEPORT group instead of being reset (off by default)
MIGRATE_SYSCTL = Path("/proc/sys/net/ipv4/tcp_migrate_req")


def serve(host: str, port: int, workers: int, threads: int, overrides: dict) -> None:
    for name, value in overrides.items():
        os.environ[f"POLICYKG_{name.upper()}"] = str(value)
    os.environ.setdefault("POLICYKG_EVALUATORS", str(threads))
    os.environ["POLICYKG_THREADS"] = str(threads)
    config = config_module.load()
    if config.access_log not in ACCESS_LOG_FORMATS:
        raise ValueError(f"access log: expected one of {', '.join(ACCESS_LOG_FORMATS)}, "
                         f"not {config.access_log!r}")
    # a missing, empty or damaged store, or an engine without a published version: one
    # line, before any worker
    RemoteDataset(config.engine).current() if config.engine else check(config.store)
    print(f"policykg: serving {config.engine or config.store} at http://{host}:{port}/sparql",
          file=sys.stderr)
    if workers > 1 and sys.platform == "linux" and not queued_connections_migrate():
        print("policykg: net.ipv4.tcp_migrate_req is off: a worker that dies resets the "
              "connections queued for it, not only its own; `sysctl -w "
              "net.ipv4.tcp_migrate_req=1` moves them to another worker (docs/deploy.md)",
              file=sys.stderr)
    # counts from an earlier run must not be summed into this one (server/metrics.py), nor
    # its slots held (server/admission.py); a configured admission directory is kept
    with _workers_directory(config.metrics, config_module.METRICS_DIRECTORY, "metrics"), \
            _workers_directory(not config.admission_dir, admission.DIRECTORY_VARIABLE,
                               "admission"):
        _granian(host, port, workers, config).serve()


def queued_connections_migrate() -> bool:
    """Whether a dead worker's queued connections reach another worker. On Linux granian
    gives each worker a listening socket of its own (SO_REUSEPORT), so each has its own
    queue of connections the kernel has accepted for it; a worker killed with `kill -9` (or
    crashed) closes its socket, and the kernel resets every connection still queued there,
    new ones the kernel kept routing to it while it was torn down included, unless this
    setting (per network namespace) moves them to a live worker's socket. granian's authors
    leave it to the operator (granian PR #897)."""
    try:
        return MIGRATE_SYSCTL.read_text().strip() == "1"
    except OSError:  # a kernel before 5.14, or no /proc
        return False


@contextmanager
def _workers_directory(wanted: bool, variable: str, purpose: str) -> Iterator[None]:
    """A directory of this server's own that its workers find through `variable`, removed
    when it stops."""
    if not wanted:
        yield
        return
    _remove_orphans(purpose)
    directory = tempfile.mkdtemp(prefix=f"policykg-{purpose}-{os.getpid()}-")
    os.environ[variable] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _remove_orphans(purpose: str) -> None:
    """Remove the directories of servers that ended without removing theirs (killed with
    `kill -9`): their names carry the pid of the server that made them."""
    for orphan in Path(tempfile.gettempdir()).glob(f"policykg-{purpose}-*-*"):
        pid = orphan.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(orphan, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _granian(host: str, port: int, workers: int, config: config_module.Config) -> Granian:
    return Granian(
        "server.asgi:application",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGINL,  # no lifespan events: the app has nothing to start
        workers=workers,
        backlog=BACKLOG,
        http1_settings=HTTP1Settings(header_read_timeout=int(config.header_timeout * 1000)),
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=10,
        log_level="warning",
        working_dir=Path.cwd(),
    )
