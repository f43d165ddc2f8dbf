"""The workbench page over HTTP (no browser): who gets it, what it carries, what it allows.
tests/test_workbench_browser.py drives it in Chromium."""

from __future__ import annotations

import html
import json
import re

import requests

from ontology import PK
from queries import examples
from server.workbench import VENDOR

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
QUERY = "SELECT ?s WHERE { ?s a pk:Meeting } LIMIT 1"


def _get(endpoint, accept: str, **params) -> requests.Response:
    return requests.get(endpoint.url, params=params, headers={"Accept": accept}, timeout=30)


def test_a_browser_gets_the_workbench(endpoint):
    r = _get(endpoint, BROWSER)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.text
    text = html.unescape(page)
    for ex in examples():
        assert ex.title in text and ex.description in text
    assert '<form class="plain" method="post" action="/sparql">' in page
    config = json.loads(re.search(r'<script type="application/json" id="workbench-config">'
                                  r"(.*?)</script>", page, re.S).group(1))
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"]["pk"] == PK  # the same under every base
    assert [e["name"] for e in config["examples"]] == [e.name for e in examples()]


def test_the_page_allows_only_its_own_origin(endpoint):
    csp = _get(endpoint, BROWSER).headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp  # no other origin, for anything
    # every script and stylesheet is a file of ours
    page = _get(endpoint, BROWSER).text
    for src in re.findall(r'<script[^>]* src="([^"]+)"', page) + \
            re.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
        assert src.startswith("/static/"), src
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", page) == []


def test_the_editor_files_are_ours(endpoint):
    page = _get(endpoint, BROWSER).text
    root = endpoint.url.removesuffix("/sparql")
    for name in ("workbench.js", "workbench.css", "favicon.svg"):
        assert requests.get(f"{root}/static/{name}", timeout=30).status_code == 200
    if (VENDOR / "yasgui.min.js").is_file():
        for name in ("yasgui.min.js", "yasgui.min.css"):
            r = requests.get(f"{root}/static/vendor/yasgui/{name}", timeout=30)
            assert r.status_code == 200 and "sourceMappingURL" not in r.text
    else:  # `make setup` not run: the page says so and offers the plain form
        assert "files are not installed" in page and "<noscript>" not in page


def test_a_browser_following_a_permalink_gets_the_workbench_with_the_query(endpoint):
    r = _get(endpoint, BROWSER, query=QUERY + " # </textarea><script>")
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in r.headers
    assert QUERY + " # </textarea><script>" in html.unescape(r.text)
    assert "</textarea><script>" not in r.text
    head = requests.head(endpoint.url, params={"query": QUERY}, headers={"Accept": BROWSER},
                         timeout=30)
    assert head.status_code == 200 and head.headers["Content-Type"].startswith("text/html")


def test_other_clients_get_results_from_the_same_address(endpoint):
    for accept in ("*/*", "application/sparql-results+json",
                   "application/sparql-results+json, text/html",  # a tie goes to the data
                   "text/html;q=0.5, application/json"):
        r = _get(endpoint, accept, query=QUERY)
        assert r.headers["Content-Type"].startswith("application/sparql-results+json"), accept
    # an explicit format wins over a browser's Accept
    r = _get(endpoint, BROWSER, query=QUERY, format="csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines()[0] == "s"


def test_the_plain_form_gets_results(endpoint):
    r = requests.post(endpoint.url, data={"query": QUERY, "format": ""},
                      headers={"Accept": BROWSER}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/sparql-results+xml")
    r = requests.post(endpoint.url, data={"query": QUERY, "format": "tsv"},
                      headers={"Accept": BROWSER}, timeout=30)
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")
