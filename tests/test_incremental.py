"""`policykg add`, `remove`, `list` (#15): a store changed release by release is the store a
whole build of the same releases, in the same order, makes.

Compared as canonical N-Quads of every graph (no blank nodes but the ontology's, which have
stable labels, so equal text is isomorphic graphs), less the metadata graph's triples that
say when a build ran (VOLATILE). The content hash (dcterms:identifier) is compared: it is
made of every graph's digest, kept or added.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys

import pytest
from pyoxigraph import RdfFormat, parse

from graph import incremental, pipeline
from graph.dump_members import MEMBERS_DIR, read_index
from graph.dumps import DUMPS_DIR, FORMATS, SOURCE
from graph.errors import InputError, StoreError
from graph.search_index import INDEX, held, held_names
from graph.source import bundled_releases, releases_in
from graph.store import open_store
from server.fulltext import Index

from .conftest import BASE, ROOT, policykg_command
from .test_build_hardening import children, directories, one_line, wait_for
from .test_determinism import canonical_nquads

GENRE = releases_in(ROOT / "tests" / "fixtures" / "genre")
POSTS = releases_in(ROOT / "tests" / "fixtures" / "posts")
DCTERMS, DCAT, SPDX = ("http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#",
                       "http://spdx.org/rdf/terms#")
# What differs between two builds of the same releases: when each ran (the dataset's
# dcterms:modified and dcterms:issued; dcat:version, the build's date and content hash),
# and what the dumps' bytes are (they carry those), their size and checksum.
VOLATILE = frozenset({DCTERMS + "modified", DCTERMS + "issued", DCAT + "version",
                      DCAT + "byteSize", SPDX + "checksumValue"})


def comparable(quads) -> bytes:
    return canonical_nquads(q for q in quads if not (
        q.graph_name.value == BASE + "graph/metadata" and q.predicate.value in VOLATILE))


def store_nquads(path) -> bytes:
    return comparable(open_store(path))


def dump_nquads(path) -> bytes:
    """The store's N-Quads dump, as it was written for the build the store holds."""
    with gzip.open(path.resolve() / DUMPS_DIR / SOURCE.file_name) as dump:
        return comparable(parse(dump, format=RdfFormat.N_QUADS))


def built(releases, path) -> bytes:
    pipeline.build(releases, path, BASE)
    return store_nquads(path)


def test_add_then_remove_equals_whole_builds(tmp_path):
    """The bundled release and three genre fixtures, then one more added: the store and its
    dump are a build of all five; removed again, a build of the four."""
    more = next(g for g in GENRE if g.name == "de-digital-policy-dialogue-2023.txt")
    first = bundled_releases() + [g for g in GENRE if g != more][:3]
    store = tmp_path / "store"
    pipeline.build(first, store, BASE)
    before = store.resolve()
    change = incremental.add([more], store)
    assert [e.file for e in change.added] == [more.name]
    assert change.previous == before and store.resolve() != before
    whole = built([*first, more], tmp_path / "whole")
    assert store_nquads(store) == whole
    assert dump_nquads(store) == dump_nquads(tmp_path / "whole")
    assert b"/graph/release/2023-11-16-results-of-the-7th-japan-germany" in whole

    change = incremental.remove(more.name, store)
    assert [e.file for e in change.removed] == [more.name] and not change.relabelled
    assert store_nquads(store) == built(first, tmp_path / "first")
    assert dump_nquads(store) == dump_nquads(tmp_path / "first")


def members(path):
    """The members directory of the build the store holds, and each dump's members."""
    directory = path.resolve() / DUMPS_DIR / MEMBERS_DIR
    return directory, read_index(directory)["dumps"]


@pytest.mark.parametrize("named", ["last", "first"])
def test_an_add_links_the_kept_graphs_dump_members(tmp_path, named):
    """Each dump of an add is the members of a whole build of the same releases, the same
    bytes but the metadata graph's (last; it says when it was built); the kept graphs'
    members are the previous build's files (linked, not written again). A release named
    after the others (this week's) changes none of theirs; one named before them takes
    the triples it shares with them in the merged graph (the dumps' order is by name:
    generated releases share entities), so only their merged-graph members that lost
    triples are made again. Every dump reads back to what the whole build's does."""
    generated = tmp_path / "generated"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(generated), "-n", "4"], check=True, capture_output=True)
    files = releases_in(generated)
    first, more = (files[:-1], files[-1]) if named == "last" else (files[1:], files[0])
    store = tmp_path / "store"
    pipeline.build(first, store, BASE)
    before, before_dumps = members(store)
    incremental.add([more], store)
    whole = tmp_path / "whole"
    pipeline.build([*first, more], whole, BASE)
    (added, add_dumps), (built_dir, built_dumps) = members(store), members(whole)
    remade = set()
    for fmt in FORMATS:
        keys = add_dumps[fmt.key]
        assert keys[:-1] == built_dumps[fmt.key][:-1] and len(keys) == 3 + len(first) + 1
        for key in keys[:-1]:
            name = f"{fmt.key}/{key}.gz"
            assert (added / name).read_bytes() == (built_dir / name).read_bytes()
        kept = set(keys[:-1]) & set(before_dumps[fmt.key])
        assert all((added / fmt.key / f"{key}.gz").stat().st_ino ==
                   (before / fmt.key / f"{key}.gz").stat().st_ino for key in kept)
        remade |= {(fmt.key, n) for n, key in enumerate(keys[:-1]) if key not in kept}
        with gzip.open(store.resolve() / DUMPS_DIR / fmt.file_name) as dump, \
                gzip.open(whole.resolve() / DUMPS_DIR / fmt.file_name) as other:
            assert merged(parse(dump, format=fmt.writer, base_iri=BASE)) == \
                merged(parse(other, format=fmt.writer, base_iri=BASE))
    position = 3 + len(first) - 1 if named == "last" else 2  # lexicon, ontology, releases
    assert {n for _, n in remade} == {position} if named == "last" else \
        {n for key, n in remade if key in ("nq", "trig")} == {position} < \
        {n for _, n in remade}


def merged(quads) -> bytes:
    """`comparable` for a dump of any format: in a merged graph's, the dataset's
    description has no graph, so the triples that say when it was built go by subject."""
    return canonical_nquads(q for q in quads if not (
        q.subject.value.startswith(BASE + "dataset") and q.predicate.value in VOLATILE))


def test_an_add_to_a_store_built_without_dumps_writes_them_whole(tmp_path):
    """No members to link: the kept graphs' are made from the store (their quads in the
    store's order), and the dumps hold what a whole build's hold."""
    store = tmp_path / "store"
    pipeline.build(GENRE[:2], store, BASE, dumps=False)
    incremental.add([GENRE[2]], store)
    whole = tmp_path / "whole"
    pipeline.build(GENRE[:3], whole, BASE)
    assert dump_nquads(store) == dump_nquads(whole)
    for fmt in FORMATS:
        with gzip.open(store.resolve() / DUMPS_DIR / fmt.file_name) as dump, \
                gzip.open(whole.resolve() / DUMPS_DIR / fmt.file_name) as other:
            assert merged(parse(dump, format=fmt.writer, base_iri=BASE)) == \
                merged(parse(other, format=fmt.writer, base_iri=BASE))


def test_posts_pair_added_and_the_first_removed(tmp_path):
    """The 2023/2025 pair: the 2025 release added to a store of the 2023 one is a build of
    both; removing the 2023 one (the first) leaves a build of the 2025 one alone: the
    people and posts only 2023 named go with it, those both name stay."""
    store = tmp_path / "store"
    pipeline.build(POSTS[:1], store, BASE)
    incremental.add(POSTS[1:], store)
    assert store_nquads(store) == built(POSTS, tmp_path / "both")
    incremental.remove(POSTS[0].name, store)
    alone = built(POSTS[1:], tmp_path / "alone")
    assert store_nquads(store) == alone
    assert b"jp-uk-digital-dialogue-2023" not in alone


def _spellings(tmp_path):
    """Two releases naming one discovered forum, each its own way (graph/convert.py
    harmonise: the first release's spelling is the label, the other an alias)."""
    source = (ROOT / "tests" / "fixtures" / "releases" / "fixture-minimal-31.txt").read_text(
        encoding="utf-8")
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(source, encoding="utf-8")
    second.write_text(source.replace("December 6, 2024", "December 7, 2024", 1).replace(
        "Global Platform Governance Forum", "Global Platform-Governance Forum"),
        encoding="utf-8")
    return first, second


def test_an_entity_first_named_by_a_removed_release_takes_the_next_label(tmp_path):
    first, second = _spellings(tmp_path)
    store = tmp_path / "store"
    pipeline.build([first, second], store, BASE)
    assert b"Global Platform-Governance Forum\"@en" in store_nquads(store)  # an alias
    change = incremental.remove(first.name, store)
    assert [e.file for e in change.relabelled] == [second.name]
    assert store_nquads(store) == built([second], tmp_path / "second")

    change = incremental.add([first], store)  # last now: its spelling becomes the alias
    assert [e.file for e in change.added] == [first.name]
    assert store_nquads(store) == built([second, first], tmp_path / "both")


def test_a_new_version_of_a_release_replaces_it_in_place(tmp_path):
    """Same release IRI, other content: its graph is replaced where it stood."""
    edited = tmp_path / GENRE[1].name
    edited.write_text(GENRE[1].read_text(encoding="utf-8").replace(
        "Tokyo", "Osaka"), encoding="utf-8")
    store = tmp_path / "store"
    pipeline.build(GENRE[:3], store, BASE)
    change = incremental.add([edited], store)
    assert [e.file for e in change.replaced] == [edited.name] and not change.added
    assert [e.file for e in incremental.releases(store)] == [g.name for g in GENRE[:3]]
    assert store_nquads(store) == built([GENRE[0], edited, GENRE[2]], tmp_path / "whole")


def test_adding_a_release_held_already_changes_nothing(tmp_path):
    store = tmp_path / "store"
    pipeline.build(GENRE[:2], store, BASE)
    before = store.resolve()
    change = incremental.add([GENRE[1]], store)
    assert change.result is None and change.unchanged == [str(GENRE[1])]
    assert store.resolve() == before
    assert [d for d in before.parent.iterdir() if d.is_dir()] == [before]


def test_a_failed_add_leaves_the_last_good_store(tmp_path, monkeypatch):
    """A release whose graph breaks the shapes: refused, no build directory left."""
    from graph import convert, rdf

    store = tmp_path / "store"
    good = pipeline.build(GENRE[:2], store, BASE).result
    real = rdf.release_quads

    def without_evidence(facts, iris):
        return [q for q in real(facts, iris) if not (
            q.predicate.value.endswith("#evidence") and "/statement/" in q.subject.value)]

    monkeypatch.setattr(convert, "release_quads", without_evidence)
    with pytest.raises(StoreError, match="A statement needs at least one pk:evidence"):
        incremental.add([GENRE[2]], store)
    assert store.resolve() == good.directory
    assert [d for d in good.directory.parent.iterdir() if d.is_dir()] == [good.directory]
    assert [e.file for e in incremental.releases(store)] == [g.name for g in GENRE[:2]]


def test_an_add_that_breaks_a_kept_release_across_graphs_is_refused(tmp_path, monkeypatch):
    """The added release's graph is valid alone, but says of a kept release's statement
    that it was stated by something that is no actor: only the union of the graphs
    breaks the shapes (a change validates what it changed over the union of the graphs,
    graph/validate_change.py)."""
    from pyoxigraph import NamedNode, Quad

    from graph import convert, rdf

    store = tmp_path / "store"
    good = pipeline.build(GENRE[:2], store, BASE).result
    kept = next(iter(open_store(store).query(
        "SELECT ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/policykg/ontology#Statement> } }"
        " ORDER BY ?s LIMIT 1")))["s"]
    real = rdf.release_quads

    def stating_of_a_kept_statement(facts, iris):
        quads = list(real(facts, iris))
        return [*quads, Quad(kept, NamedNode("https://w3id.org/policykg/ontology#statedBy"),
                             NamedNode(f"{BASE}id/no-actor"), quads[0].graph_name)]

    monkeypatch.setattr(convert, "release_quads", stating_of_a_kept_statement)
    with pytest.raises(StoreError, match="A statement needs at least one pk:statedBy, each a"):
        incremental.add([GENRE[2]], store)
    assert store.resolve() == good.directory


SEARCHED = ("Japan", "data sharing", "cooperation", "Tokyo", "digital")


def searched(store) -> tuple:
    """What a store's full-text index answers: every name (and the graphs naming it), every
    statement as stored, and for a few searches how many statements say the words and
    which, best first."""
    found = Index(store.resolve() / INDEX)
    return (found.all_names(), held_names(store.resolve() / INDEX),
            held(store.resolve() / INDEX),
            [(total, [row.iri for row in rows]) for total, rows
             in (found.statements(words, 100) for words in SEARCHED)])


def test_the_search_index_after_a_change_is_a_builds(tmp_path):
    """The index is changed where the releases changed (their graphs' statements read
    again, the others kept): after an add, a replacement and a remove, it answers every
    search as the index of a whole build of the same releases does."""
    store = tmp_path / "store"
    pipeline.build(GENRE[:2], store, BASE)
    added = incremental.add([GENRE[3]], store).added[0]
    assert searched(store) == searched_build(GENRE[:2] + [GENRE[3]], tmp_path / "whole")
    assert any(row.release == f"{BASE}id/{added.id}" for row in held(store.resolve() / INDEX))
    edited = tmp_path / GENRE[1].name
    edited.write_text(GENRE[1].read_text(encoding="utf-8").replace("Tokyo", "Osaka"),
                      encoding="utf-8")
    incremental.add([edited], store)
    assert searched(store) == searched_build([GENRE[0], edited, GENRE[3]],
                                             tmp_path / "edited")
    incremental.remove(added.slug, store)
    assert searched(store) == searched_build([GENRE[0], edited], tmp_path / "removed")
    assert not any(row.release == f"{BASE}id/{added.id}"
                   for row in held(store.resolve() / INDEX))


def searched_build(releases, path) -> tuple:
    pipeline.build(releases, path, BASE)
    return searched(path)


def test_an_unknown_release_or_a_changed_lexicon_is_refused(tmp_path):
    store = tmp_path / "store"
    pipeline.build(GENRE[:2], store, BASE)
    for name in ("nothing-like-it", "release/2000-01-01-none", f"{BASE}id/release/x"):
        with pytest.raises(InputError, match="no such release in the store"):
            incremental.remove(name, store)
    record = json.loads((store.resolve() / "releases.json").read_text(encoding="utf-8"))
    record["lexicon"]["digest"] = "0" * 64
    (store.resolve() / "releases.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(StoreError, match="the lexicon has changed since this store was built"):
        incremental.add([GENRE[2]], store)


def test_add_list_remove_on_the_command_line(cli, tmp_path):
    """As users meet them: summary lines, `list` in both forms, a remove by slug, by IRI,
    errors on one line with a non-zero exit."""
    assert cli("build", "--quiet", str(GENRE[0])).returncode == 0
    added = cli("add", str(GENRE[1]), str(GENRE[2]))
    assert added.returncode == 0, added.stderr
    lines = added.stdout.splitlines()
    assert [line.split(" (")[1] for line in lines[:2]] == [f"{GENRE[1].name})",
                                                         f"{GENRE[2].name})"]
    assert lines[0].startswith("added ") and lines[-1].startswith("changed ")
    assert ": 3 releases, " in lines[-1] and lines[-1].endswith(" quads, SHACL-valid")

    again = cli("add", str(GENRE[1]))
    assert again.returncode == 0
    assert again.stdout.splitlines() == [f"{GENRE[1]}: held already, unchanged",
                                        f"{tmp_path / 'data' / 'policykg' / 'store'}: "
                                        "unchanged"]

    listed = cli("list", "--json")
    releases = json.loads(listed.stdout)
    assert [r["file"] for r in releases] == [g.name for g in GENRE[:3]]
    assert all(r["triples"] > 100 and r["statements"] >= 0 and r["date"][:2] == "20"
               for r in releases)
    table = cli("list").stdout.splitlines()
    assert [line.split("\t") for line in table] == [
        [r["slug"], r["date"], r["title"], str(r["triples"]), str(r["statements"])]
        for r in releases]

    assert cli("remove", releases[1]["slug"]).returncode == 0
    assert cli("remove", f"{BASE}id/release/{releases[2]['slug']}").returncode == 0
    assert [r["slug"] for r in json.loads(cli("list", "--json").stdout)] == [
        releases[0]["slug"]]

    unknown = cli("remove", "no-such-release")
    assert unknown.returncode == 1
    assert unknown.stderr.count("\n") == 1 and "no such release in the store" in unknown.stderr
    only = cli("remove", releases[0]["slug"])
    assert only.returncode == 1 and "the store's only release" in only.stderr
    unreadable = tmp_path / "bad.txt"
    unreadable.write_bytes(b"\xff\xfe not text")
    bad = cli("add", str(unreadable))
    assert bad.returncode == 1 and "not UTF-8" in bad.stderr
    assert len(json.loads(cli("list", "--json").stdout)) == 1


def test_pages_rendered_ahead_are_rendered_again(cli, tmp_path):
    """A store with `policykg pages` keeps them after an add: the new build has its own."""
    from server.page_files import ready

    store = tmp_path / "data" / "policykg" / "store"
    assert cli("build", "--quiet", str(GENRE[0])).returncode == 0
    assert cli("pages", "--processes", "1").returncode == 0
    before = store.resolve()
    added = cli("add", str(GENRE[1]))
    assert added.returncode == 0, added.stderr
    assert store.resolve() != before and ready(store)
    assert f"into {store.resolve() / 'pages'}" in added.stderr


def test_a_stop_signal_during_an_add_keeps_the_old_store(cli, tmp_path):
    """SIGTERM while the releases to add are converted in worker processes: the change
    stops at its next checkpoint, says so in one line, and the store is the old one."""
    generated = tmp_path / "generated"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(generated), "-n", "40"], check=True, capture_output=True)
    store = tmp_path / "data" / "policykg" / "store"
    assert cli("build", "--quiet", str(GENRE[0])).returncode == 0
    before = store.resolve()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("POLICYKG_STORE", None)
    adding = subprocess.Popen([*policykg_command(), "add", str(generated), "--no-validate"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        wait_for(lambda: bool(children(adding.pid)), adding)
        os.kill(adding.pid, signal.SIGTERM)
        _, err = adding.communicate(timeout=60)
    finally:
        if adding.poll() is None:
            os.killpg(adding.pid, signal.SIGKILL)
    assert adding.returncode == 128 + signal.SIGTERM
    assert one_line(err) == "policykg add: stopped by SIGTERM; the old store is kept"
    assert store.resolve() == before and directories(store) == {before}
    assert [e.file for e in incremental.releases(store)] == [GENRE[0].name]
