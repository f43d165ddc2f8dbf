"""Short permalinks over HTTP (#14): POST /q keeps a query and answers /q/{hash}; the same
text gets the same link; GET opens the workbench with it for a browser and gives the text to
any other client; unknown or malformed hashes are 404; an empty or oversized query is
refused, and so is a text the endpoint would not take as a query (400, its message) and a
client's new permalinks past its hourly share (429; another client, and a text already
kept, still get their link). The files live under the server's data home.
tests/test_workbench_browser.py presses the button."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import requests

from server.permalinks import MAX_BYTES, MAX_ENTRIES, key
from tests.conftest import serving
from tests.test_workbench import BROWSER

QUERY = "SELECT ?m WHERE { ?m a pk:Meeting } # permalink test"


def _root(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


def _keep(endpoint, text: str, client: str | None = None) -> requests.Response:
    """POST /q; from `client` as a trusted proxy on the machine would forward it."""
    headers = {"X-Forwarded-For": client} if client else {}
    return requests.post(_root(endpoint) + "/q", data={"query": text}, headers=headers,
                         timeout=30)


def _folder(home) -> Path:
    return home / "data" / "policykg" / "permalinks"  # tests/conftest.py serving's data home


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
    stored = _folder(endpoint.store.parent) / f"{kept['hash']}.rq"
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
    # the permalink's own limit, below the request limit of a default server (1 MiB); a
    # store one short of full (its files there before the server, no count kept yet)
    kept = _folder(tmp_path)
    kept.mkdir(parents=True)
    for i in range(MAX_ENTRIES - 1):
        (kept / f"filler{i}.rq").touch()
    with serving(endpoint.store, tmp_path, max_bytes=1 << 20) as roomy:
        fits = "# " + "x" * (MAX_BYTES - 10) + "\nASK {}"
        big = "# " + "x" * MAX_BYTES + "\nASK {}"
        r = _keep(roomy, big)
        assert r.status_code == 413 and f"{MAX_BYTES} bytes" in r.text, r.text
        assert requests.get(_root(roomy) + "/q/" + key(big), timeout=30).status_code == 404
        assert _keep(roomy, fits).status_code == 201  # the last one it has room for
        # a full store refuses a new query, and still links the ones it keeps
        full = _keep(roomy, "ASK { ?s ?p ?o } # one too many")
        assert full.status_code == 507 and "full" in full.text, full.text
        assert _keep(roomy, fits).status_code == 201
        assert not (kept / f"{key('ASK { ?s ?p ?o } # one too many')}.rq").exists()


def test_a_text_the_endpoint_would_not_take_as_a_query_is_not_kept(endpoint):
    for text, why in (("hello, this is no query", "SPARQL syntax error"),
                      ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
                      ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                       "federated queries"),
                      ("SELECT * {" + "{" * 60 + "}" * 61, "48")):
        r = _keep(endpoint, text)
        assert r.status_code == 400 and why in r.text, (text, r.text)
        # the endpoint's own answer to it, word for word
        assert r.text == requests.post(endpoint.url, data={"query": text}, timeout=30).text
        assert not (_folder(endpoint.store.parent) / f"{key(text)}.rq").exists()
        assert requests.get(_root(endpoint) + "/q/" + key(text), timeout=30).status_code == 404


def test_a_client_past_its_hourly_share_is_refused_but_not_others_nor_known_texts(endpoint,
                                                                                tmp_path):
    environment = {"POLICYKG_CLIENT_PERMALINKS": "2", "POLICYKG_TRUSTED_PROXIES": "127.0.0.1"}
    with serving(endpoint.store, tmp_path, environment=environment) as served:
        mine = [f"ASK {{ ?s ?p ?o }} # mine {i}" for i in range(3)]
        assert [_keep(served, text, "203.0.113.7").status_code for text in mine[:2]] \
            == [201, 201]
        refused = _keep(served, mine[2], "203.0.113.7")
        assert refused.status_code == 429, refused.text
        assert "2 new permalinks" in refused.text
        assert 3590 <= int(refused.headers["Retry-After"]) <= 3600
        assert requests.get(_root(served) + "/q/" + key(mine[2]), timeout=30).status_code == 404
        # a text already kept is linked again, for this client too
        again = _keep(served, mine[0], "203.0.113.7")
        assert again.status_code == 201 and again.json()["hash"] == key(mine[0])
        # another client (another address the trusted proxy forwarded) has its own share
        theirs = _keep(served, "ASK { ?s ?p ?o } # theirs", "198.51.100.4")
        assert theirs.status_code == 201, theirs.text
        # a refused text costs no share, a kept one does: the other client's second is its last
        assert _keep(served, "nonsense", "198.51.100.4").status_code == 400
        assert _keep(served, "ASK {} # theirs 2", "198.51.100.4").status_code == 201
        assert _keep(served, "ASK {} # theirs 3", "198.51.100.4").status_code == 429


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
