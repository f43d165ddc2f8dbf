"""The endpoint decides what a query is from a parse (graph/sparql_shape.py), as an
attacker would probe it over HTTP: SERVICE hidden by a comment ended by a carriage return
or by Unicode spaces is still refused, names with the empty prefix are names, and a
deeply nested query is refused with 400 before the engine sees it, fast, with the server
going on."""

from __future__ import annotations

import time

import pytest
import requests

from ontology import PK


def ask(endpoint, query: str, method: str = "GET") -> requests.Response:
    if method == "GET":
        return requests.get(endpoint.url, params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return requests.post(endpoint.url, data=query.encode(), timeout=30, headers={
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json"})


@pytest.mark.parametrize("query", [
    "# note\rSELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p <http://a\u00a0b#> . SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p <x\u3000#> SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p <x\u2028#> SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:9/x> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s { service ?where { ?s ?p ?o } } } }",
])
def test_a_hidden_service_clause_is_refused(endpoint, query):
    for method in ("GET", "POST"):
        answer = ask(endpoint, query, method)
        assert answer.status_code == 400, (query, answer.text)
        assert "SERVICE" in answer.text or "syntax" in answer.text


def test_names_with_the_empty_prefix_are_names(endpoint):
    optional = f"PREFIX : <{PK}> SELECT ?m {{ ?m a :Meeting OPTIONAL {{ ?m :from ?x }} }}"
    rows = ask(endpoint, optional).json()["results"]["bindings"]
    assert rows  # the bundled release's meeting, at least
    service = f"PREFIX : <{PK}> SELECT ?m {{ ?m a :Meeting ; :service ?s }}"
    assert ask(endpoint, service).status_code == 200  # a property named 'service'


def test_from_hidden_by_a_carriage_return_comment_is_read(endpoint):
    """FROM after a comment ended by \\r names the query's own dataset: an empty graph
    here, so no rows (the union of all graphs would give some)."""
    query = "# x\rSELECT ?s FROM <http://nowhere.example/g> WHERE { ?s ?p ?o } LIMIT 1"
    assert ask(endpoint, query).json()["results"]["bindings"] == []


@pytest.mark.parametrize("depth,opening,closing", [(3000, "{", "}"), (5000, "(", ")")])
def test_deep_nesting_is_refused_fast_and_the_server_goes_on(endpoint, depth, opening,
                                                             closing):
    if opening == "{":
        query = "SELECT * WHERE " + "{" * depth + "}" * depth
    else:
        query = "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    started = time.monotonic()
    answer = ask(endpoint, query)  # by GET: larger than the tests' 8 KiB body limit
    assert answer.status_code == 400 and "nest" in answer.text.lower()
    assert time.monotonic() - started < 2
    assert ask(endpoint, "ASK {}").status_code == 200


def test_queries_are_parsed_right_from_many_threads_at_once():
    """The parser is shared by a server process's threads; distinct queries (no cache)
    parsed at the same time must each get their own right answer."""
    from concurrent.futures import ThreadPoolExecutor

    from graph.sparql_shape import shape

    texts = [f"SELECT ?s WHERE {{ ?s ?p {n} OPTIONAL {{ ?s ?q ?o FILTER(?o > {n}) }} }}"
             if n % 2 else f"SELECT * WHERE {{ SERVICE <http://x/{n}> {{ ?s ?p ?o }} }}"
             for n in range(400)]
    with ThreadPoolExecutor(8) as pool:
        shapes = list(pool.map(shape, texts))
    assert [s.service for s in shapes] == [n % 2 == 0 for n in range(400)]
    assert {s.form for s in shapes} == {"select"}
