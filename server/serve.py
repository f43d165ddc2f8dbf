"""`policykg serve`: the app under gunicorn, a production server, with our worker class
(server/worker.py): keep-alive connections on an event loop, a response cache in front of
the app, the app on a few threads per worker. A worker is ended to stop a query that runs
past its deadline (server/deadline.py); gunicorn replaces it. Each worker opens the store
read-only on its first request.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from . import create_app


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, overrides: dict) -> None:
        self.options, self.overrides = options, overrides
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self.overrides)


def serve(host: str, port: int, workers: int, threads: int, overrides: dict,
          access_log: str | None = None) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "server.worker.Worker",
        "threads": threads,
        # a worker's loop is never blocked by a query (queries run on its threads), so the
        # arbiter's watchdog only ends workers that are really stuck
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": access_log,
        "loglevel": "warning",
    }
    _Gunicorn(options, overrides).run()
