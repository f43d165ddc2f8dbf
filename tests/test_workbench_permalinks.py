"""Short permalinks over HTTP (#14): POST /q keeps a query and answers /q/{hash}; the same
text gets the same link; GET opens the workbench with it for a browser and gives the text to
any other client; unknown or malformed hashes are 404; an empty or oversized query is
refused. The files live under the server's data home. tests/test_workbench_browser.py
presses the button."""

from __future__ import annotations

import html
import json
import re

import requests

from server.permalinks import MAX_BYTES, MAX_ENTRIES, key
from tests.conftest import serving
from tests.test_workbench import BROWSER

QUERY = "SELECT ?m WHERE { ?m a pk:Meeting } # permalink test"


def _root(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


def _keep(endpoint, text: str) -> requests.Response:
    return requests.post(_root(endpoint) + "/q", data={"query": text}, timeout=30)


def test_a_query_kept_gets_a_short_content_addressed_link(endpoint):
    r = _keep(endpoint, QUERY)
    assert r.status_code == 201
    kept = r.json()
    assert re.fullmatch(r"[0-9a-f]{12}", kept["hash"])
    assert kept["hash"] == key(QUERY)
    assert kept["path"] == f"/q/{kept['hash']}" == r.headers["Location"]
    assert kept["url"] == _root(endpoint) + kept["path"]
    again = _keep(endpoint, QUERY).json()
    assert again == kept  # the same text, the same link
    other = _keep(endpoint, QUERY + " ").json()
    assert other["hash"] != kept["hash"]
    # where it is kept: a file under the data home of the server (tests/conftest.py serving)
    stored = endpoint.store.parent / "data" / "policykg" / "permalinks" / f"{kept['hash']}.rq"
    assert stored.read_text(encoding="utf-8") == QUERY


def test_a_browser_gets_the_workbench_with_the_query_and_programs_the_text(endpoint):
    link = _root(endpoint) + _keep(endpoint, QUERY + " </script><b>").json()["path"]
    page = requests.get(link, headers={"Accept": BROWSER}, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    config = json.loads(re.search(r'<script type="application/json" id="workbench-config">'
                                  r"(.*?)</script>", page.text, re.S).group(1))
    assert config["query"] == QUERY + " </script><b>"
    assert "</script><b>" not in page.text  # escaped in the page
    assert QUERY in html.unescape(page.text)  # and in the plain form, without JavaScript
    for accept in ("*/*", "application/sparql-query", None):
        text = requests.get(link, headers={"Accept": accept} if accept else {}, timeout=30)
        assert text.status_code == 200
        assert text.headers["Content-Type"] == "application/sparql-query; charset=utf-8"
        assert text.text == QUERY + " </script><b>"
        assert "max-age" in text.headers["Cache-Control"]


def test_the_text_comes_back_byte_for_byte(endpoint):
    text = "SELECT ?s\r\nWHERE { ?s a pk:Meeting }\r\n# é — 日本\n\tLIMIT 1"
    kept = _keep(endpoint, text).json()
    assert kept["hash"] == key(text)
    back = requests.get(kept["url"], headers={"Accept": "application/sparql-query"}, timeout=30)
    assert back.content.decode("utf-8") == text
    body = requests.post(_root(endpoint) + "/q", data=text.encode("utf-8"), timeout=30,
                         headers={"Content-Type": "application/sparql-query"})
    assert body.status_code == 201 and body.json()["hash"] == kept["hash"]


def test_unknown_or_malformed_hashes_are_not_found(endpoint):
    root = _root(endpoint)
    for path in ("/q/000000000000", "/q/abc", "/q/" + "f" * 13, "/q/../store", "/q/ABCDEF012345",
                 "/q/%2e%2e%2fstore"):
        r = requests.get(root + path, headers={"Accept": BROWSER}, timeout=30)
        assert r.status_code == 404, path


def test_empty_too_long_or_one_too_many_queries_are_refused(endpoint, tmp_path):
    assert _keep(endpoint, "").status_code == 400
    assert _keep(endpoint, "  \n").status_code == 400
    assert requests.post(_root(endpoint) + "/q", timeout=30).status_code == 400
    assert requests.get(_root(endpoint) + "/q", timeout=30).status_code == 405
    # the permalink's own limit, below the request limit of a default server (1 MiB)
    with serving(endpoint.store, tmp_path, max_bytes=1 << 20) as roomy:
        fits = "# " + "x" * (MAX_BYTES - 10) + "\nASK {}"
        big = "# " + "x" * MAX_BYTES + "\nASK {}"
        assert _keep(roomy, fits).status_code == 201
        r = _keep(roomy, big)
        assert r.status_code == 413 and f"{MAX_BYTES} bytes" in r.text, r.text
        assert requests.get(_root(roomy) + "/q/" + key(big), timeout=30).status_code == 404
        # a full store refuses a new query, and still links the ones it keeps
        kept = tmp_path / "data" / "policykg" / "permalinks"
        for i in range(MAX_ENTRIES - len(list(kept.glob("*.rq")))):
            (kept / f"filler{i}.rq").touch()
        full = _keep(roomy, "ASK { ?s ?p ?o } # one too many")
        assert full.status_code == 507 and "full" in full.text, full.text
        assert _keep(roomy, fits).status_code == 201


def test_a_download_is_named_by_the_download_parameter(endpoint):
    def name(value: str) -> str:
        r = requests.post(endpoint.url, data={"query": QUERY, "format": "csv",
                                              "download": value}, timeout=30)
        assert r.status_code == 200
        return re.search(r'filename="([^"]+)"', r.headers["Content-Disposition"]).group(1)

    assert name("05-eu-cybersecurity") == "05-eu-cybersecurity.csv"
    assert name("1") == "policykg-results.csv"
    assert name('a"; evil.exe') == "policykg-results.csv"
    assert name("../../etc/passwd") == "policykg-results.csv"
    assert name("x" * 200) == "policykg-results.csv"
