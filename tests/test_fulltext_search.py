"""Full-text search (#14) through HTTP against a running `policykg serve`: names with
typos, statements by what they say with the words highlighted, grouping, malformed input,
and the index going with its build."""

from __future__ import annotations

import re
import shutil
import time

import pytest
import requests

from graph import pipeline
from graph.search_index import INDEX, held, readable
from graph.source import bundled_releases
from ontology import PK
from tests.conftest import BASE, fixture_releases, serving
from tests.engines import endpoint_in_every_mode

endpoint = endpoint_in_every_mode()  # the same tests from the store and from an engine

BUNDLED_QUOTE = "data sharing based on open standards is possible, to avoid vendor lock-in"


def _root(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


def _search(root: str, q: str, **params) -> dict:
    response = requests.get(f"{root}/search.json", params={"q": q, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _marked(statement: dict) -> str:
    """The quote, or the text around it where the words are, with the words in [ ]."""
    return "".join(f"[{p['text']}]" if p["match"] else p["text"]
                   for p in statement["around"] or statement["quote"])


@pytest.mark.parametrize("words", ["vendor lock-in", "data sharing"])
def test_statements_are_found_by_what_they_say(endpoint, words):
    found = _search(_root(endpoint), words)
    assert found["fulltext"] is True
    assert found["statementsTotal"] >= 1
    first = found["statements"][0]
    assert first["href"].startswith("/page/statement/")
    assert BUNDLED_QUOTE in "".join(p["text"] for p in first["quote"])
    assert f"[{words}]" in _marked(first).replace("] [", " ")
    # who said it, where, when, and the sentence in its release
    assert first["speaker"] and first["meetingLabel"] == "28th Japan-EU ICT Policy Dialogue"
    assert first["date"] == "2023-02-24"
    assert re.fullmatch(r"/page/release/[^#]+#t-\d+-\d+", first["evidence"])


def test_a_phrase_ranks_before_its_words_apart(endpoint):
    """'data sharing' together comes before statements saying 'data' and 'sharing' apart."""
    found = _search(_root(endpoint), "data sharing", limit=50)["statements"]
    together = ["[data sharing]" in _marked(s).replace("] [", " ") for s in found]
    assert together[0] and together == sorted(together, reverse=True)


def test_a_quote_without_all_the_words_shows_where_they_are(endpoint):
    """'vendor lock-in' is said once; three other statements match only because the text
    around them says it. Each of those shows that text with the phrase marked (one of
    them marked only the 'in' of its quote), and the page counts them as matching, not
    as saying it."""
    found = _search(_root(endpoint), "vendor lock-in")["statements"]
    saying = [s for s in found if "[vendor lock-in]" in _marked({**s, "around": []})]
    assert len(saying) == 1 and found[0] is saying[0]
    for near in found[1:]:
        assert near["around"] and "[vendor lock-in]" in _marked(near), near["quote"]
    html = requests.get(f"{_root(endpoint)}/search", params={"q": "vendor lock-in"},
                        timeout=30).text
    assert "statements match “vendor lock-in”, in their own words or in the text around" in html
    assert "say “vendor lock-in”" not in html


def test_the_page_highlights_the_words_and_links_the_evidence(endpoint):
    html = requests.get(f"{_root(endpoint)}/search", params={"q": "vendor lock-in"},
                        timeout=30).text
    assert "to avoid <mark>vendor lock-in</mark>" in html
    things = html.index('id="things"')
    statements = html.index('id="statements"')
    assert things < statements  # things first, then statements
    section = html[statements:]
    assert 'href="/page/statement/' in section and "in the release" in section
    assert 'href="/page/meeting/japan-eu-ict-policy-dialogue-28"' in section


def test_a_typo_in_a_name_still_finds_it(endpoint):
    results = _search(_root(endpoint), "japn")["results"]
    assert results[0]["label"] == "Japan"
    assert results[0]["href"].startswith("/page/")


def test_the_ai_act_ranks_before_terms_that_contain_act(endpoint):
    labels = [r["label"] for r in _search(_root(endpoint), "AI Act", limit=50)["results"]]
    assert labels[0] == "AI Act"
    for term in ("actor", "speech act"):
        assert term not in labels or labels.index(term) > 0


def test_things_come_first_then_statements(endpoint):
    found = _search(_root(endpoint), "NICT")
    assert found["results"][0]["matched"] == "NICT"
    assert found["statements"] and all(s["href"].startswith("/page/statement/")
                                       for s in found["statements"])
    html = requests.get(f"{_root(endpoint)}/search", params={"q": "NICT"}, timeout=30).text
    assert html.index("National Institute of Information") < html.index("<mark>NICT</mark>")


def test_the_autocomplete_asks_for_things_only(endpoint):
    found = _search(_root(endpoint), "NICT", only="things")
    assert found["results"] and found["statements"] == []


def test_json_by_accept_or_extension(endpoint):
    root = _root(endpoint)
    by_accept = requests.get(f"{root}/search", params={"q": "data sharing"},
                             headers={"Accept": "application/json"}, timeout=30)
    assert by_accept.headers["Content-Type"].startswith("application/json")
    assert "Accept" in by_accept.headers["Vary"]
    assert by_accept.json() == _search(root, "data sharing")
    assert by_accept.json()["statementsOrder"] == "relevance"
    page = requests.get(f"{root}/search", params={"q": "data sharing"},
                        headers={"Accept": "text/html"}, timeout=30)
    assert page.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("q", ['"', '"data', "*", "data*", "NEAR(", "NEAR(data sharing, 2)",
                               "-", "-data", "data -sharing", "((data", "data))", ")(", "\x00",
                               "data\x00sharing", "AND", "data OR", "NOT sharing", "^", ":",
                               "col:data", "{data}", "'", "\\", "𝔡𝔞𝔱𝔞", "x" * 10_000,
                               " ".join(["data"] * 500)])
def test_malformed_queries_are_only_text(endpoint, q):
    root = _root(endpoint)
    for path in ("/search", "/search.json"):
        response = requests.get(root + path, params={"q": q}, timeout=30)
        assert response.status_code == 200, (path, q, response.text[:300])
    found = _search(root, q)
    if set(re.findall(r"\w+", q.casefold())) == {"data", "sharing"}:
        assert found["statementsTotal"] >= 1  # the words still count


def test_an_index_goes_with_its_build(tmp_path):
    """A store rebuilt from other releases answers from its new index (the server reads
    the build the store link points to, and that build's index), and a build without an
    index (an older policykg's) is searched by name, saying so."""
    store = tmp_path / "store"
    pipeline.build(bundled_releases(), store, BASE)
    first = store.resolve()
    assert readable(first / INDEX)
    with serving(store, tmp_path) as served:
        root = _root(served)
        assert _search(root, "vendor lock-in")["statementsTotal"] >= 1
        assert _search(root, "submarine cable")["statementsTotal"] == 0
        pipeline.build(fixture_releases(), store, BASE)
        assert store.resolve() != first
        found = _until(lambda: _search(root, "submarine cable"), lambda f: f["statementsTotal"] > 0)
        assert found["statementsTotal"] >= 1
        # every worker moves to the new build within a second or so, each on its own
        gone = _until(lambda: _search(root, "vendor lock-in"), lambda f: f["statementsTotal"] == 0)
        assert gone["statementsTotal"] == 0
        # the same build without its index, as an older policykg wrote it
        older = tmp_path / "older"
        shutil.copytree(store.resolve(), older, symlinks=True)
        shutil.rmtree(older / INDEX)
    older_store = tmp_path / "older-store"
    older_store.symlink_to(older)
    home = tmp_path / "older-home"
    home.mkdir()
    with serving(older_store, home) as served:
        root = _root(served)
        found = _search(root, "gigabit")
        assert found["fulltext"] is False and found["statements"] == []
        assert found["results"][0]["label"] == "Gigabit Connectivity Programme"
        page = requests.get(f"{root}/search", params={"q": "gigabit"}, timeout=30).text
        assert "no full-text index" in page


def test_the_index_holds_every_statement_of_the_store(endpoint):
    """One row per statement of the store: none lost, none twice."""
    response = requests.get(endpoint.url, params={"query": (
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a <{PK}Statement> }} }}")},
        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    statements = int(response.json()["results"]["bindings"][0]["n"]["value"])
    iris = [statement.iri for statement in held(endpoint.store.resolve() / INDEX)]
    assert statements > 50 and len(iris) == len(set(iris)) == statements


def _until(ask, done, seconds: float = 10.0):
    """The answer of `ask` once `done` says so (a server looks at the store link once a
    second), or the last one."""
    deadline = time.monotonic() + seconds
    while True:
        found = ask()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.mark.parametrize("q", ["Japan", "data sharing", "vendor lock-in", "cooperation"])
def test_the_text_around_is_shown_only_where_the_quote_lacks_the_words(endpoint, q):
    """A statement's quote is highlighted where it holds the words, and the text around it
    is shown only where the quote lacks some of them (then with them marked)."""
    found = _search(_root(endpoint), q, limit=50)
    assert found["statements"], q
    wanted = re.findall(r"\w+", q.casefold())
    for statement in found["statements"]:
        marked = re.findall(r"\w+", " ".join(p["text"] for p in statement["quote"]
                                               if p["match"]).casefold())
        if all(any(m.startswith(w[:4]) for m in marked) for w in wanted):
            assert statement["around"] == [], statement
        else:
            assert statement["around"] == [] or any(p["match"] for p in statement["around"])


def test_a_word_longer_than_the_index_keeps_finds_nothing(endpoint):
    """The index leaves out words too long for anyone to type; such a word in a query is
    in no statement, rather than left out of the query."""
    root = _root(endpoint)
    assert _search(root, "data sharing")["statementsTotal"] >= 1
    assert _search(root, "data sharing " + "x" * 100)["statementsTotal"] == 0
