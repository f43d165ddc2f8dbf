"""Real SPARQL clients against a running `policykg serve`: SPARQLWrapper, rdflib's
SPARQLStore used as a Graph, and a streaming download with requests."""

from __future__ import annotations

import codecs
import csv
import xml.dom.minidom

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from graph.query import run
from graph.store import open_store
from ontology import PK
from queries import DIRECTORY as QUERIES
from queries import example

from .conftest import BASE
from .engines import endpoint_in_every_mode

endpoint = endpoint_in_every_mode()  # the same tests from the store and from an engine

# SPARQLWrapper builds its graphs with rdflib's ConjunctiveGraph
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

MEETINGS = (f"SELECT ?m ?edition WHERE {{ ?m a <{PK}Meeting> ; <{PK}edition> ?edition }} "
            "ORDER BY ?edition")
EDITIONS = [27, 28, 29, 30, 31]
CONSTRUCT = (f"CONSTRUCT {{ ?m <{PK}edition> ?edition }} "
             f"WHERE {{ ?m a <{PK}Meeting> ; <{PK}edition> ?edition }}")


def wrapper(endpoint, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint.url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method is not None:
        client.setMethod(method)
        if method == POSTDIRECTLY:
            client.setMethod(POST)
            client.setRequestMethod(POSTDIRECTLY)
    return client


def editions_in(graph: rdflib.Graph) -> list[int]:
    return sorted(int(o) for o in graph.objects(None, rdflib.URIRef(PK + "edition")))


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json(endpoint, method):
    result = wrapper(endpoint, MEETINGS, JSON, method).query()
    assert result.response.headers["Content-Type"].startswith(
        "application/sparql-results+json")
    bindings = result.convert()["results"]["bindings"]
    editions = sorted({int(b["edition"]["value"]) for b in bindings})
    assert set(EDITIONS) <= set(editions)
    assert all(b["m"]["type"] == "uri" and b["m"]["value"].startswith(f"{BASE}id/meeting/")
               for b in bindings)


def test_sparqlwrapper_select_xml(endpoint):
    result = wrapper(endpoint, MEETINGS, XML).query()
    assert result.response.headers["Content-Type"].startswith("application/sparql-results+xml")
    document = result.convert()
    assert isinstance(document, xml.dom.minidom.Document)
    values = [int(node.firstChild.data) for binding in document.getElementsByTagName("binding")
              if binding.getAttribute("name") == "edition"
              for node in binding.getElementsByTagName("literal")]
    assert set(EDITIONS) <= set(values)


def test_sparqlwrapper_select_csv(endpoint):
    text = wrapper(endpoint, MEETINGS, CSV).query().convert().decode("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert set(EDITIONS) <= {int(row["edition"]) for row in rows}


@pytest.mark.parametrize(("query", "expected"), [
    (f"ASK {{ ?m a <{PK}Meeting> ; <{PK}edition> 28 }}", True),
    (f"ASK {{ ?m a <{PK}Meeting> ; <{PK}edition> 1 }}", False),
])
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(endpoint, query, expected, fmt):
    result = wrapper(endpoint, query, fmt).query().convert()
    if fmt == JSON:
        assert result["boolean"] is expected
    else:
        (node,) = result.getElementsByTagName("boolean")
        assert node.firstChild.data == ("true" if expected else "false")


@pytest.mark.parametrize("fmt", [XML, RDFXML])
@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_construct_to_an_rdflib_graph(endpoint, fmt, method):
    result = wrapper(endpoint, CONSTRUCT, fmt, method).query()
    assert result.response.headers["Content-Type"].startswith("application/rdf+xml")
    graph = result.convert()
    assert isinstance(graph, rdflib.Graph)
    assert set(EDITIONS) <= set(editions_in(graph))


@pytest.mark.parametrize(("fmt", "media", "parser"), [
    (TURTLE, "text/turtle", "turtle"),
    (N3, "text/turtle", "turtle"),
    (JSONLD, "application/ld+json", "json-ld"),
])
def test_sparqlwrapper_construct_in_other_formats(endpoint, fmt, media, parser):
    result = wrapper(endpoint, CONSTRUCT, fmt).query()
    assert result.response.headers["Content-Type"].startswith(media)
    body = result.response.read()
    assert set(EDITIONS) <= set(editions_in(rdflib.Graph().parse(data=body, format=parser)))


def test_sparqlwrapper_describe(endpoint):
    meeting = f"{BASE}id/meeting/japan-eu-ict-policy-dialogue-27"
    graph = wrapper(endpoint, f"DESCRIBE <{meeting}>", RDFXML).query().convert()
    assert (rdflib.URIRef(meeting), rdflib.RDF.type, rdflib.URIRef(PK + "Meeting")) in graph


def test_sparqlwrapper_sees_refusals_as_errors(endpoint):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT * WHERE { ?s ?p ", JSON).query()
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "CLEAR ALL", JSON, POST).query()
    assert wrapper(endpoint, "ASK {}", JSON).query().convert()["boolean"] is True


def plain(term) -> str | None:
    return None if term is None else str(term)


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_sparqlstore_graph_runs_a_competency_query_like_the_store(endpoint, method):
    """One example query through rdflib's SPARQLStore (as a Graph) gives what
    graph.query.run gives on the same store. Our .rq files use IRIs relative to the
    store's base, so an external client states the base itself."""
    ex = example("09-joint-views")
    store = SPARQLStore(endpoint.url, method=method, returnFormat="xml")
    graph = rdflib.Graph(store=store)
    remote = graph.query(f"BASE <{BASE}>\n{ex.text}")
    names = [str(v) for v in remote.vars]
    got = [tuple(plain(row[n]) for n in names) for row in remote]

    local = run(open_store(endpoint.store), ex.text, BASE)
    assert [v.value for v in local.variables] == names
    expected = [tuple(None if row[n] is None else row[n].value for n in names)
                for row in local]
    assert len(expected) >= 5
    assert got == expected  # same rows, same order (the query orders them)
    # and the terms are what they are: literals with their language
    first = next(iter(remote))
    assert isinstance(first[0], rdflib.Literal) and first[0].language == "en"
    store.close()


def test_sparqlstore_graph_triple_patterns(endpoint):
    """The Graph API over the endpoint: triples() and value() become queries."""
    graph = rdflib.Graph(store=SPARQLStore(endpoint.url))
    meeting = rdflib.URIRef(f"{BASE}id/meeting/japan-eu-ict-policy-dialogue-28")
    assert graph.value(meeting, rdflib.URIRef(PK + "edition")) == rdflib.Literal(28)
    types = set(graph.objects(meeting, rdflib.RDF.type))
    assert rdflib.URIRef(PK + "Meeting") in types


def test_streaming_csv_download_of_every_triple(endpoint):
    """SELECT * { ?s ?p ?o } in CSV, streamed with requests and read row by row as it
    arrives: one row per triple of the union default graph, as the endpoint counts it."""
    counted = requests.get(endpoint.url, params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } # count"},
        headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    total = int(counted["results"]["bindings"][0]["n"]["value"])
    assert total > 5000
    with requests.get(endpoint.url, params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                      headers={"Accept": "text/csv"}, stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        chunks = 0

        def lines():
            nonlocal chunks
            decoder = codecs.getincrementaldecoder("utf-8")()
            pending = ""
            for chunk in response.iter_content(chunk_size=8192):
                chunks += 1
                pending += decoder.decode(chunk)
                *complete, pending = pending.split("\r\n")
                yield from (line + "\r\n" for line in complete)
            pending += decoder.decode(b"", final=True)
            if pending:
                yield pending

        reader = csv.reader(lines())
        assert sorted(next(reader)) == ["o", "p", "s"]  # SELECT * orders them its way
        rows = sum(1 for row in reader if len(row) == 3)
    assert rows == total
    assert chunks > 1  # it arrived in pieces, not as one read


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_example_query_runs_through_sparqlwrapper(endpoint, path):
    """SPARQLWrapper guesses a query's form from its text (a word such as "address" in a
    comment made it send query 16 as an update): every example must reach us as a query."""
    client = SPARQLWrapper(endpoint.url)
    client.setQuery(path.read_text(encoding="utf-8"))
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    assert "boolean" in answer or "results" in answer
