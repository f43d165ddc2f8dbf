"""The policykg web app: the SPARQL endpoint, the dumps and the dataset description, and
the linked-data pages (dereferencing, entity pages, search, ontology documentation).

The server only reads the store the pipeline built; it never parses releases.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from graph.errors import PolicykgError

from . import config as config_module
from .assets import versioned
from .compression import compress
from .conditional import name_held_tag
from .dataset import Dataset
from .dumps import bp as dumps_bp
from .graphs import bp as graphs_bp
from .headers import common
from .health import bp as health_bp
from .home import bp as home_bp
from .notfound import not_found
from .ontology_docs import bp as ontology_bp
from .pages import bp as pages_bp
from .permalinks import bp as permalinks_bp
from .remote import RemoteDataset
from .respond import opened
from .search import bp as search_bp
from .site_urls import site_url
from .sparql import bp as sparql_bp
from .statements_view import bp as statements_bp
from .visible import visible


@dataclass
class State:
    """What each worker process keeps between requests."""

    config: config_module.Config
    dataset: Dataset | RemoteDataset  # the embedded store, or an engine (server/remote.py)


def create_app(overrides: dict | None = None) -> Flask:
    config = config_module.load(overrides)
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "finalize": visible}
    app.add_template_global(site_url)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    source = RemoteDataset(config.engine) if config.engine else Dataset(config.store)
    app.extensions["policykg"] = State(config, source)
    app.register_blueprint(sparql_bp)
    app.register_blueprint(dumps_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(statements_bp)
    app.register_blueprint(ontology_bp)
    app.register_blueprint(graphs_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(permalinks_bp)
    if config.metrics:
        from .metrics import bp as metrics_bp  # imported once serve.py has set its directory

        app.register_blueprint(metrics_bp)

    app.after_request(common)
    app.after_request(name_held_tag)
    app.after_request(_version)
    versioned(app)
    compress(app)

    @app.errorhandler(413)
    def _too_large(_exc) -> Response:
        return Response(f"the request is larger than the {config.max_request_bytes}-byte "
                        "limit of this endpoint\n", 413,
                        {"Content-Type": "text/plain; charset=utf-8"})

    app.register_error_handler(404, not_found)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        """Every other HTTP error (404, 405, …) as one line of text, like ours."""
        response = exc.get_response()
        response.set_data(f"{exc.code} {exc.name}: {' '.join(exc.description.split())}\n")
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        return response

    return app


def _version(response: Response) -> Response:
    """The version of the store the answer came from (the one the request pinned; also on
    answers given before the store was needed: 405, 413, …)."""
    with suppress(PolicykgError, OSError):  # no store to name: nothing to say
        response.headers["X-Policykg-Version"] = opened().version
    return response
