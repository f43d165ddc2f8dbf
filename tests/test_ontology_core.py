"""The ontology's conceptual core (issue #16): identifiers without inference, roles rather
than classes, one event model, disjointness, dated claims.

Every wrong triple of the review is a negative case here: added to the conforming sample
(tests/data/sample_instances.ttl), it must be rejected by the SHACL shapes — by pySHACL and
by our SPARQL compilation of them alike — with the message that names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import RDF, SKOS, Graph, URIRef

from graph.shacl_sparql import conforms, run_checks, shape_checks

from .test_ontology import BASE, PK, SCHEMA, sample, validate
from .test_shacl_sparql import store_of

MIC = URIRef(BASE + "id/actor/mic")
NIS2 = URIRef(BASE + "id/initiative/nis2")
TOPIC = URIRef(BASE + "id/topic/cybersecurity")
ELI_NIS2 = URIRef("http://data.europa.eu/eli/dir/2022/2555/oj")

Change = Callable[[Graph], None]


def _add(*triples: tuple) -> Change:
    def change(g: Graph) -> None:
        for triple in triples:
            g.add(triple)
    return change


def _retype(node: URIRef, cls: URIRef) -> Change:
    def change(g: Graph) -> None:
        g.remove((node, RDF.type, None))
        g.add((node, RDF.type, cls))
    return change


# name: (change to the sample, focus node reported, message it is reported with)
CASES: dict[str, tuple[Change, URIRef, str]] = {
    "actor exactMatch an ELI": (
        _add((MIC, SKOS.exactMatch, ELI_NIS2)), MIC,
        "skos:exactMatch links concepts; an actor, place or initiative is identified by "
        "schema:sameAs."),
    "actor sameAs an ELI": (
        _add((MIC, SCHEMA.sameAs, ELI_NIS2)), MIC,
        "An actor's schema:sameAs must be a Wikidata entity IRI "
        "(http://www.wikidata.org/entity/Q...) or an EU Publications Office corporate-body IRI."),
    "project sameAs an ELI": (
        _retype(NIS2, PK.Project), NIS2,
        "Only a pk:Law may be schema:sameAs an ELI IRI; other initiatives link to Wikidata."),
    "topic closeMatch an ELI": (
        _add((TOPIC, SKOS.closeMatch, ELI_NIS2)), TOPIC,
        "A topic's skos:closeMatch must be a EuroVoc concept or a Wikidata entity IRI."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_shapes_reject(case: str) -> None:
    change, focus, message = CASES[case]
    data = sample()
    change(data)
    conforming, results = validate(data)
    assert not conforming
    assert (str(focus), message) in results, sorted(results)
    ours = run_checks(store_of(data), shape_checks(BASE), BASE)
    assert not conforms(ours)
    assert (str(focus), message) in {(str(v.focus.value), m) for v in ours
                                     for m in v.messages}, ours
