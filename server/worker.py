"""The gunicorn worker of `policykg serve`: gunicorn keeps doing what it is good at (the
listening sockets, starting, watching and replacing worker processes, signals, logs);
each worker runs an event loop (uvloop) serving HTTP/1.1 through server/http1.py.

A worker reports to gunicorn's arbiter from its loop; a loop blocked for longer than
gunicorn's timeout gets the worker replaced, as a stuck sync worker would.
"""

from __future__ import annotations

import asyncio
import os
import signal

import uvloop
from gunicorn.workers.base import Worker as GunicornWorker

from .http1 import Front, Limits

HEARTBEAT = 1.0  # seconds between reports to the arbiter


class Worker(GunicornWorker):
    def init_signals(self) -> None:
        """Signals are handled by the event loop (run), not by Python's handlers."""
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_DFL)

    def run(self) -> None:
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
        servers = [loop.run_until_complete(loop.create_server(front.connection, sock=s.sock,
                                                              backlog=cfg.backlog))
                   for s in self.sockets]

        async def stop(graceful: bool) -> None:
            self.alive = False
            for server in servers:
                server.close()
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
