"""What `policykg serve --engine` keeps beside the engine (server/engine_files.py): the
published version's dumps, full-text index and statements table, made from the engine's
graphs under the data home. The dumps are checked as a client meets them, over HTTP in
both modes, against the store that was published."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import time

import requests
from pyoxigraph import BlankNode, Quad, RdfFormat, parse

from graph.iris import Iris
from graph.publish import store_version
from graph.search_index import INDEX, readable
from graph.store import open_store
from graph.void import is_file_fact
from tests.conftest import BASE, policykg_command, serving
from tests.engines import endpoint_in_every_mode, oxigraph_serve

endpoint = endpoint_in_every_mode()  # the same tests from the store and from an engine


def _root(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


def _named(quads) -> set[Quad]:
    """The quads without blank nodes (their labels are the writer's own)."""
    return {q for q in quads if not isinstance(q.subject, BlankNode)
            and not isinstance(q.object, BlankNode)}


def test_the_listed_dumps_download_with_their_digests(endpoint):
    root = _root(endpoint)
    listed = requests.get(f"{root}/dumps/", headers={"Accept": "text/html"}, timeout=30)
    assert listed.status_code == 200
    for name in ("policykg.nq.gz", "policykg.ttl.gz", "policykg.jsonld.gz"):
        assert name in listed.text
        got = requests.get(f"{root}/dumps/{name}", timeout=60)
        assert got.status_code == 200 and gzip.decompress(got.content)
        assert got.headers["ETag"] == f'"{hashlib.sha256(got.content).hexdigest()}"'


# what the metadata graph says of each dump file: where it is, its size and SHA-256
RECORDED_FILES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
SELECT ?url ?size ?sha256 WHERE {
  ?distribution dcat:downloadURL ?url ; dcat:byteSize ?size ;
                spdx:checksum/spdx:checksumValue ?sha256 }"""


def test_every_dump_is_the_file_its_metadata_describes(endpoint):
    """The size and SHA-256 the metadata graph records for each dump (asked of the
    endpoint, as a client checking a download would) are those of the file it serves: in
    front of an engine too, where the front-end makes the files from the engine's graphs
    (the same bytes as the build's: graph/dumps.py)."""
    root = _root(endpoint)
    answer = requests.get(endpoint.url, params={"query": RECORDED_FILES}, timeout=60,
                          headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["results"]["bindings"]
    assert len(rows) == 6
    for row in rows:
        name = row["url"]["value"].rsplit("/", 1)[1]
        got = requests.get(f"{root}/dumps/{name}", timeout=60)
        assert got.status_code == 200, name
        assert (len(got.content), hashlib.sha256(got.content).hexdigest()) == \
            (int(row["size"]["value"]), row["sha256"]["value"].lower()), name


def test_the_n_quads_dump_holds_the_published_store(endpoint):
    """Every quad of the store, but the dumps' own sizes and digests the build added after
    writing them, and nothing else; blank nodes counted."""
    got = requests.get(f"{_root(endpoint)}/dumps/policykg.nq.gz", timeout=60)
    dumped = list(parse(gzip.decompress(got.content), format=RdfFormat.N_QUADS))
    iris = Iris(BASE)
    stored = [q for q in open_store(endpoint.store).quads_for_pattern(None, None, None)
              if not is_file_fact(q, iris)]
    assert len(dumped) == len(stored)
    assert _named(dumped) == _named(stored)


def test_the_files_are_made_once_under_the_data_home(endpoint):
    """One directory per published version, named by it and complete; none when the
    store is served (its files are the build's)."""
    made = [p for p in (endpoint.log.parent / "data" / "policykg" / "engines").glob("*/*")
            if p.is_dir()]
    if not endpoint.log.parent.name.startswith("served-from-"):  # tests/engines.py
        assert made == []
        return
    assert len(made) == 1 and (made[0] / ".complete").read_text() == made[0].name
    version = requests.get(f"{_root(endpoint)}/readyz", timeout=30).json()["version"]
    assert made[0].name.startswith(f"{version}.")  # and the reading code's digest
    for name in ("dumps/manifest.json", "pages/statements.json.gz"):
        assert (made[0] / name).is_file()
    assert readable(made[0] / INDEX)


def test_a_version_published_while_serving_gets_its_files(bundled_store, all_store,
                                                          tmp_path):
    """The next version is answered at once; its files follow, made by a thread, and the
    older version's files are removed: the search finds statements by their text again,
    the dumps are the new version's."""
    (tmp_path / "engine").mkdir()
    with oxigraph_serve(tmp_path / "engine") as running:
        _publish(bundled_store[0].result.path, running.url)
        with serving(bundled_store[0].result.path, tmp_path,
                     environment={"POLICYKG_ENGINE": running.url}) as served:
            _publish(all_store[0].result.path, running.url)
            root, version = _root(served), store_version(all_store[1])
            files = tmp_path / "data" / "policykg" / "engines"
            deadline = time.monotonic() + 120
            while True:
                made = [p.name for p in files.glob("*/*") if (p / ".complete").exists()]
                listed = requests.get(f"{root}/dumps/", timeout=30)
                found = requests.get(f"{root}/search.json", params={"q": "vendor lock-in"},
                                     timeout=30)
                if [name.split(".")[0] for name in made] == [version] \
                        and listed.headers["X-Policykg-Version"] == version \
                        and "policykg.nq.gz" in listed.text and found.json()["fulltext"]:
                    break
                assert time.monotonic() < deadline, (made, listed.headers, found.text[:200])
                time.sleep(0.5)
            dumped = requests.get(f"{root}/dumps/policykg.nq.gz", timeout=60)
            quads = parse(gzip.decompress(dumped.content), format=RdfFormat.N_QUADS)
            assert sum(1 for _ in quads) == sum(
                1 for q in all_store[1].quads_for_pattern(None, None, None)
                if not is_file_fact(q, Iris(BASE)))


def _publish(store, url: str) -> None:
    done = subprocess.run([*policykg_command(), "publish", "--store", str(store), "--to",
                           url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
