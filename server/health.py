"""Liveness and readiness, for a proxy or an orchestrator to route by: /healthz says the
worker answers at all; /readyz says it can answer from the store (open, readable, its
version), and 503 with the reason when it cannot — the store removed, say — so a proxy
sends requests to another front-end. Never cached: the answer is about now."""

from __future__ import annotations

import os

from flask import Blueprint, Response, current_app, json

from graph.errors import PolicykgError

from .remote import RemoteDataset

NO_CACHE = {"Cache-Control": "no-store", "Content-Type": "application/json"}
PROBE = "ASK { ?s ?p ?o }"  # reads the store's indexes, not only its metadata

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return _answer(200, {"status": "alive", "pid": os.getpid()})


@bp.get("/readyz")
def readyz() -> Response:
    dataset = current_app.extensions["policykg"].dataset
    try:
        current = dataset.current()
        # an engine's readiness is its answer to the probe; a store's, its directory too
        if not isinstance(dataset, RemoteDataset) and not os.path.isdir(current.target):
            return _answer(503, {"status": "unready",
                                 "reason": f"the store {current.target} is gone"})
        current.store.query(PROBE)
    except (PolicykgError, OSError) as exc:
        return _answer(503, {"status": "unready", "reason": str(exc)})
    return _answer(200, {"status": "ready", "version": current.version})


def _answer(status: int, body: dict) -> Response:
    return Response(json.dumps(body) + "\n", status, NO_CACHE)
