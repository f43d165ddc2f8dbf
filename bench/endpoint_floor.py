"""The floor of bench/endpoint_bench.py: the least a Flask + pyoxigraph SPARQL endpoint
does. `GET /sparql?query=…` is evaluated over the union of the graphs and serialised by
pyoxigraph's writers (SPARQL JSON; N-Triples for graph results) into memory: no
negotiation, checks, cache, deadline, streaming or extra headers. Our endpoint's features
are priced against it. Served by gunicorn sync workers, like ours:

    FLOOR_STORE=DIR gunicorn -w N --chdir bench endpoint_floor:app
"""

from __future__ import annotations

import io
import os

from flask import Flask, Response, request
from pyoxigraph import QueryResultsFormat, QueryTriples, RdfFormat, Store

app = Flask(__name__)
_stores: list[Store] = []  # opened in each worker on its first request (after the fork)


@app.get("/sparql")
def sparql() -> Response:
    if not _stores:
        _stores.append(Store.read_only(os.environ["FLOOR_STORE"]))
    result = _stores[0].query(request.args["query"], use_default_graph_as_union=True)
    out = io.BytesIO()
    if isinstance(result, QueryTriples):
        result.serialize(out, RdfFormat.N_TRIPLES)
        return Response(out.getvalue(), mimetype="application/n-triples")
    result.serialize(out, QueryResultsFormat.JSON)
    return Response(out.getvalue(), mimetype="application/sparql-results+json")
