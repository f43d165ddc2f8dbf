"""Limits and stores as an operator meets them: the row cap is announced, never silent;
any Oxigraph store directory (no policykg metadata) can be served."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from pyoxigraph import Literal, NamedNode, Quad, Store

from server import create_app

from .conftest import serving

STATEMENTS = "SELECT ?s WHERE { ?s a pk:Statement } ORDER BY ?s"


@pytest.fixture(scope="module")
def store_path(bundled_store):
    built, _ = bundled_store
    return built.result.path


def rows(response) -> list[list[str]]:
    text = response.text if isinstance(response, requests.Response) else \
        response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(text)))[1:]


def test_row_cap_cuts_and_says_so(store_path, tmp_path):
    with serving(store_path, tmp_path, max_rows=3) as capped:
        def get(query: str) -> requests.Response:
            return requests.get(capped.url, params={"query": query},
                                headers={"Accept": "text/csv"}, timeout=10)

        cut = [get(STATEMENTS) for _ in range(4)]  # two workers: each answers, then caches
        assert [r.status_code for r in cut] == [200] * 4
        assert [len(rows(r)) for r in cut] == [3] * 4
        for answer in cut:  # a cached answer says so too
            assert (answer.headers["X-Policykg-Row-Limit"],
                    answer.headers["X-Policykg-Truncated"]) == ("3", "true")
        assert "hit" in [r.headers.get("X-Policykg-Cache") for r in cut]
        small = get("SELECT ?m WHERE { ?m a pk:Meeting }")
        assert len(rows(small)) == 1
        assert small.headers["X-Policykg-Truncated"] == "false"


def test_without_a_cap_nothing_is_cut(store_path):
    client = create_app({"store": store_path}).test_client()
    full = client.get("/sparql", query_string={"query": STATEMENTS},
                      headers={"Accept": "text/csv"})
    assert len(rows(full)) == 26
    assert "X-Policykg-Row-Limit" not in full.headers


def test_any_oxigraph_store_can_be_served(tmp_path):
    plain = tmp_path / "plain"
    store = Store(str(plain))
    thing = NamedNode("http://example.org/thing")
    store.add(Quad(thing, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                   Literal("a thing")))
    store.flush()
    del store
    client = create_app({"store": plain}).test_client()
    answer = client.get("/sparql", query_string={
        "query": "SELECT ?l WHERE { <http://example.org/thing> ?p ?l }"},
        headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    assert rows(answer) == [["a thing"]]
    assert answer.headers["X-Policykg-Version"].startswith("store-")


def test_download_is_an_attachment(store_path):
    client = create_app({"store": store_path}).test_client()
    answer = client.post("/sparql", data={"query": STATEMENTS, "format": "tsv",
                                          "download": "1"})
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="policykg-results.tsv"')
    assert answer.headers["Content-Type"].startswith("text/tab-separated-values")
