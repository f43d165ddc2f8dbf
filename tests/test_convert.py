"""Many releases are converted in worker processes (graph/convert.py): the store they make
is the one a one-at-a-time build makes, spellings are harmonised across releases as
before, and a bad file among many fails the build as one line naming it."""

from __future__ import annotations

import pytest

from graph import convert, pipeline
from graph.errors import InputError
from graph.query import run
from graph.store import open_store

from .conftest import BASE, FIXTURES
from .test_determinism import data_nquads

MANY = convert.PARALLEL_FROM + 2
FORUM = "Global Platform Governance Forum"


def releases(directory, count: int, spell=lambda day: FORUM) -> list:
    """`count` releases of the minimal fixture, one a day, the forum spelt by `spell`."""
    source = (FIXTURES / "fixture-minimal-31.txt").read_text(encoding="utf-8")
    paths = []
    for day in range(1, count + 1):
        path = directory / f"release-{day:02d}.txt"
        path.write_text(source.replace("December 6, 2024", f"December {day}, 2024", 1)
                        .replace(FORUM, spell(day)), encoding="utf-8")
        paths.append(path)
    return paths


def test_the_workers_build_what_one_process_builds(tmp_path, monkeypatch):
    paths = releases(tmp_path, MANY)
    together = pipeline.build(paths, tmp_path / "workers", BASE, dumps=False)
    monkeypatch.setattr(convert, "PARALLEL_FROM", len(paths) + 1)
    alone = pipeline.build(paths, tmp_path / "alone", BASE, dumps=False)
    assert together.result.version == alone.result.version
    assert [r.id for r in together.releases] == [r.id for r in alone.releases]
    assert data_nquads(tmp_path / "workers") == data_nquads(tmp_path / "alone")


def test_a_later_spelling_becomes_an_alias_across_workers(tmp_path):
    """The fifth release and the ones after spell the forum with a hyphen: converted by a
    worker that cannot know the first spelling, they are converted again."""
    paths = releases(tmp_path, MANY,
                     lambda day: FORUM if day < 5 else "Global Platform-Governance Forum")
    pipeline.build(paths, tmp_path / "store", BASE, dumps=False)
    forum = "<id/initiative/global-platform-governance-forum>"
    rows = run(open_store(tmp_path / "store"), f"SELECT DISTINCT ?p ?a WHERE {{ "
               f"{forum} skos:prefLabel ?p OPTIONAL {{ {forum} skos:altLabel ?a }} }}", BASE)
    assert [(r["p"].value, r["a"].value if r["a"] else None) for r in rows] == [
        (FORUM, "Global Platform-Governance Forum")]


def test_a_bad_file_among_many_names_itself_and_keeps_the_store(tmp_path):
    good = pipeline.build(releases(tmp_path, 2), tmp_path / "store", BASE, dumps=False)
    paths = releases(tmp_path, MANY)
    empty = tmp_path / "release-07.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        pipeline.build(paths, tmp_path / "store", BASE, dumps=False)
    assert raised.value.path == str(empty) and "empty" in raised.value.message
    assert (tmp_path / "store").resolve() == good.result.directory
