"""The policykg web app: the SPARQL endpoint, the dumps and the dataset description, and
the linked-data pages (dereferencing, entity pages, search, ontology documentation).

The server only reads the store the pipeline built; it never parses releases.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from graph.errors import PolicykgError

from . import config as config_module
from .dataset import Dataset
from .dumps import bp as dumps_bp
from .graphs import bp as graphs_bp
from .home import bp as home_bp
from .ontology_docs import bp as ontology_bp
from .pages import bp as pages_bp
from .search import bp as search_bp
from .sparql import bp as sparql_bp


@dataclass
class State:
    """What each worker process keeps between requests."""

    config: config_module.Config
    dataset: Dataset


def create_app(overrides: dict | None = None) -> Flask:
    config = config_module.load(overrides)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.extensions["policykg"] = State(config, Dataset(config.store))
    app.register_blueprint(sparql_bp)
    app.register_blueprint(dumps_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(ontology_bp)
    app.register_blueprint(graphs_bp)

    @app.after_request
    def _common_headers(response: Response) -> Response:
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "ETag, X-Policykg-Version"
        if request.method == "OPTIONS":  # what a preflight asks; other answers need not say
            headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        try:  # also on answers given before the store was needed (405, 413, …)
            version = app.extensions["policykg"].dataset.current().version
        except (PolicykgError, OSError):
            version = None
        if version is not None:
            response.headers["X-Policykg-Version"] = version
        return response

    @app.errorhandler(413)
    def _too_large(_exc) -> Response:
        return Response(f"the request is larger than the {config.max_request_bytes}-byte "
                        "limit of this endpoint\n", 413,
                        {"Content-Type": "text/plain; charset=utf-8"})

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        """Every other HTTP error (404, 405, …) as one line of text, like ours."""
        response = exc.get_response()
        response.set_data(f"{exc.code} {exc.name}: {' '.join(exc.description.split())}\n")
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        return response

    return app
