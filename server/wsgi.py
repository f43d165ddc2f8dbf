"""The WSGI side of the app `policykg serve` runs in each worker process (server/asgi.py):
the Flask app with the response cache in front of it (server/front_cache.py), and in
front of both the observers of every exchange (server/exchange.py: metrics, access log),
its settings read from the environment (server/config.py). The cache and the observers
are handed out too, for the cache hits answered before the WSGI app (server/loop_hits.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from graph.errors import PolicykgError

from . import access_log, create_app
from .exchange import Observed, Observer, route_classes
from .front_cache import ResponseCache


@dataclass(frozen=True)
class Stack:
    app: Flask  # its wsgi_app: the observers, then the response cache, then Flask
    cache: ResponseCache
    observed: Observed | None  # None: no metrics and no access log


def stack() -> Stack:
    app = create_app()
    state = app.extensions["policykg"]

    def version() -> str | None:
        try:
            return state.dataset.current().version
        except (PolicykgError, OSError):
            return None

    cache = app.wsgi_app = ResponseCache(app.wsgi_app, version, state.config.cache_bytes,
                                         state.config.cache_entry_bytes)
    observers: list[Observer] = []
    if state.config.metrics:
        from .metrics import observe

        observers.append(observe)
    if state.config.access_log == "json":
        observers.append(access_log.writer())
    observed = None
    if observers:
        observed = app.wsgi_app = Observed(app.wsgi_app, route_classes(app), observers)
    return Stack(app, cache, observed)
