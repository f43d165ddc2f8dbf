"""The home page, as a browser and a person meet it: what this is, where the data come
from, and the ways to query, download, describe and cite the graph."""

from __future__ import annotations

import re

import requests


def test_home_page_links_attributes_and_cites(endpoint):
    root = endpoint.url.removesuffix("sparql")
    page = requests.get(root, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    for link in ('href="/sparql"', 'href="/dumps/"', 'href="/.well-known/void"'):
        assert link in html
    version = page.headers["X-Policykg-Version"]
    assert f"version <code>{version}</code>" in html
    assert re.search(r"holds\s+5 releases reporting 6 meetings,\s+with \d+ statements "
                     r"made by \d+ actors.\s+In all it describes \d+ actors,\s+\d+ "
                     r"initiatives and \d+ topics", html)
    source = "https://www.soumu.go.jp/main_sosiki/joho_tsusin/eng/pressrelease/2023/2/28_04.html"
    cite = html[html.index('id="cite"'):]
    assert version in cite and source in cite and "CC BY 4.0" in cite
    assert "not a publication" in html
    assert "Ministry of Internal Affairs and Communications" in html
    # every page linked from here answers a browser (which also accepts */*)
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path in ("sparql", "dumps/", ".well-known/void"):
        assert requests.get(root + path, headers={"Accept": browser},
                            timeout=10).status_code == 200


def test_home_page_names_the_graph_s_iris_under_its_base(endpoint):
    import requests

    html = requests.get(endpoint.url.removesuffix("/sparql") + "/", timeout=30).text
    assert "<code>https://kg.test/id/…</code>" in html
