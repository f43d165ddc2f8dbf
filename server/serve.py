"""`policykg serve`: the app under gunicorn, a production server.

Sync workers serve one request each at a time, so a worker can be ended to stop a query
that runs past its deadline (server/deadline.py) without touching any other request;
gunicorn replaces it. Each worker opens the store read-only on its first request.
"""

from __future__ import annotations

import os

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


def serve(host: str, port: int, workers: int, overrides: dict) -> None:
    timeout = float(overrides.get("query_timeout") or
                    os.environ.get("POLICYKG_QUERY_TIMEOUT", 30))
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        # gunicorn's own watchdog must not end a worker before ours answers 503
        "timeout": int(timeout) + 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, overrides).run()
