"""Data graphs are deterministic: the same releases give byte-identical canonical N-Quads
(only the metadata graph, which records the build time, may differ)."""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, serialize

from graph import pipeline
from graph.source import bundled_releases
from graph.store import open_store
from ontology import PK

from .conftest import BASE, FIXTURES, fixture_releases


def canonical_nquads(quads) -> bytes:
    """Sorted N-Quads: canonical for data with no blank nodes (and stable labels for the
    ontology's)."""
    lines = serialize(list(quads), format=RdfFormat.N_QUADS).splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


def data_nquads(path) -> bytes:
    store = open_store(path)
    quads = [q for q in store if not str(q.graph_name).endswith("graph/metadata>")]
    return canonical_nquads(quads)


def test_two_builds_give_identical_canonical_nquads(tmp_path):
    releases = bundled_releases() + fixture_releases()
    pipeline.build(releases, tmp_path / "one", BASE)
    pipeline.build(list(reversed(releases)), tmp_path / "two", BASE)
    one, two = data_nquads(tmp_path / "one"), data_nquads(tmp_path / "two")
    assert one == two
    assert len(one.splitlines()) > 5000
    data = [line for line in one.splitlines() if b"/graph/release/" in line]
    assert data and not any(b"_:" in line for line in data)  # extracted data: no blank nodes


def test_rebuild_swaps_the_store_and_keeps_one_previous(tmp_path):
    path = tmp_path / "store"
    first = pipeline.build(bundled_releases(), path, BASE).result
    second = pipeline.build(bundled_releases(), path, BASE).result
    third = pipeline.build(bundled_releases(), path, BASE).result
    assert path.resolve() == third.directory
    assert second.directory.exists() and not first.directory.exists()
    assert first.version.split("-")[-1] == third.version.split("-")[-1]  # same content hash


def test_one_preferred_label_across_releases(tmp_path, lexicon):
    """The same discovered initiative spelt two ways in two releases: one IRI, one label."""
    from graph.query import run
    from graph.store import open_store

    source = (FIXTURES / "fixture-minimal-31.txt").read_text(encoding="utf-8")
    first = tmp_path / "a.txt"
    first.write_text(source, encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text(source.replace("December 6, 2024", "December 7, 2024", 1)
                      .replace("Global Platform Governance Forum",
                               "Global Platform-Governance Forum"), encoding="utf-8")
    pipeline.build([first, second], tmp_path / "store", BASE)
    forum = "<id/initiative/global-platform-governance-forum>"
    rows = run(open_store(tmp_path / "store"), f"SELECT DISTINCT ?p ?a WHERE {{ "
               f"{forum} skos:prefLabel ?p OPTIONAL {{ {forum} skos:altLabel ?a }} }}", BASE)
    assert [(r["p"].value, r["a"].value if r["a"] else None) for r in rows] == [
        ("Global Platform Governance Forum", "Global Platform-Governance Forum")]


def test_invalid_data_fails_the_build_and_keeps_the_old_store(tmp_path, monkeypatch):
    """A build whose data break the shapes (here: statements lose their evidence) is not
    swapped in; the error names the violated constraint."""
    from graph import convert, rdf
    from graph.errors import StoreError

    path = tmp_path / "store"
    good = pipeline.build(bundled_releases(), path, BASE).result
    real = rdf.release_quads

    def without_statement_evidence(facts, iris):
        return [q for q in real(facts, iris) if not (
            q.predicate.value == PK + "evidence" and "/statement/" in q.subject.value)]

    monkeypatch.setattr(convert, "release_quads", without_statement_evidence)
    with pytest.raises(StoreError, match="A statement needs at least one pk:evidence"):
        pipeline.build(bundled_releases(), path, BASE)
    assert path.resolve() == good.directory
    assert [d for d in good.directory.parent.iterdir() if d.is_dir() and d != good.directory] \
        == []
