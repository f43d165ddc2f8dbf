"""The built knowledge graph — ontology, lexicon and every release graph — raises no
inconsistency under OWL 2 RL (owlrl): no individual in two disjoint classes, no datatype
clash, nothing OWL 2 RL can refute."""

from __future__ import annotations

from graph.query import run

from .conftest import BASE, to_rdflib
from .test_ontology import owl_rl_errors

ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def test_built_graph_is_consistent_under_owl_rl(all_store):
    _, store = all_store
    graph = to_rdflib(run(store, ALL, BASE))
    assert len(graph) > 5000
    assert owl_rl_errors(graph) == []
