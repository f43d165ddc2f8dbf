"""The WSGI application `policykg serve` runs in each worker process: the Flask app with
the response cache in front of it (server/front_cache.py), its settings read from the
environment (server/config.py)."""

from __future__ import annotations

from flask import Flask

from graph.errors import PolicykgError

from . import create_app
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
    return app
