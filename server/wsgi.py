"""The WSGI application `policykg serve` runs in each worker process: the Flask app with
the response cache in front of it (server/front_cache.py), and in front of both the
observers of every exchange (server/exchange.py: metrics, access log), its settings read
from the environment (server/config.py)."""

from __future__ import annotations

from flask import Flask

from graph.errors import PolicykgError

from . import access_log, create_app
from .exchange import Observed, Observer, route_classes
from .front_cache import ResponseCache


def application() -> Flask:
    app = create_app()
    state = app.extensions["policykg"]

    def version() -> str | None:
        try:
            return state.dataset.current().version
        except (PolicykgError, OSError):
            return None

    app.wsgi_app = ResponseCache(app.wsgi_app, version, state.config.cache_bytes,
                                 state.config.cache_entry_bytes)
    observers: list[Observer] = []
    if state.config.metrics:
        from .metrics import observe

        observers.append(observe)
    if state.config.access_log == "json":
        observers.append(access_log.writer())
    if observers:
        app.wsgi_app = Observed(app.wsgi_app, route_classes(app), observers)
    return app
