"""The ontology's namespace is the same under every base (#16 item 7): two knowledge graphs
built with different base IRIs share their pk: terms, their ontology graph and the answers
of the example queries, while each one's data stay under its own base. Built and dumped
with the `policykg` command, as users do; the example queries run in-process (the CLI and
the endpoint run them elsewhere in the suite), as the CLI runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import NamedNode, Quad, Store
from rdflib.compare import isomorphic

from graph.query import run
from graph.source import bundled_releases
from graph.store import open_store
from ontology import MIGRATE_0_1, ONTOLOGY_IRI, PK
from queries import examples

from .conftest import ROOT, policykg_command

BASES = ("https://kg.test/", "http://other.example/kg/")
POSTS = ROOT / "tests" / "fixtures" / "posts"


def policykg(home: Path, *args: str) -> str:
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data")}
    env.pop("POLICYKG_STORE", None)
    env.pop("POLICYKG_BASE_IRI", None)
    result = subprocess.run([*policykg_command(), *args], capture_output=True, text=True,
                            env=env, cwd=home, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """base → (home, store) of the bundled release and the two releases on people's posts
    (so that every example query has an answer), built under that base."""
    releases = [*map(str, bundled_releases()), str(POSTS)]
    built = {}
    for n, base in enumerate(BASES):
        home = tmp_path_factory.mktemp(f"base{n}")
        store = home / "store"
        policykg(home, "build", "--store", str(store), "--base-iri", base, *releases)
        built[base] = (home, store)
    return built


def triples(stores, base: str, where: str) -> rdflib.Graph:
    home, store = stores[base]
    text = policykg(home, "query", "--store", str(store), "--format", "nt",
                    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}")
    return rdflib.Graph().parse(data=text, format="nt")


def test_both_bases_use_the_same_terms_of_ours(stores) -> None:
    used = {}
    for base in BASES:
        graph = triples(stores, base, "?s ?p ?o")
        iris = {str(t) for t in graph.all_nodes() if isinstance(t, rdflib.URIRef)}
        used[base] = {i for i in iris if i.startswith(PK)}
        # Nothing under the base names the ontology: the data alone are the base's.
        assert not [i for i in iris if i.startswith(base + "ontology")]
        assert base + "id/actor/japan" in iris
        assert not [i for b in BASES if b != base for i in iris if i.startswith(b)]
    first, second = (used[b] for b in BASES)
    assert first == second
    assert {PK + "Statement", PK + "statedBy", PK + "evidence", ONTOLOGY_IRI + "#Meeting"} \
        <= first


def test_both_bases_hold_the_same_ontology_graph(stores) -> None:
    first, second = (triples(stores, b, f"GRAPH <{b}graph/ontology> {{ ?s ?p ?o }}")
                     for b in BASES)
    assert len(first) > 500
    assert (rdflib.URIRef(ONTOLOGY_IRI), rdflib.OWL.versionIRI, None) in first
    assert isomorphic(first, second)


@pytest.fixture(scope="module")
def opened(stores) -> dict:
    return {base: open_store(store) for base, (_, store) in stores.items()}


def _answers(opened, base: str, text: str) -> list[str]:
    """The answer (an ASK's, or a SELECT's rows in any order) with the base written as
    {base}, so that two bases compare; the parts of a GROUP_CONCAT are sorted, since
    their order is the engine's."""
    result = run(opened[base], text, base)
    if not hasattr(result, "variables"):
        return [str(bool(result))]
    names = [v.value for v in result.variables]

    def shown(term) -> str:
        if term is None:
            return ""
        return " | ".join(sorted(term.value.replace(base, "{base}").split(" | ")))

    return sorted(json.dumps([shown(row[n]) for n in names]) for row in result)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
def test_an_example_query_answers_alike_under_both_bases(opened, example) -> None:
    first, second = (_answers(opened, b, example.text) for b in BASES)
    assert first == second
    assert first, "answered nothing"


def test_the_migration_moves_0_1_terms_to_the_namespace(opened) -> None:
    """A store as 0.1 wrote it (terms {base}ontology#…) becomes, by ontology/migrate-0.1.ru,
    the store 0.2 builds, graph by graph, but for the ontology graph (replaced, not moved)."""
    base = BASES[1]
    old = base + "ontology#"

    def as_0_1(term):
        if isinstance(term, NamedNode) and term.value.startswith(PK):
            return NamedNode(old + term.value[len(PK):])
        return term

    ontology_graph = NamedNode(base + "graph/ontology")
    built = [q for q in opened[base] if q.graph_name != ontology_graph]
    store = Store()
    store.extend([Quad(as_0_1(q.subject), as_0_1(q.predicate), as_0_1(q.object), q.graph_name)
                  for q in built])
    assert any(q.predicate.value.startswith(old) for q in store)
    store.update(MIGRATE_0_1.read_text(encoding="utf-8"))
    assert set(store) == set(built)
