"""The query workbench at `GET /sparql` for browsers (docs/endpoint.md, Workbench).

YASGUI (`@zazuko/yasgui` from the npm registry, copied into static/vendor/yasgui by
`make setup`) is served from our own static files; server/static/workbench.js configures
it. The page's Content-Security-Policy allows only this origin, so any request the bundle
might make elsewhere (a CDN, prefix.cc, LOV) is refused by the browser, loudly.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, render_template, request, url_for

from graph.query import prefixes
from ontology import ONTOLOGY_IRI, PK

from .dataset import Opened
from .negotiate import FORMAT_PARAMETERS, GRAPHS, HTML, SOLUTIONS, choose

VENDOR = Path(__file__).resolve().parent / "static" / "vendor" / "yasgui"

# Scripts and styles come from files of ours only: no inline script, no other origin.
# Two exceptions, by hash, are the fixed <style> elements that the results table's column
# resizer (column-resizer, inside the YASGUI bundle) adds to the page: its table rules, and
# the cursor while a column is dragged ("*{cursor:col-resize!important}"). A YASGUI update
# that changes them shows up as a CSP error in tests/test_workbench_browser.py.
# `data:` images: CodeMirror's drag image, which is no request.
STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
CSP = (f"default-src 'self'; style-src 'self' {' '.join(STYLE_HASHES)}; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'self'")


def prefers_html(accept: str | None) -> bool:
    """A browser asking for a page: Accept names text/html with a higher q than every
    result type (ties go to the results), and no `format=` (or `output=`) overrides it."""
    if not accept or "text/html" not in accept.lower() or any(
            request.values.get(name) for name in FORMAT_PARAMETERS):
        return False
    return choose(SOLUTIONS + GRAPHS + (HTML,), accept) is HTML


def context(opened: Opened, query: str | None = None) -> dict:
    from queries import examples

    base = opened.base or ""
    found = examples()
    return {
        "examples": found,
        "base": base,
        "namespace": PK,
        "version": opened.version,
        "query": query,
        # without YASGUI's files (`make setup` not run) the page offers the plain form
        "vendor_ready": all((VENDOR / name).is_file()
                            for name in ("yasgui.min.js", "yasgui.min.css")),
        # what workbench.js reads (a JSON data block: no inline script runs)
        "config": {
            "endpoint": url_for("sparql.sparql"),
            "base": base,
            "version": opened.version,
            "prefixes": prefixes(base) if base else {},
            # where results link our terms: here, not w3id.org (workbench.js)
            "ontology": {"iri": ONTOLOGY_IRI, "page": url_for("ontology.ontology")}
            if base else None,
            "examples": [{"name": e.name, "title": e.title, "description": e.description,
                          "query": e.text} for e in found],
            # the query of a permalink (/sparql?query=…, /q/…), opened and run on arrival
            "query": query,
            "permalinks": url_for("permalinks.create"),
        },
    }


def page(opened: Opened, query: str | None = None) -> Response:
    """The workbench; with `query`, that query is opened and run (a permalink)."""
    body = render_template("workbench.html", **context(opened, query))
    return Response(body, headers={"Content-Type": "text/html; charset=utf-8",
                                   "Content-Security-Policy": CSP, "Vary": "Accept",
                                   "Cache-Control": "no-cache"})
