"""The gunicorn worker of `policykg serve`: gunicorn keeps doing what it is good at (the
listening sockets, starting, watching and replacing worker processes, signals, logs);
each worker runs an event loop (uvloop) serving HTTP/1.1 through server/http1.py.

Connections are accepted by a thread per listening socket, blocked in accept(). Linux
wakes one waiting thread per new connection, but a thread that has just accepted takes
the next queued connection at once if it calls accept() again: a burst (wrk opening 4
connections) all went to one worker, and a kept-alive connection stays where it landed
(measured: DESCRIBE at 4 clients, 3-1 over the workers, ran at 0.73 of sync workers). So
after each accept a worker's thread pauses in proportion to the connections it already
holds, and the other woken workers take the rest of the burst; an idle worker does not
pause. An event loop accepting for itself drains the queue the same way.

A worker reports to gunicorn's arbiter from its loop; a loop blocked for longer than
gunicorn's timeout gets the worker replaced, as a stuck sync worker would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import threading
import time

import uvloop
from gunicorn.workers.base import Worker as GunicornWorker

from .http1 import Front, Limits

HEARTBEAT = 1.0  # seconds between reports to the arbiter
ACCEPT_PAUSE = 0.001  # seconds an accepting thread waits per connection its worker holds
ACCEPT_PAUSE_MAX = 0.01
# The GIL's switch interval (Python's default: 5 ms). A thread that gave the GIL up to
# evaluate a query (pyoxigraph releases it) waits up to one interval to take it back while
# another thread of the worker runs Python; at the default, two light queries sharing a
# worker took ~3 ms each instead of ~0.7 ms.
SWITCH_INTERVAL = 0.0002


class Worker(GunicornWorker):
    def init_signals(self) -> None:
        """Signals are handled by the event loop (run), not by Python's handlers."""
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_DFL)

    def run(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL)
        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        cfg = self.cfg
        limits = Limits(request_line=cfg.limit_request_line or 1 << 30,
                        header_fields=cfg.limit_request_fields or 1 << 30,
                        header_field_size=cfg.limit_request_field_size or 1 << 30,
                        body=self.wsgi.config.get("MAX_CONTENT_LENGTH") or 1 << 30,
                        keepalive=float(cfg.keepalive or 2), graceful=float(cfg.graceful_timeout))
        address = self.sockets[0].sock.getsockname()
        front = Front(self.wsgi, loop, cfg.threads, limits,
                      (str(address[0]), int(address[1])) if isinstance(address, tuple)
                      else ("localhost", 0),
                      self.log.access_log if cfg.accesslog else None)
        for listener in self.sockets:
            threading.Thread(target=_accept, args=(listener.sock, loop, front), daemon=True,
                             name="policykg-accept").start()

        async def stop(graceful: bool) -> None:
            self.alive = False
            front.stopping = True  # connections accepted from now on are closed
            if graceful:
                await front.stop()
            loop.stop()

        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(stop(True)))
        for sig in (signal.SIGINT, signal.SIGQUIT):
            loop.add_signal_handler(sig, lambda: loop.create_task(stop(False)))
        loop.add_signal_handler(signal.SIGUSR1, self.log.reopen_files)
        loop.add_signal_handler(signal.SIGABRT, lambda: os._exit(1))

        def heartbeat() -> None:
            if self.ppid != os.getppid():  # the arbiter is gone
                self.log.info("Parent changed, shutting down: %s", self)
                loop.create_task(stop(False))
                return
            self.notify()
            loop.call_later(HEARTBEAT, heartbeat)

        heartbeat()
        try:
            loop.run_forever()
        finally:
            loop.close()


def _accept(listener: socket.socket, loop: asyncio.AbstractEventLoop, front: Front) -> None:
    listener.setblocking(True)  # shared by the workers: all of them accept this way
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:  # a connection reset before it was taken, too many files, …
            time.sleep(0.01)
            continue
        loop.call_soon_threadsafe(front.adopt, conn)
        held = len(front.connections) + 1  # (the one just taken is not adopted yet)
        time.sleep(min(ACCEPT_PAUSE * held, ACCEPT_PAUSE_MAX))
