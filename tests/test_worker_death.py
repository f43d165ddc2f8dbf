"""A worker of `policykg serve` killed with `kill -9` (issue #13): what it loses.

granian gives each worker a listening socket of its own on Linux (SO_REUSEPORT), and the
kernel completes the handshake of a new connection and queues it on one of them, chosen by
the connection's addresses, whether or not that worker is alive enough to take it. When
the worker dies its socket closes, and every connection still queued there is reset,
unless net.ipv4.tcp_migrate_req moves them to a live worker's socket (server/serve.py,
docs/deploy.md). Both settings are tried, each in a network namespace of its own (so the
machine's setting is left alone; it needs root, as CI runs): the worker is stopped, new
connections arrive (the kernel queues some on its socket), then it is killed.
"""

from __future__ import annotations

import ctypes
import os
import select
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.soak import queued, stop, workers
from tests.conftest import serving

CLONE_NEWNET = 0x40000000  # <sched.h>
MIGRATE = Path("/proc/sys/net/ipv4/tcp_migrate_req")
CONNECTIONS = 24  # new connections while the worker is stopped: ~half are queued on it


@contextmanager
def network_namespace(migrate: bool):
    """This thread, and the processes it starts, in a new network namespace with its
    loopback up and tcp_migrate_req set; the thread's own namespace back on exit."""
    if os.geteuid() != 0 or not MIGRATE.exists() or shutil.which("ip") is None:
        pytest.skip("needs root, Linux 5.14+ (tcp_migrate_req) and iproute2")
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if libc.unshare(CLONE_NEWNET):
            pytest.skip(f"no network namespace: {os.strerror(ctypes.get_errno())}")
        try:
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
            MIGRATE.write_text("1" if migrate else "0")  # this namespace's, read by this thread
            yield
        finally:
            if libc.setns(own, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns back to the test's own namespace")
    finally:
        os.close(own)


def settled(conns: list[socket.socket], victim: int, port: int) -> int:
    """How many of the connections are queued on the stopped victim's socket, once each is
    either that or answered by the live worker (under load the kernel may not have
    completed every handshake when `connect` returns)."""
    deadline = time.monotonic() + 20
    while True:
        answered = len(select.select(conns, [], [], 0)[0])
        on_victim = queued(victim, port) or 0
        if answered + on_victim == len(conns):
            return on_victim
        assert time.monotonic() < deadline, f"{answered} answered + {on_victim} queued"
        time.sleep(0.05)


def answer(conn: socket.socket) -> str:
    """The status line the connection got, or what ended it."""
    try:
        return conn.makefile("rb").readline().decode().strip() or "closed"
    except OSError as error:
        return type(error).__name__
    finally:
        conn.close()


@pytest.mark.parametrize("migrate", [True, False], ids=["tcp_migrate_req=1", "tcp_migrate_req=0"])
def test_connections_queued_for_a_killed_worker_reach_another_only_with_tcp_migrate_req(
        bundled_store, tmp_path, migrate):
    """With the setting, a killed worker loses only what it had accepted (here nothing: it
    was stopped before the connections came); without it, every connection the kernel had
    queued for it is reset, and serve warned at start."""
    built, _ = bundled_store
    with network_namespace(migrate), serving(built.result.path, tmp_path, workers=2) as server:
        port = urlsplit(server.url).port
        deadline = time.monotonic() + 30
        while len(pair := [w.pid for w in workers(server.pid)]) < 2 \
                or any(queued(w, port) is None for w in pair):
            assert time.monotonic() < deadline, "two workers listening within 30 s"
            time.sleep(0.1)
        victim = pair[0]
        stop(victim)
        try:
            conns = [socket.create_connection(("127.0.0.1", port), timeout=20)
                     for _ in range(CONNECTIONS)]
            for conn in conns:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            on_victim = settled(conns, victim, port)
        finally:
            os.kill(victim, signal.SIGKILL)
        answers = [answer(conn) for conn in conns]
        log = server.log.read_text()
    assert 0 < on_victim < CONNECTIONS  # the kernel did queue new connections on the victim
    if migrate:
        assert answers == ["HTTP/1.1 200 OK"] * CONNECTIONS
        assert "tcp_migrate_req is off" not in log
    else:  # exactly the queued ones are reset, and serve said so when it started
        assert sorted(answers) == sorted(["ConnectionResetError"] * on_victim
                                         + ["HTTP/1.1 200 OK"] * (CONNECTIONS - on_victim))
        assert "tcp_migrate_req is off" in log
