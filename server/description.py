"""The SPARQL 1.1 Service Description of the endpoint, generated from what it offers and
what the store holds (graphs and their sizes are counted, never typed in)."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, serialize

from .dataset import Opened
from .negotiate import GRAPHS, SOLUTIONS, Format

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID_TRIPLES = NamedNode("http://rdfs.org/ns/void#triples")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
RDFS_COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
GRAPH_SIZES = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""


def _sd(local: str) -> NamedNode:
    return NamedNode(SD + local)


def service_description(endpoint: str, opened: Opened, app, fmt: Format) -> bytes:
    config = app.extensions["policykg"].config
    service = NamedNode(endpoint)
    dataset, default = BlankNode("dataset"), BlankNode("default")
    triples = [
        (service, RDF_TYPE, _sd("Service")),
        (service, _sd("endpoint"), service),
        (service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        (service, _sd("feature"), _sd("UnionDefaultGraph")),
        (service, _sd("defaultDataset"), dataset),
        (service, RDFS_COMMENT, Literal(
            f"Read-only. The default graph is the union of all named graphs. Queries are "
            f"stopped after {config.query_timeout:g} s (503); SERVICE and SPARQL Update are "
            f"refused (400); request bodies are limited to {config.max_request_bytes} bytes "
            f"(413). Store version {opened.version}.", language="en")),
        (dataset, RDF_TYPE, _sd("Dataset")),
        (dataset, _sd("defaultGraph"), default),
        (default, RDF_TYPE, _sd("Graph")),
    ]
    triples += [(service, _sd("resultFormat"), NamedNode(f.writer.iri))
                for f in SOLUTIONS + GRAPHS]
    total = 0
    for index, row in enumerate(opened.store.query(GRAPH_SIZES)):
        count = int(row["n"].value)
        total += count
        named, graph = BlankNode(f"named{index}"), BlankNode(f"graph{index}")
        triples += [(dataset, _sd("namedGraph"), named), (named, RDF_TYPE, _sd("NamedGraph")),
                    (named, _sd("name"), row["g"]), (named, _sd("graph"), graph),
                    (graph, RDF_TYPE, _sd("Graph")),
                    (graph, VOID_TRIPLES, Literal(str(count), datatype=XSD_INTEGER))]
    triples.append((default, VOID_TRIPLES, Literal(str(total), datatype=XSD_INTEGER)))
    quads = [Quad(s, p, o) for s, p, o in triples]
    return serialize(quads, format=fmt.writer, prefixes={"sd": SD})
