"""The IRIs of ours that are not things: named graphs (`{base}graph/…`), the dataset and
its distributions (`{base}dataset…`, described by the VoID document) and the ontology's
modules and versions (`https://w3id.org/policykg/ontology/…`, here at `/ontology/…`). Each
resolves, so no IRI of ours is a dead end."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, url_for
from pyoxigraph import NamedNode, Triple

from ontology import ONTOLOGY_IRI

from .negotiate import DESCRIPTIONS, HTML
from .ontology_docs import ontology, ontology_triples
from .respond import cached, html, opened, ours, pick, rdf

bp = Blueprint("graphs", __name__)


@bp.route("/graph/<path:rest>")
@cached
def named_graph(rest: str) -> Response:
    """A named graph: its triples for machines, a short page for people."""
    current = opened()
    graph = ours(current, f"graph/{rest}")
    if not current.base or next(current.store.quads_for_pattern(None, None, None, graph),
                                None) is None:
        abort(404, f"this store has no graph {graph.value}")
    fmt = pick((HTML, *DESCRIPTIONS))
    if fmt is HTML:
        count = sum(1 for _ in current.store.quads_for_pattern(None, None, None, graph))
        release = f"{current.base}id/{rest}" if rest.startswith("release/") else None
        response = html("graph.html", current, graph=graph.value, count=count,
                        release=release and url_for("pages.page", rest=rest),
                        query=f"SELECT * WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }} "
                              "LIMIT 100")
    else:
        triples = (Triple(q.subject, q.predicate, q.object)
                   for q in current.store.quads_for_pattern(None, None, None, graph))
        response = rdf(triples, fmt, current)
    return response


@bp.route("/dataset")
@bp.route("/dataset/<path:rest>")
def dataset(rest: str = "") -> Response:
    """The dataset, its distributions and service are described by the VoID document (for
    machines) and the home page (for people)."""
    fmt = pick((HTML, *DESCRIPTIONS))
    target = url_for("home.home") if fmt is HTML else url_for("dumps.void")
    response = redirect(target, 303)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/ontology/<path:rest>")
def ontology_module(rest: str) -> Response:
    """The ontology's version IRI and its alignment module: the ontology (they are
    described in it), if the ontology graph names them."""
    current = opened()
    try:
        iri = NamedNode(f"{ONTOLOGY_IRI}/{rest}")
    except ValueError:
        abort(404, "this path names no resource: it does not make an IRI")
    if not any(iri in (t.subject, t.object) for t in ontology_triples(current)):
        abort(404, f"the ontology of this graph names no {iri.value}")
    return ontology()
