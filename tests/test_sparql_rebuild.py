"""A rebuild while the endpoint serves: within a second the server answers from the new
store (new version, new data), and no cached answer of the old store is served."""

from __future__ import annotations

import time

import requests

from graph import pipeline
from graph.source import bundled_releases

from .conftest import BASE, fixture_releases, serving

RELEASES = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a pk:Release }"


def answer(url: str) -> tuple[str, str]:
    response = requests.get(url, params={"query": RELEASES}, headers={"Accept": "text/csv"},
                            timeout=10)
    assert response.status_code == 200
    return response.text.splitlines()[1], response.headers["X-Policykg-Version"]


def test_rebuild_is_picked_up_and_the_cache_follows(tmp_path):
    store = tmp_path / "store"
    pipeline.build(bundled_releases(), store, BASE)
    with serving(store, tmp_path) as served:
        before = answer(served.url)
        assert before[0] == "1"
        assert answer(served.url) == before  # (now in the workers' caches)
        pipeline.build(bundled_releases() + fixture_releases(), store, BASE)
        time.sleep(1.2)
        answers = {answer(served.url) for _ in range(6)}  # reaches both workers
        assert len(answers) == 1
        (count, version), = answers
        assert count == "5" and version != before[1]
