"""The home page: what this is, where the data come from, how to query, download and cite
it. Everything on it is read from the store (counts, version, sources), never typed in."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ontology import PK
from queries import examples

from .dumps import attribution
from .respond import html
from .respond import opened as current_store

bp = Blueprint("home", __name__)

COUNTS = f"PREFIX pk: <{PK}>\n" + """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT
  (COUNT(DISTINCT ?release) AS ?releases) (COUNT(DISTINCT ?meeting) AS ?meetings)
  (COUNT(DISTINCT ?statement) AS ?statements) (COUNT(DISTINCT ?speaker) AS ?speakers)
  (COUNT(DISTINCT ?actor) AS ?actors)
  (COUNT(DISTINCT ?initiative) AS ?initiatives) (COUNT(DISTINCT ?topic) AS ?topics)
WHERE {
  { ?release a pk:Release } UNION { ?meeting a pk:Meeting } UNION { ?statement a pk:Statement }
  UNION { [] a pk:Statement ; pk:statedBy ?speaker }
  UNION { ?actor a/rdfs:subClassOf* pk:Actor }
  UNION { ?initiative a/rdfs:subClassOf* pk:Initiative } UNION { ?topic a pk:Topic }
}
"""
COUNTED = ("releases", "meetings", "statements", "speakers", "actors", "initiatives", "topics")
RELEASES = f"PREFIX pk: <{PK}>\n" + """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?title ?issued ?source ?publisher WHERE {
  ?r a pk:Release ; dcterms:title ?title ; dcterms:issued ?issued .
  OPTIONAL { ?r dcterms:source ?source }
  OPTIONAL { ?r dcterms:publisher/rdfs:label ?publisher }
} ORDER BY ?issued ?title
"""


@bp.route("/")
def home() -> Response:
    opened = current_store()
    counts, releases = {}, []
    if opened.base:
        for row in opened.store.query(COUNTS, base_iri=opened.base,
                                      use_default_graph_as_union=True):
            counts = {name: row[name].value for name in COUNTED}
        releases = [{name: (row[name].value if row[name] is not None else None)
                     for name in ("title", "issued", "source", "publisher")}
                    for row in opened.store.query(RELEASES, base_iri=opened.base,
                                                  use_default_graph_as_union=True)]
    rights, _ = attribution(opened)
    return html("home.html", opened, counts=counts, releases=releases, rights=rights,
                year=opened.modified.year, modified=opened.modified.date().isoformat(),
                site=request.url_root, base=opened.base, examples=examples())
