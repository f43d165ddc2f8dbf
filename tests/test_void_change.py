"""A change's description (graph/void_change.py, #15) is a whole build's, without counting
over the store: the VoID statistics and partitions come from the previous description and
the change, the triples several graphs hold from those kept beside the previous build.

Generated releases share entities (their actors, topics, places), so adding one moves
figures of kept entities, and its graph holds triples other graphs hold.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from graph import dumps, incremental, pipeline, void
from graph.source import releases_in
from graph.store import SHARED

from .conftest import BASE, ROOT
from .test_incremental import dump_nquads, store_nquads


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(folder), "-n", "5"], check=True, capture_output=True)
    return releases_in(folder)


def not_counted(monkeypatch):
    """Make counting over the whole store fail."""
    def refused(*args, **kwargs):
        raise AssertionError("counted over the whole store")

    real = dumps.shared_triples
    monkeypatch.setattr(void, "class_partition_query", refused)
    monkeypatch.setattr(void, "property_partition_query", refused)
    monkeypatch.setattr(dumps, "shared_triples", lambda store, within=None: real(
        store, within) if within is not None else refused())


@pytest.mark.parametrize("position", [0, 2, 4], ids=["named-first", "middle", "last"])
def test_an_add_and_a_remove_describe_the_store_as_a_whole_build(generated, tmp_path,
                                                                 monkeypatch, position):
    more = generated[position]
    first = [f for f in generated if f != more]
    store = tmp_path / "store"
    pipeline.build(first, store, BASE)
    with monkeypatch.context() as patched:
        not_counted(patched)
        incremental.add([more], store)
    pipeline.build([*first, more], tmp_path / "whole", BASE)
    assert store_nquads(store) == store_nquads(tmp_path / "whole")
    assert dump_nquads(store) == dump_nquads(tmp_path / "whole")
    with monkeypatch.context() as patched:
        not_counted(patched)
        incremental.remove(more.name, store)
    pipeline.build(first, tmp_path / "again", BASE)
    assert store_nquads(store) == store_nquads(tmp_path / "again")
    assert dump_nquads(store) == dump_nquads(tmp_path / "again")


def test_a_store_described_by_older_code_is_counted(generated, tmp_path, monkeypatch):
    """No triples kept beside the build: a change counts them over the store."""
    store = tmp_path / "store"
    pipeline.build(generated[:-1], store, BASE)
    (store.resolve() / SHARED).unlink()
    counted = []
    real = dumps.shared_triples
    monkeypatch.setattr(dumps, "shared_triples", lambda s, within=None: counted.append(
        within) or real(s, within))
    incremental.add([generated[-1]], store)
    assert None in counted
    pipeline.build(generated, tmp_path / "whole", BASE)
    assert store_nquads(store) == store_nquads(tmp_path / "whole")
