"""HTTP details of the public endpoint (issue #13): 4xx for every malformed request,
conditional requests by werkzeug, one store version per answer, security headers,
compression and versioned static files, `output=`, the OPTIONS answer, hidden characters
shown on pages, and dumps checked against their manifest.

Most checks go through Flask's test client over small stores built here; a few go over
HTTP to the session's `policykg serve` (tests/conftest.py), as clients meet them."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
from pathlib import Path

import brotli
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import dumps, pipeline
from graph.source import bundled_releases

from .conftest import BASE, FIXTURES

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20"
RELEASE = "/page/release/2024-12-06-results-of-31st-japan-eu-ict-policy-dialogue"
ODD_THING = "/page/initiative/japan-ciciv-project"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def odd_release(directory: Path) -> Path:
    """A release whose text holds a NUL and a RIGHT-TO-LEFT OVERRIDE (U+202E), as a
    careless or hostile source might: one becomes part of a name, the other of a quote."""
    directory.mkdir(parents=True, exist_ok=True)
    text = (FIXTURES / "fixture-minimal-31.txt").read_text(encoding="utf-8")
    text = text.replace("the CIVIC project", "the CI\u202eCIV project")
    text = text.replace("common data models", "common data\x00 models")
    meta = (FIXTURES / "fixture-minimal-31.meta.yaml").read_text(encoding="utf-8")
    (directory / "odd-31.txt").write_text(text, encoding="utf-8")
    (directory / "odd-31.meta.yaml").write_text(meta.replace("fixture-minimal-31", "odd-31"),
                                                encoding="utf-8")
    return directory / "odd-31.txt"


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> tuple[Path, Path]:
    """Two builds of different content (so of different versions): the bundled release,
    and the bundled release with the odd one."""
    home = tmp_path_factory.mktemp("http-details")
    plain, odd = home / "plain", home / "odd"
    pipeline.build(bundled_releases(), plain, BASE)
    pipeline.build(bundled_releases() + [odd_release(home / "releases")], odd, BASE)
    return plain, odd


@pytest.fixture(scope="module")
def client(stores):
    from server import create_app

    return create_app({"store": str(stores[1]), "page_files": False}).test_client()


def one_line(response) -> bool:
    text = response.get_data(as_text=True)
    return text.endswith("\n") and "\n" not in text[:-1] and \
        response.headers["Content-Type"].startswith("text/plain")


# --- 1. 4xx, never 5xx ---------------------------------------------------------------

@pytest.mark.parametrize("accept", ["application/json", "text/csv", "application/xml",
                                    "application/sparql-results+json", "image/png"])
def test_sparql_without_query_answers_406_not_500(client, accept):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 406 and one_line(response)
    text = response.get_data(as_text=True)
    assert "text/turtle" in text  # what it could have had
    assert "no query was sent (the 'query' parameter)" in text  # what it probably meant


@pytest.mark.parametrize("path", [
    "/id/a b", "/id/a<b", "/id/actor/%ZZ", "/id/%00", "/id/actor/x%01y", "/id/actor/%7F",
    "/page/actor/a b", "/page/actor/a<b>", "/page/actor/%ZZ", "/page/actor/%00",
    "/page/actor/japan%ff", "/page/actor/x%0Ay", "/page/actor/\"q\"", "/page/actor/{x}",
    "/data/a b.ttl", "/data/actor/a<b.nt", "/data/actor/%ZZ.jsonld", "/data/actor/%00.rdf",
    "/graph/a b", "/graph/%ZZ", "/ontology/%00", "/ontology/a b",
])
def test_malformed_paths_answer_404_in_one_line(client, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code in (400, 404), response.get_data(as_text=True)[:300]
    assert one_line(response)


@pytest.mark.parametrize("path", ["/page/actor/?page=²", "/data/actor/japan.ttl?page=١",
                                  "/page/actor/japan?said=³", "/page/actor/japan?rel=http://a b",
                                  "/page/actor/japan?rel=http://x/%ZZ"])
def test_malformed_parameters_answer_400(client, path):
    response = client.get(path)
    assert response.status_code == 400 and one_line(response)


def test_odd_search_limits_are_ignored(client):
    assert client.get("/search.json?q=japan&limit=²").status_code == 200


PREFIXES = ["/id/", "/id/actor/", "/page/", "/page/actor/", "/data/", "/data/actor/",
            "/graph/", "/graph/release/", "/ontology/", "/ontology.", "/dumps/", "/search?q=",
            "/search.json?limit=", "/sparql?query=", "/sparql?format=", "/page/actor/japan?rel=",
            "/page/actor/japan?said=", "/static/", "/.well-known/", "/"]
PIECES = st.one_of(
    st.sampled_from(list("abcz09-._~/ <>\"{}|\\^`'!$&()*+,;=:@[]%?")),
    st.binary(min_size=1, max_size=4).map(lambda b: "".join(f"%{x:02X}" for x in b)),
    st.sampled_from(["%ZZ", "%", "%0", "..", "%2F", "%E2%80%AE", "%C0%AF", "japan", ".ttl",
                     ".nt", ".html", "actor/", "%00"]),
)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
HEADERS = st.fixed_dictionaries({}, optional={
    "Accept": st.one_of(st.sampled_from(["text/html", "*/*", "text/turtle;q=0.5, */*;q=0",
                                         "application/sparql-results+json", "a/b;q=x"]),
                        HEADER_TEXT),
    "Accept-Encoding": st.one_of(st.sampled_from(["gzip", "br;q=0.5, gzip", "*", "identity",
                                                  "br;q=x"]), HEADER_TEXT),
    "If-None-Match": st.one_of(st.sampled_from(["*", 'W/"x"', '"a", W/"b"', 'W/', '"']),
                               HEADER_TEXT),
    "If-Modified-Since": st.one_of(st.sampled_from(["Sun, 06 Nov 1994 08:49:37 GMT",
                                                    "yesterday", "0"]), HEADER_TEXT),
    "Range": st.one_of(st.sampled_from(["bytes=0-0", "bytes=-5", "bytes=9-1", "bytes=x"]),
                       HEADER_TEXT),
})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES), tail=st.lists(PIECES, max_size=8).map("".join),
       headers=HEADERS, method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS"]))
def test_no_path_or_header_gets_a_5xx(client, prefix, tail, headers, method):
    response = client.open(prefix + tail, method=method, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


# --- 2. conditional requests ---------------------------------------------------------

def test_pages_honour_weak_etags_and_star(client):
    first = client.get("/page/actor/japan")
    etag = first.headers["ETag"]
    for held in (f"W/{etag}", "*", f'"other", W/{etag}'):
        again = client.get("/page/actor/japan", headers={"If-None-Match": held})
        assert again.status_code == 304, held
        assert again.headers["ETag"] == etag and not again.data
    assert client.get("/page/actor/japan", headers={"If-None-Match": 'W/"other"'}
                      ).status_code == 200


def test_sparql_get_honours_weak_etags_and_star(client):
    first = client.get("/sparql", query_string={"query": SELECT},
                       headers={"Accept": "text/csv"})
    etag = first.headers["ETag"]
    for held in (f"W/{etag}", "*"):
        again = client.get("/sparql", query_string={"query": SELECT},
                           headers={"Accept": "text/csv", "If-None-Match": held})
        assert again.status_code == 304, held


def test_a_post_is_never_answered_304(client):
    first = client.post("/sparql", data={"query": SELECT}, headers={"Accept": "text/csv"})
    assert first.status_code == 200
    later = "Sun, 06 Nov 2994 08:49:37 GMT"
    for conditions in ({"If-None-Match": first.headers["ETag"]}, {"If-None-Match": "*"},
                       {"If-Modified-Since": later}):
        again = client.post("/sparql", data={"query": SELECT},
                            headers={"Accept": "text/csv", **conditions})
        assert again.status_code == 200 and again.data == first.data, conditions


def test_a_compressed_answer_revalidates_under_its_own_etag(client):
    """flask-compress gives a gzip answer its own ETag; sending it back gets a 304 that
    names it (not a full answer, and not the identity answer's tag)."""
    for path, params in (("/page/actor/japan", {}), ("/sparql", {"query": SELECT})):
        first = client.get(path, query_string=params, headers={"Accept-Encoding": "gzip"})
        assert first.headers["Content-Encoding"] == "gzip"
        etag = first.headers["ETag"]
        assert etag.endswith(':gzip"')
        again = client.get(path, query_string=params,
                           headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag


# --- 3. one version per answer -------------------------------------------------------

def test_the_version_header_is_the_version_of_the_body(stores, tmp_path, monkeypatch):
    """A rebuild swaps the store link while a page is being answered: the header names the
    store the page was read from, not the one the link points to by then."""
    import server.dataset
    from server import create_app

    monkeypatch.setattr(server.dataset, "RECHECK", 0.0)  # look at the link on every use
    plain, odd = (Path(os.path.realpath(s)) for s in stores)
    link = tmp_path / "store"
    link.symlink_to(plain)
    app = create_app({"store": str(link), "page_files": False})
    home = app.view_functions["home.home"]

    def swapped_meanwhile():
        answer = home()
        (tmp_path / "next").symlink_to(odd)
        os.replace(tmp_path / "next", link)
        return answer

    app.view_functions["home.home"] = swapped_meanwhile
    response = app.test_client().get("/")
    shown = re.search(r"graph version <code>([^<]+)</code>", response.get_data(as_text=True))
    assert shown.group(1) == response.headers["X-Policykg-Version"]
    assert app.test_client().get("/").headers["X-Policykg-Version"] != shown.group(1)


# --- 4. security headers -------------------------------------------------------------

def test_security_headers_on_every_answer(client):
    answers = [client.get("/"), client.get("/page/actor/japan"), client.get("/nowhere"),
               client.get("/sparql", query_string={"query": SELECT}),
               client.get("/sparql", headers={"Accept": "text/html"}),
               client.options("/sparql"), client.put("/sparql"),
               client.get("/static/site.css"), client.get("/dumps/policykg.nt.gz"),
               client.get("/data/actor/japan.ttl")]
    for response in answers:
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.request.path
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        if response.mimetype == "text/html":
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    workbench = answers[4].headers["Content-Security-Policy"]
    assert "sha256-" in workbench  # the workbench keeps its own (server/workbench.py)


def test_pages_have_no_inline_script(client):
    for path in ("/", "/page/actor/japan", RELEASE, "/search?q=japan", "/dumps/",
                 "/ontology", "/page/actor/"):
        page = client.get(path, headers={"Accept": BROWSER}).get_data(as_text=True)
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
            assert 'src="' in attributes or "application/ld+json" in attributes, path
            assert "src=" not in attributes or not body.strip()


# --- 5. compression and static files -------------------------------------------------

@pytest.mark.parametrize("path, params, accept", [
    ("/page/actor/japan", {}, "text/html"),
    ("/sparql", {"query": SELECT}, "application/sparql-results+json"),
    ("/sparql", {"query": SELECT}, "text/csv"),
    ("/sparql", {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 50"}, "application/n-triples"),
    ("/data/actor/japan.ttl", {}, "*/*"),
    ("/static/site.css", {}, "*/*"),
    ("/static/vendor/yasgui/yasgui.min.js", {}, "*/*"),
])
@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress),
                                              ("gzip", gzip.decompress)])
def test_text_is_compressed(client, path, params, accept, encoding, decode):
    if path.startswith("/static/vendor") and not (Path("server") / path[1:]).is_file():
        pytest.skip("the editor's files are not installed (make setup)")
    plain = client.get(path, query_string=params, headers={"Accept": accept})
    packed = client.get(path, query_string=params,
                        headers={"Accept": accept, "Accept-Encoding": f"{encoding}, identity"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert decode(packed.data) == plain.data and len(packed.data) < len(plain.data)
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["Vary"]


def test_dumps_are_sent_as_they_are(client):
    dump = client.get("/dumps/policykg.nt.gz", headers={"Accept-Encoding": "br, gzip"})
    assert dump.status_code == 200 and "Content-Encoding" not in dump.headers
    assert gzip.decompress(dump.data)


def test_static_urls_carry_their_content_hash_and_only_those_live_long(client):
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {u.split("?")[0] for u in urls} >= {"/static/site.css", "/static/search.js"}
    for url in urls:
        path, _, version = url.partition("?v=")
        file = Path("server") / path[1:]
        assert version == hashlib.sha256(file.read_bytes()).hexdigest()[:12]
        response = client.get(url.replace("&amp;", "&"))
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        for other in (path, f"{path}?v=000000000000"):  # unversioned, or another version
            assert "immutable" not in client.get(other).headers["Cache-Control"]
    workbench = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'href="/static/workbench\.css\?v=[0-9a-f]{12}"', workbench)


# --- 6. output= ----------------------------------------------------------------------

def test_output_is_an_alias_of_format(client):
    got = client.get("/sparql", query_string={"query": SELECT, "output": "csv"})
    assert got.status_code == 200 and got.mimetype == "text/csv"
    posted = client.post("/sparql", data={"query": SELECT, "output": "tsv"})
    assert posted.mimetype == "text/tab-separated-values"
    both = client.get("/sparql", query_string={"query": SELECT, "format": "xml",
                                               "output": "csv"})
    assert both.mimetype == "application/sparql-results+xml"  # format= first
    browsing = client.get("/sparql", query_string={"query": SELECT, "output": "csv"},
                          headers={"Accept": BROWSER})
    assert browsing.mimetype == "text/csv"  # not the workbench: output= asks for results
    assert client.get("/sparql", query_string={"output": "nt"}).mimetype == \
        "application/n-triples"  # the service description
    for path in ("/dumps/", "/.well-known/void", "/ontology", "/graph/ontology"):
        assert client.get(path, query_string={"output": "nt"}, headers={"Accept": BROWSER}
                          ).mimetype == "application/n-triples", path


# --- 7. OPTIONS ----------------------------------------------------------------------

def test_options_has_no_content_type_and_no_body(client):
    response = client.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204 and not response.data
    assert "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


# --- 8. hidden characters ------------------------------------------------------------

@pytest.mark.parametrize("path", [RELEASE, ODD_THING, "/search?q=CI", "/page/initiative/",
                                  "/page/actor/%E2%80%AE", "/sparql?query=%23%E2%80%AE%00",
                                  "/statements?size=500", "/statements?mentions=%E2%80%AE"])
def test_nul_and_bidi_controls_never_reach_a_page_raw(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "\x00" not in page and "\u202e" not in page


def test_hidden_characters_are_shown_and_the_data_keeps_them(client):
    assert "data[U+0000] models" in client.get(RELEASE).get_data(as_text=True)
    page = client.get(ODD_THING).get_data(as_text=True)
    assert "CI[U+202E]CIV project" in page
    assert "CI\\u202eCIV project" in page  # the embedded JSON-LD says the same, escaped
    turtle = client.get("/data/initiative/japan-ciciv-project.ttl").get_data(as_text=True)
    assert "CI\u202eCIV project" in turtle  # data are data: RDF keeps the text as it is


def test_the_statements_table_shows_them_in_quotes_and_names(client):
    """Its rows are written outside the template (server/statements_view.py), and still
    pass through the template's check on their way out."""
    table = client.get("/statements?size=500", headers={"Accept": BROWSER}
                       ).get_data(as_text=True)
    assert "“Japan introduced the CI[U+202E]CIV project" in table  # a quote
    assert ">CI[U+202E]CIV project</a>" in table  # a name it mentions
    assert "common data[U+0000] models" in table
    rows = client.get("/statements.json?size=all").get_json()["rows"]
    assert any("CI\u202eCIV project" in row["quote"] for row in rows)  # the data as they are


def test_the_statements_tables_links_follow_the_root_it_is_mounted_at(client):
    """The table keeps its rows' links per mount point: the same table answering under
    /kg, then at the root, then under /kg again links each time to that root's pages."""
    for root in ("/kg", "", "/kg"):
        page = client.get("/statements?size=500", headers={"Accept": BROWSER},
                          base_url=f"http://localhost{root}").get_data(as_text=True)
        rows = page[page.index("<tbody>"):page.index("</tbody>")]
        assert f'href="{root}/page/release/' in rows and f'href="{root}/page/statement/' in rows
        hrefs = [h for h in re.findall(r'href="([^"]*)"', page) if h.startswith("/")]
        assert len(hrefs) > 100 and all(h.startswith(f"{root}/") for h in hrefs), root
        if not root:
            assert not any(h.startswith("/kg/") for h in hrefs)


def test_the_layouts_links_follow_the_root_it_is_mounted_at(client):
    """The bar's, the footer's and the search page's fixed links, made once per worker
    (server/site_urls.py), are kept per mount point: under /kg, at the root, under /kg
    again, each page links that root's pages, styles and scripts."""
    for root in ("/kg", "", "/kg"):
        for words in ("japan", "nothing-is-called-this"):  # (the second: browse links)
            page = client.get(f"/search?q={words}", headers={"Accept": BROWSER},
                              base_url=f"http://localhost{root}").get_data(as_text=True)
            assert f'href="{root}/static/site.css?v=' in page
            assert f'action="{root}/search"' in page
            local = [u for u in re.findall(r'(?:href|src|action|data-suggest)="([^"]*)"', page)
                     if u.startswith("/")]
            assert len(local) > 15 and all(u.startswith(f"{root}/") for u in local), root
            if not root:
                assert not any(u.startswith("/kg/") for u in local)


def test_pages_rendered_ahead_show_them_too(stores, tmp_path):
    from server import create_app, page_files

    build = Path(os.path.realpath(stores[1]))
    copy = tmp_path / "build"
    shutil.copytree(build, copy, symlinks=True)
    page_files.render_all(copy, 1)
    kept = create_app({"store": str(copy)}).test_client().get(ODD_THING)
    assert page_files.read(str(copy), ODD_THING.removeprefix("/page/")) is not None
    assert "CI[U+202E]CIV project" in kept.get_data(as_text=True)


# --- 9. dumps against their manifest -------------------------------------------------

@pytest.fixture
def dumps_client(tmp_path):
    from server import create_app

    store = tmp_path / "store"
    pipeline.build(bundled_releases(), store, BASE)
    directory = Path(os.path.realpath(store)) / dumps.DUMPS_DIR
    return create_app({"store": str(store)}).test_client(), directory


def test_a_truncated_dump_is_not_served(dumps_client):
    client, directory = dumps_client
    entry = dumps.read_manifest(directory)[0]
    assert client.get(f"/dumps/{entry.file}").status_code == 200
    path = directory / entry.file
    path.write_bytes(path.read_bytes()[:-10])
    for response in (client.get(f"/dumps/{entry.file}"), client.head(f"/dumps/{entry.file}"),
                     client.get(f"/dumps/{entry.file}", headers={"Range": "bytes=0-9"})):
        assert response.status_code == 503
    text = client.get(f"/dumps/{entry.file}").get_data(as_text=True)
    assert text.startswith(f"the dump {entry.file} is damaged on the server; ")
    assert text.count("\n") == 1


def test_an_altered_dump_of_the_same_size_is_not_served(dumps_client):
    client, directory = dumps_client
    entry = dumps.read_manifest(directory)[1]
    path = directory / entry.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    response = client.get(f"/dumps/{entry.file}")
    assert response.status_code == 503 and "SHA-256" in response.get_data(as_text=True)
    others = [f for f in dumps.read_manifest(directory) if f.file != entry.file]
    assert all(client.get(f"/dumps/{f.file}").status_code == 200 for f in others)


# --- over HTTP, against `policykg serve` ---------------------------------------------

def test_over_http(endpoint):
    site = endpoint.url.removesuffix("/sparql")
    results = requests.get(endpoint.url, params={"query": SELECT, "output": "csv"},
                           headers={"Accept-Encoding": "br, gzip"}, timeout=30)
    assert results.status_code == 200 and results.headers["Content-Type"].startswith("text/csv")
    assert results.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in results.headers["Vary"]
    assert results.headers["X-Content-Type-Options"] == "nosniff"
    bare = requests.get(endpoint.url, headers={"Accept": "application/json"}, timeout=30)
    assert bare.status_code == 406
    odd = requests.get(f"{site}/page/actor/a%20b%3C%00", timeout=30)
    assert odd.status_code == 404
    page = requests.get(f"{site}/page/actor/japan", timeout=30)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    again = requests.get(f"{site}/page/actor/japan", timeout=30,
                         headers={"If-None-Match": "W/" + page.headers["ETag"]})
    assert again.status_code == 304
    options = requests.options(endpoint.url, timeout=30)
    assert options.status_code == 204 and "Content-Type" not in options.headers


def test_versioned_static_files_are_compressed_once(endpoint):
    """The response cache keeps a versioned static file's compressed answer, so the
    editor's 1 MB script is not compressed again on every request."""
    site = endpoint.url.removesuffix("/sparql")
    home = requests.get(f"{site}/", timeout=30).text
    url = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', home).group(1)
    answers = [requests.get(site + url, headers={"Accept-Encoding": "br"}, timeout=30)
               for _ in range(3)]  # two workers: the third meets a worker's second
    assert all(a.headers["Content-Encoding"] == "br" for a in answers)
    assert any(a.headers.get("X-Policykg-Cache") == "hit" for a in answers[1:])
    assert len({a.content for a in answers}) == 1
