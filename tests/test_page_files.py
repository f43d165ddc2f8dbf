"""Entity pages rendered ahead of time (`policykg pages`, server/page_files.py): a reader
gets the very page a render would give, from the files while they are this code's, and a
rendered page again wherever a file cannot answer."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from pyoxigraph import Store

from graph import pipeline, search_index
from graph.source import bundled_releases
from ontology import PK
from server import create_app, page_files
from server.dataset import Dataset
from server.search import labelled
from tests.conftest import BASE, fixture_releases, serving

RENDERED = re.compile(r"rendered (\d+) pages into (\S+) in [\d.]+ s")
SPAN_KINDS = ("evidence", "mention", "fact")


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    """A store of the bundled and fixture releases, its pages rendered by the command."""
    home = tmp_path_factory.mktemp("paged")
    store = home / "store"
    pipeline.build(bundled_releases() + fixture_releases(), store, BASE, dumps=False)
    return home, store


def _pages(cli, store: Path) -> tuple[int, Path]:
    done = cli("pages", "--store", str(store))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    found = RENDERED.fullmatch(lines[0])
    assert found, lines[0]
    return int(found.group(1)), Path(found.group(2))


def _typed_things(store: Path) -> set[str]:
    """Every typed IRI of ours but the text spans' (read here, not by the module)."""
    opened = Store.read_only(str(store))
    rows = opened.query("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?k } }")
    return {row["s"].value[len(BASE) + 3:] for row in rows
            if row["s"].value.startswith(f"{BASE}id/")
            and not row["s"].value[len(BASE) + 3:].startswith(SPAN_KINDS)}


def test_pages_renders_every_thing_into_the_build(cli, paged):
    _, store = paged
    count, directory = _pages(cli, store)
    things = _typed_things(store)
    assert count == len(things) > 100
    assert directory == store.resolve() / "pages"
    assert json.loads((directory / "manifest.json").read_text())["pages"] == count
    assert all(page_files.file_of(directory, rest).is_file() for rest in things)
    assert len(list(directory.glob("*/*.html.gz"))) == count


def test_a_rendered_page_is_the_page_a_render_gives(cli, paged):
    """Byte for byte and header for header, for every page (an app that reads the files
    beside one told not to)."""
    _, store = paged
    _pages(cli, store)
    with_files = create_app({"store": store}).test_client()
    rendering = create_app({"store": store, "page_files": False}).test_client()
    things = sorted(_typed_things(store))
    for rest in things:
        kept, fresh = with_files.get(f"/page/{rest}"), rendering.get(f"/page/{rest}")
        assert kept.status_code == fresh.status_code == 200, rest
        assert kept.get_data() == fresh.get_data(), rest
        assert sorted(kept.headers.items()) == sorted(fresh.headers.items()), rest


def _replace_page(store: Path, rest: str, html: str) -> None:
    path = page_files.file_of(store.resolve() / "pages", rest)
    assert path.is_file(), rest
    path.write_bytes(gzip.compress(html.encode()))


def test_the_server_answers_from_the_files_when_they_are_its_own(cli, paged):
    """A page file is what the server sends (a marker written into one comes back), for
    that page and no other request: other pages of statements and links are rendered."""
    home, store = paged
    _pages(cli, store)
    _replace_page(store, "actor/japan", "<p>kept page of Japan</p>")
    (home / "served").mkdir(exist_ok=True)
    with serving(store, home / "served") as served:
        root = served.url.removesuffix("/sparql")
        kept = requests.get(f"{root}/page/actor/japan", timeout=10)
        assert kept.status_code == 200 and kept.text == "<p>kept page of Japan</p>"
        assert "no pages rendered ahead" not in served.log.read_text()
        assert kept.headers["Content-Type"] == "text/html; charset=utf-8"
        assert kept.headers["ETag"] and 'rel="alternate"' in kept.headers["Link"]
        assert "/data/actor/japan.ttl" in kept.headers["Link"]
        tagged = requests.get(f"{root}/page/actor/japan?from=search", timeout=10)
        assert tagged.text == kept.text  # a parameter the page ignores
        for asked in ("said=1", f"rel={quote(PK + 'statedBy', safe='')}"):
            rendered = requests.get(f"{root}/page/actor/japan?{asked}", timeout=10)
            assert rendered.status_code == 200, asked
            assert "kept page" not in rendered.text and "Japan" in rendered.text, asked
        again = requests.get(f"{root}/page/actor/japan", timeout=10,
                             headers={"If-None-Match": kept.headers["ETag"]})
        assert again.status_code == 304


def test_the_search_reads_its_index_from_the_pages(cli, paged):
    """Of a build without a full-text index (an older policykg's; server/search.py), the
    labels the search box looks through are read from the pages' directory (a label
    written only there is found), and are the labels the store gives."""
    home, store = paged
    _pages(cli, store)
    shutil.rmtree(store.resolve() / search_index.INDEX)
    kept = store.resolve() / "pages" / "search.json.gz"
    entries = json.loads(gzip.decompress(kept.read_bytes()))
    assert [list(e) for e in labelled(Dataset(store).current())] == entries
    entries.append(["Zanzibar Marker", f"{BASE}id/actor/japan", True])
    kept.write_bytes(gzip.compress(json.dumps(entries).encode()))
    (home / "search").mkdir(exist_ok=True)
    with serving(store, home / "search") as served:
        found = requests.get(served.url.removesuffix("/sparql") + "/search.json",
                             params={"q": "zanzibar"}, timeout=10).json()["results"]
        assert [(r["iri"], r["matched"]) for r in found] == \
            [(f"{BASE}id/actor/japan", "Zanzibar Marker")]


def test_pages_of_other_code_are_not_served(cli, paged):
    """A manifest naming another renderer (templates or page code changed since): every
    page is rendered again on request."""
    home, store = paged
    _pages(cli, store)
    _replace_page(store, "actor/japan", "<p>kept page of Japan</p>")
    manifest = store.resolve() / "pages" / "manifest.json"
    manifest.write_text(json.dumps({"renderer": "0123456789abcdef", "pages": 1}))
    (home / "other").mkdir(exist_ok=True)
    with serving(store, home / "other") as served:
        page = requests.get(served.url.removesuffix("/sparql") + "/page/actor/japan",
                            timeout=10)
        assert page.status_code == 200
        assert "kept page" not in page.text and "<h1" in page.text
        assert "has no pages rendered ahead" in served.log.read_text()  # says so at start


def test_a_rebuild_starts_without_pages(cli, tmp_path):
    store = tmp_path / "store"
    pipeline.build(bundled_releases(), store, BASE, dumps=False)
    _pages(cli, store)
    pipeline.build(bundled_releases(), store, BASE, dumps=False)
    assert not (store.resolve() / "pages").exists()


def test_pages_without_a_store_is_one_line(cli, tmp_path):
    done = cli("pages", "--store", str(tmp_path / "nowhere"))
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("policykg pages: ") and "nowhere" in done.stderr


def test_serve_on_a_fresh_machine_builds_and_renders_the_pages(tmp_path):
    store = tmp_path / "store"
    with serving(store, tmp_path) as served:
        log = served.log.read_text()
        assert re.search(r"rendered \d+ pages into ", log), log
        assert (store.resolve() / "pages" / "manifest.json").is_file()
        page = requests.get(served.url.removesuffix("/sparql") + "/page/actor/japan",
                            timeout=10)
        assert page.status_code == 200 and "Japan" in page.text
