"""A label with markup and quotes, injected into a store, is shown as text everywhere: the
entity's page, its neighbours' pages, the embedded JSON-LD, the index, search results,
the autocomplete API, the 404 suggestions, and in a real browser no script runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from pyoxigraph import Literal, NamedNode, Quad, Store

from graph import pipeline, search_index
from graph.iris import RDFS, SKOS, Iris
from graph.source import bundled_releases
from ontology import PK
from tests.browser import CHROMIUM
from tests.conftest import BASE, serving

EVIL = """<script>alert("pwned")</script> "NICT's" & <b>bold</b>"""
NICT = NamedNode(BASE + "id/actor/nict")
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"  # the 404 page is a page for one


@pytest.fixture(scope="module")
def evil_site(tmp_path_factory):
    home = tmp_path_factory.mktemp("evil")
    path = home / "store"
    pipeline.build(bundled_releases(), path, BASE, dumps=False)
    store = Store(str(Path(path).resolve()))
    graph = NamedNode(BASE + "graph/lexicon")
    for predicate in (RDFS + "label", SKOS + "prefLabel"):
        for quad in list(store.quads_for_pattern(NICT, NamedNode(predicate), None)):
            store.remove(quad)
        store.add(Quad(NICT, NamedNode(predicate), Literal(EVIL, language="en"), graph))
    store.add(Quad(NICT, NamedNode(SKOS + "altLabel"), Literal(EVIL + " alias"), graph))
    store.flush()
    search_index.write(store, Iris(BASE), Path(path).resolve())  # search reads the label there
    del store
    with serving(path, home) as served:
        yield served.url.removesuffix("/sparql")


def _no_markup_from_the_label(html: str) -> None:
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(" in html  # shown, as text


@pytest.mark.parametrize("path", [
    "/page/actor/nict", "/page/initiative/notice", "/page/actor/",
    "/search?q=pwned", "/page/actor/nict-script-pwned",
    "/page/release/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue",
    "/page/actor/nict?rel=" + quote(PK + "implementedBy", safe="")])
def test_an_injected_label_is_text_on_every_page(evil_site, path):
    response = requests.get(evil_site + path, headers={"Accept": BROWSER}, timeout=30)
    assert response.status_code in (200, 404)
    _no_markup_from_the_label(response.text)


def test_the_json_ld_block_cannot_be_closed_by_a_label(evil_site):
    html = requests.get(evil_site + "/page/actor/nict", timeout=30).text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    labels = [v["@value"] for node in data for key, values in node.items()
              if key == RDFS + "label" for v in values]
    assert EVIL in labels


def test_the_autocomplete_api_returns_the_label_as_data(evil_site):
    results = requests.get(evil_site + "/search.json", params={"q": "pwned"},
                           timeout=30).json()["results"]
    assert results[0]["label"] == EVIL


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_no_script_runs_in_a_browser(evil_site, browser):
    dialogs: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/page/actor/nict", "/page/initiative/notice", "/search?q=pwned"):
        page.goto(evil_site + path)
        assert EVIL.split(" ")[0] in page.inner_text("main")
    page.goto(evil_site + "/")
    page.fill("#site-search", "pwned")
    page.wait_for_selector("#site-search-list li")
    assert EVIL in page.inner_text("#site-search-list")
    context.close()
    assert dialogs == []
