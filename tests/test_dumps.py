"""The build's dumps: every format, decompressed, parses with rdflib and with pyoxigraph and
gives the store's dataset back; checksums, sizes and counts listed are the files' own; the
gzip bytes are deterministic; a fresh user loading the N-Quads dump gets the endpoint's
answers.

What the dumps cannot hold: the size, SHA-256 and statement count of each dump file are
added to the metadata graph after the files are written (a file cannot contain its own
checksum), so the round trip compares each dump with the store minus those quads
(`graph.void.is_file_fact`); everything else of the metadata graph — licence, attribution,
VoID counts — is in every dump.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import threading

import pytest
import rdflib
from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Quad,
    RdfFormat,
    Store,
    parse,
    serialize,
)

from graph import dump_members, dumps
from graph.iris import Iris
from graph.query import run
from graph.void import SPDX, is_file_fact

from .conftest import BASE, ROOT

RDFLIB_FORMATS = {"nq": "nquads", "trig": "trig", "ttl": "turtle", "nt": "nt",
                  "jsonld": "json-ld", "rdfxml": "xml"}
IRIS = Iris(BASE)


@pytest.fixture(scope="module")
def built(all_store):
    built, store = all_store
    return built.result.directory / dumps.DUMPS_DIR, store


def expected(store: Store, fmt: dumps.DumpFormat) -> Dataset:
    """What a dump should hold: the store as it was when the dumps were written."""
    quads = [q for q in store if not is_file_fact(q, IRIS)]
    if not fmt.dataset:
        quads = [Quad(q.subject, q.predicate, q.object) for q in quads]  # merged graph
    return canonical(quads)


def canonical(quads) -> Dataset:
    dataset = Dataset(quads)
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


def unzipped(directory, fmt: dumps.DumpFormat) -> bytes:
    return gzip.decompress((directory / fmt.file_name).read_bytes())


def test_a_build_writes_every_dump_and_a_manifest(built):
    directory, _ = built
    listed = dumps.read_manifest(directory)
    assert [f.format for f in listed] == [f.key for f in dumps.FORMATS]
    for f in listed:
        assert (directory / f.file).stat().st_size == f.bytes
        assert f.license == dumps.LICENSE
        assert f.version and f.statements > 5000


@pytest.mark.parametrize("fmt", dumps.FORMATS, ids=lambda f: f.key)
def test_each_dump_round_trips_with_pyoxigraph(built, fmt):
    directory, store = built
    quads = list(parse(unzipped(directory, fmt), fmt.writer, base_iri=BASE))
    assert canonical(quads) == expected(store, fmt)


@pytest.mark.parametrize("fmt", dumps.FORMATS, ids=lambda f: f.key)
def test_each_dump_round_trips_with_rdflib(built, fmt, monkeypatch):
    directory, store = built
    # rdflib rewrites literals to its canonical form by default ("…Z" dateTimes become
    # "…+00:00", the same value); off, so the comparison is of the exact lexical forms
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    data = rdflib.Dataset()
    data.parse(data=unzipped(directory, fmt), format=RDFLIB_FORMATS[fmt.key],
               publicID=BASE)
    # back through N-Quads to compare in one canonical form; rdflib's default graph is
    # the merged graph of the formats without named graphs
    back = list(parse(data.serialize(format="nquads", encoding="utf-8"), RdfFormat.N_QUADS))
    if not fmt.dataset:
        back = [Quad(q.subject, q.predicate, q.object) for q in back]
    assert canonical(back) == expected(store, fmt)


def test_listed_checksums_are_the_files_sha256(built):
    directory, store = built
    in_graph = {}
    dcat = "http://www.w3.org/ns/dcat#"
    for row in store.query(f"""SELECT ?url ?size ?sum WHERE {{ GRAPH ?g {{
        ?d <{dcat}downloadURL> ?url ; <{dcat}byteSize> ?size ;
           <{SPDX}checksum> ?c . ?c <{SPDX}checksumValue> ?sum ;
           <{SPDX}algorithm> <{SPDX}checksumAlgorithm_sha256> }} }}"""):
        in_graph[row["url"].value] = (int(row["size"].value), row["sum"].value)
    assert len(in_graph) == len(dumps.FORMATS)
    for f in dumps.read_manifest(directory):
        body = (directory / f.file).read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        assert f.sha256 == digest and f.bytes == len(body)
        assert in_graph[f"{BASE}dumps/{f.file}"] == (len(body), digest)


def test_statement_counts_are_those_of_the_files(built):
    directory, _ = built
    for f in dumps.read_manifest(directory):
        fmt = dumps.BY_KEY[f.format]
        quads = list(parse(unzipped(directory, fmt), fmt.writer, base_iri=BASE))
        assert f.statements == len(quads) == len(Dataset(quads))  # each statement once


@pytest.mark.parametrize("fmt", dumps.WHILE_LOADING, ids=lambda f: f.key)
def test_the_dataset_dumps_hold_one_graph_after_another(built, fmt):
    """A reader meets each graph's quads together, the graphs by name, the metadata last,
    and each graph's quads sorted by their N-Quads line."""
    directory, _ = built
    quads = list(parse(unzipped(directory, fmt), fmt.writer))
    graphs = [q.graph_name.value for q in quads]
    runs = [g for i, g in enumerate(graphs) if i == 0 or graphs[i - 1] != g]
    assert len(runs) == len(set(runs)) > 3
    assert runs == [*sorted(runs[:-1]), IRIS.graph("metadata").value]
    for graph in runs:
        lines = [f"{q} .\n" for q in quads if q.graph_name.value == graph]
        assert lines == sorted(lines), graph


def test_gzip_is_deterministic(built, tmp_path):
    _, store = built
    one = dump_members.write_dumps(store, tmp_path / "one", "v")
    two = dump_members.write_dumps(store, tmp_path / "two", "v")
    assert [f.sha256 for f in one] == [f.sha256 for f in two]
    header = (tmp_path / "one" / one[0].file).read_bytes()[:10]
    assert header[3] & 0x08 == 0  # no file name
    assert header[4:8] == b"\0\0\0\0"  # mtime 0


def without_file_facts(store: Store) -> Store:
    """A copy of the store as it was when its dumps were written (an engine's copy of a
    published version, once the front-end has set the files' facts aside)."""
    copy = Store()
    copy.bulk_extend(q for q in store if not is_file_fact(q, IRIS))
    return copy


def test_the_dumps_of_a_store_are_the_builds_bytes(built, tmp_path):
    """What a front-end makes from the graphs of a published version (server/engine_files.py)
    is the file the build wrote, byte for byte: the checksums the metadata graph records
    hold for it. Blank nodes (the ontology's) get other labels in the copy, as an engine
    gives them: the dumps label them by RDFC-1.0 again."""
    directory, store = built
    relabelled = Store()
    relabelled.bulk_load(serialize(without_file_facts(store), format=RdfFormat.N_QUADS),
                         format=RdfFormat.N_QUADS)  # Oxigraph's loader: new blank nodes
    ontology = IRIS.graph("ontology")
    blank = [q for q in relabelled.quads_for_pattern(None, None, None, ontology)
             if isinstance(q.subject, BlankNode)]
    assert blank and not set(str(q) for q in blank) & set(str(q) for q in store)
    again = dump_members.write_dumps(with_canonical_labels(relabelled), tmp_path, "v")
    assert [(f.file, f.sha256, f.bytes, f.statements) for f in again] == \
        [(f.file, f.sha256, f.bytes, f.statements) for f in dumps.read_manifest(directory)]


def with_canonical_labels(store: Store) -> Store:
    """The store as a front-end loads an engine's graphs (server/engine_files.py)."""
    out = Store()
    for graph in store.named_graphs():
        out.bulk_extend(dumps.with_canonical_blank_nodes(
            list(store.quads_for_pattern(None, None, None, graph))))
    return out


def test_a_graph_loaded_in_pieces_is_in_the_dumps_as_a_graph_of_one(tmp_path, monkeypatch):
    """A release's graph too large to serialize at once comes in pieces, each sorted on its
    own; its members are then made from the store (sorted in runs merged from disk): the
    same bytes as when it comes whole."""
    from graph import convert, pipeline
    from graph.source import bundled_releases

    whole = pipeline.build(bundled_releases(), tmp_path / "whole" / "store", BASE).result
    monkeypatch.setattr(convert, "SERIALIZED_AT_ONCE", 40)
    monkeypatch.setattr(dump_members, "RUN", 70)
    pieces = pipeline.build(bundled_releases(), tmp_path / "pieces" / "store", BASE).result
    assert whole.version.split("-", 3)[3] == pieces.version.split("-", 3)[3]  # content hash
    ours, theirs = (members_of(b.directory) for b in (pieces, whole))
    assert len(ours) == len(theirs) == 3 * len(dumps.FORMATS)  # lexicon, ontology, release
    assert ours == theirs


def members_of(build) -> list[bytes]:
    """The members of each dump of a build but the metadata graph's (it tells when the
    build ran): what the graphs put in the files."""
    directory = build / dumps.DUMPS_DIR / dump_members.MEMBERS_DIR
    index = dump_members.read_index(directory)["dumps"]
    return [(directory / key / f"{member}.gz").read_bytes()
            for key, members in sorted(index.items()) for member in members[:-1]]


def test_a_failed_dump_leaves_the_old_store(tmp_path, monkeypatch):
    from graph import pipeline
    from graph.source import bundled_releases

    path = tmp_path / "store"
    first = pipeline.build(bundled_releases(), path, BASE).result

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    def in_a_thread(self, data):  # a graph's members compressed as it loads
        if threading.current_thread() is not threading.main_thread():
            threaded.append(data)
            broken()
        return original(self, data)

    original, threaded = gzip.GzipFile.write, []
    # the merged graph's members made at commit; the dumps concatenated from the members;
    # the dataset dumps' members written while loading, by a thread
    for where, what, how in ((dump_members, "make_all_merged", broken),
                             (dumps.HashingWriter, "write", broken),
                             (gzip.GzipFile, "write", in_a_thread)):
        with monkeypatch.context() as patch:
            patch.setattr(where, what, how)
            with pytest.raises(OSError, match="disk full"):
                pipeline.build(bundled_releases(), path, BASE)
        assert path.resolve() == first.directory
        assert [d for d in path.with_name("store.builds").iterdir() if d.is_dir()] \
            == [first.directory]
    assert threaded


def agenda(store: Store) -> list[tuple]:
    sparql = (ROOT / "queries" / "03-agenda.rq").read_text(encoding="utf-8")
    return [tuple(row[v.value].value for v in result.variables)
            for result in [run(store, sparql, BASE)] for row in result]


def test_a_fresh_pyoxigraph_user_gets_the_endpoints_answer(built, endpoint):
    import requests

    directory, _ = built
    fresh = Store()
    with gzip.open(directory / dumps.BY_KEY["nq"].file_name) as stream:
        fresh.load(stream, RdfFormat.N_QUADS)
    mine = agenda(fresh)
    sparql = (ROOT / "queries" / "03-agenda.rq").read_text(encoding="utf-8")
    answer = requests.post(endpoint.url, data={"query": sparql},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200
    body = answer.json()
    names = body["head"]["vars"]
    served = [tuple(b[n]["value"] for n in names) for b in body["results"]["bindings"]]
    assert mine == served and len(mine) >= 5


def test_a_fresh_rdflib_user_gets_the_same_answer(built):
    directory, store = built
    data = rdflib.Dataset(default_union=True)
    with gzip.open(directory / dumps.BY_KEY["nq"].file_name) as stream:
        data.parse(io.BytesIO(stream.read()), format="nquads")
    sparql = (ROOT / "queries" / "03-agenda.rq").read_text(encoding="utf-8")
    rows = [tuple(str(v) for v in row) for row in data.query(sparql, base=BASE)]
    assert sorted(rows) == sorted(agenda(store)) and rows


def test_policykg_dump_still_writes_any_format(all_store, tmp_path):
    _, store = all_store
    out = io.BytesIO()
    written = dumps.write_rdf(store, out, dumps.BY_KEY["ttl"])
    triples = list(parse(out.getvalue(), RdfFormat.TURTLE))
    assert len(triples) == len(Dataset(triples)) == written  # each triple once
    union = {(q.subject, q.predicate, q.object) for q in store}
    assert written == len(union)


# --- over HTTP: the Flask app in process, and the running `policykg serve` -------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(all_store):
    from server import create_app

    built, _ = all_store
    return create_app({"store": str(built.result.path)}).test_client()


def test_listing_html_and_dcat_in_process(client, built):
    directory, _ = built
    page = client.get("/dumps/", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    text = page.get_data(as_text=True)
    for f in dumps.read_manifest(directory):
        assert f.sha256 in text and f'href="/dumps/{f.file}"' in text and str(f.bytes) in text
    assert "CC BY 4.0" in text and "Ministry of Internal Affairs" in text
    assert "not a publication of" in text
    dcat = client.get("/dumps/", headers={"Accept": "text/turtle"})
    assert dcat.status_code == 200 and dcat.content_type.startswith("text/turtle")
    graph = rdflib.Graph().parse(data=dcat.get_data(as_text=True), format="turtle")
    urls = {str(o) for o in graph.objects(None, rdflib.URIRef(
        "http://www.w3.org/ns/dcat#downloadURL"))}
    assert urls == {f"{BASE}dumps/{f.file_name}" for f in dumps.FORMATS}


def test_download_range_head_and_etag_in_process(client, built):
    directory, _ = built
    f = dumps.read_manifest(directory)[0]
    body = (directory / f.file).read_bytes()
    whole = client.get(f"/dumps/{f.file}")
    assert whole.status_code == 200 and whole.data == body
    assert whole.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in whole.headers
    assert whole.headers["Content-Length"] == str(len(body))
    assert whole.headers["ETag"] == f'"{f.sha256}"'
    part = client.get(f"/dumps/{f.file}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    head = client.head(f"/dumps/{f.file}")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(body))
    again = client.get(f"/dumps/{f.file}", headers={"If-None-Match": f'"{f.sha256}"'})
    assert again.status_code == 304
    assert client.get("/dumps/manifest.json").status_code == 404
    assert client.get("/dumps/..%2Fstore").status_code == 404


def test_well_known_void_in_process(client):
    for accept, fmt in [(None, "turtle"), ("application/n-triples", "nt"),
                        ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
        r = client.get("/.well-known/void", headers={"Accept": accept} if accept else {})
        assert r.status_code == 200, accept
        graph = rdflib.Graph().parse(data=r.data, format=fmt)
        assert (rdflib.URIRef(f"{BASE}dataset"), rdflib.URIRef("http://rdfs.org/ns/void#triples"),
                None) in graph
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def _root(endpoint) -> str:
    return endpoint.url.rsplit("/sparql", 1)[0]


def test_listing_and_void_from_the_server(endpoint):
    import requests

    root = _root(endpoint)
    page = requests.get(f"{root}/dumps/", headers={"Accept": BROWSER}, timeout=30)
    assert page.status_code == 200 and "policykg.nq.gz" in page.text
    dcat = requests.get(f"{root}/dumps/", headers={"Accept": "text/turtle"}, timeout=30)
    assert dcat.status_code == 200
    rdflib.Graph().parse(data=dcat.text, format="turtle")
    void = requests.get(f"{root}/.well-known/void", timeout=30)
    assert void.status_code == 200 and void.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=void.text, format="turtle")
    assert len(list(graph.objects(rdflib.URIRef(f"{BASE}dataset"),
                                  rdflib.URIRef("http://rdfs.org/ns/void#dataDump")))) == 6


def test_download_from_the_server(endpoint):
    import requests

    directory = endpoint.store.resolve() / dumps.DUMPS_DIR
    f = {m.format: m for m in dumps.read_manifest(directory)}["nq"]
    body = (directory / f.file).read_bytes()
    url = f"{_root(endpoint)}/dumps/{f.file}"
    whole = requests.get(url, timeout=30)
    assert whole.status_code == 200 and whole.content == body  # requests must not gunzip
    assert hashlib.sha256(whole.content).hexdigest() == f.sha256
    assert "Content-Encoding" not in whole.headers
    part = requests.get(url, headers={"Range": "bytes=0-9"}, timeout=30)
    assert part.status_code == 206 and part.content == body[:10]
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(body))
    assert head.headers["ETag"] == f'"{f.sha256}"'


def test_a_build_without_dumps_advertises_none(tmp_path):
    """`policykg build --no-dumps`: no files, and the metadata promises none."""
    from graph import pipeline
    from graph.source import bundled_releases
    from server import create_app

    from .conftest import BASE

    built = pipeline.build(bundled_releases(), tmp_path / "store", BASE, dumps=False)
    assert not (built.result.directory / "dumps").exists()
    client = create_app({"store": tmp_path / "store"}).test_client()
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert void.status_code == 200
    assert b"dataDump" not in void.data and b"distribution" not in void.data
    listing = client.get("/dumps/", headers={"Accept": "text/html"})
    assert listing.status_code == 200


def test_dumps_written_by_processes_are_the_same_bytes(built, tmp_path):
    """Big builds write their dumps side by side in fresh processes; each file is the one
    this process writes."""
    _, store = built
    alone = dump_members.write_dumps(store, tmp_path / "alone", "v")
    together = dump_members.write_dumps(store, tmp_path / "together", "v", processes=2)
    assert [(f.file, f.sha256, f.statements) for f in together] == \
        [(f.file, f.sha256, f.statements) for f in alone]


def test_the_shared_triples_of_a_graph_added_later_complete_the_search():
    """The build searches the data graphs for triples held by several graphs, then adds
    the metadata graph and searches only its subjects: the same as one search of all."""
    from pyoxigraph import NamedNode

    def q(s, o, g):
        return Quad(NamedNode(f"{BASE}id/{s}"), NamedNode(f"{BASE}p"),
                    NamedNode(f"{BASE}id/{o}"), NamedNode(f"{BASE}graph/{g}"))

    store = Store()
    store.extend([q("a", "b", "one"), q("a", "b", "two"), q("c", "d", "one"),
                  q("e", "f", "two")])
    data = dumps.shared_triples(store)
    store.extend([q("c", "d", "metadata"), q("a", "b", "metadata"), q("g", "h", "metadata")])
    later = data | dumps.shared_triples(store, within=NamedNode(f"{BASE}graph/metadata"))
    assert later == dumps.shared_triples(store)
    assert {t.subject.value[-1]: len(g) for t, g in later.items()} == {"a": 3, "c": 2}
