"""Reasoning over the ontology and the data of every fixture release (issue #16, "How it is
checked").

Every fixture release (tests/fixtures/*/ but those in NOT_A_SET) and the bundled one are built
into one store with `policykg build` and written out with `policykg dump --format nt`, as
users do. Over that dump:

- HermiT, a complete OWL 2 DL reasoner (through owlready2, with Java), finds it consistent
  (one run over all fixtures);
- Pellet's profile check (OWL API) places it in OWL 2 DL, read without the reification
  triples of the stated relations (docs/model.md, "OWL 2 DL"), and the ontology alone too;
- OWL 2 RL (owlrl) finds it consistent, and what it infers about actors is listed and
  checked: no actor becomes a topic, a place or a party by class, and no external IRI
  (Wikidata, ELI, the EU Publications Office) receives our record data by inference.

Each of these checks is shown to fail on a wrong triple of the review, so none of them
passes because the data never reached the reasoner.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.term import Node

from graph.source import bundled_releases
from ontology import load_graph

from .conftest import BASE, policykg_command
from .reasoners import dl_view, hermit_consistent, owl2_profile, write_nt
from .test_ontology import BASE as SAMPLE_BASE
from .test_ontology import PK, SCHEMA, owl_rl_errors, sample
from .test_ontology_core import INCONSISTENT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
#: Classes no actor may have: topics, places and (no such class may exist) parties.
NOT_AN_ACTOR = {PK.Topic, SKOS.Concept, PK.Place, SCHEMA.Place, URIRef(PROV + "Location"),
                URIRef(DCTERMS + "Location"), PK.Initiative, PK.Event}
#: Where the identifiers of our things in other registers live.
EXTERNAL = ("http://www.wikidata.org/entity/", "http://data.europa.eu/eli/",
            "http://publications.europa.eu/resource/authority/")


#: Fixture directories that are no set of releases to build together.
NOT_A_SET = {"bad": "releases a build refuses",
             "voice": "variants of one release, with and without its publisher"}


def fixture_dirs() -> list[Path]:
    """Every directory of fixture releases that build together."""
    return sorted(d for d in FIXTURES.iterdir() if d.is_dir() and d.name not in NOT_A_SET)


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    """N-Triples of a store built from the bundled release and every fixture release."""
    home = tmp_path_factory.mktemp("reasoning")
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "POLICYKG_BASE_IRI": BASE}
    env.pop("POLICYKG_STORE", None)
    store, out = home / "store", home / "all.nt"
    releases = [str(p) for p in bundled_releases() + fixture_dirs()]
    for args in (["build", "--store", str(store), "--no-dumps", "--quiet", *releases],
                 ["dump", "--store", str(store), "--format", "nt", "-o", str(out)]):
        done = subprocess.run([*policykg_command(), *args], capture_output=True, text=True,
                              env=env, cwd=home, timeout=600)
        assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def data(dump: Path) -> Graph:
    return Graph().parse(dump, format="nt")


@pytest.fixture(scope="module")
def closed(data: Graph) -> Graph:
    """The dump closed under OWL 2 RL."""
    graph = Graph()
    for triple in data:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def _releases_in(data: Graph) -> int:
    return len(set(data.subjects(RDF.type, PK.Release)))


# --------------------------------------------------------------------------------------
# HermiT: a complete OWL 2 DL reasoner
# --------------------------------------------------------------------------------------


def test_every_fixture_release_is_in_the_dump(data: Graph) -> None:
    # 1 bundled + each fixture directory's releases (one .txt or .html each).
    expected = len(bundled_releases()) + sum(
        1 for d in fixture_dirs() for p in d.iterdir() if p.suffix in (".txt", ".html"))
    assert _releases_in(data) == expected > 40


def test_hermit_finds_the_ontology_and_every_fixture_release_consistent(dump: Path) -> None:
    assert hermit_consistent(dump)


def test_hermit_refutes_the_same_data_with_an_actor_typed_a_topic(
    dump: Path, tmp_path: Path
) -> None:
    # The data reaches HermiT: one wrong triple added to the very same dump is refuted.
    wrong = tmp_path / "wrong.nt"
    mic = URIRef(BASE + "id/actor/mic")
    wrong.write_text(f"{mic.n3()} {RDF.type.n3()} {PK.Topic.n3()} .\n", encoding="utf-8")
    assert not hermit_consistent(dump, wrong)


@pytest.fixture(scope="module")
def sample_nt(tmp_path_factory) -> Path:
    """The ontology and the conforming sample instances (tests/data/sample_instances.ttl)."""
    return write_nt(load_graph() + sample(), tmp_path_factory.mktemp("sample") / "sample.nt")


def test_hermit_finds_the_sample_consistent(sample_nt: Path) -> None:
    assert hermit_consistent(sample_nt)


@pytest.mark.parametrize("case", list(INCONSISTENT))
def test_hermit_refutes(case: str, sample_nt: Path, tmp_path: Path) -> None:
    # The wrong triples of the review that OWL 2 RL refutes (tests/test_ontology_core.py),
    # refuted by the complete reasoner too.
    wrong = Graph()
    wrong.add(INCONSISTENT[case])
    assert not hermit_consistent(sample_nt, write_nt(wrong, tmp_path / "wrong.nt"))


@pytest.fixture(scope="module")
def ontology_nt(tmp_path_factory) -> Path:
    return write_nt(load_graph(), tmp_path_factory.mktemp("ontology") / "ontology.nt")


def test_the_ontology_is_in_owl2_dl(ontology_nt: Path) -> None:
    # The language-tagged literals' ranges are rdf:PlainLiteral, in the OWL 2 datatype map
    # (rdf:langString is not: OWL API read it as a class and punned the properties).
    assert owl2_profile(ontology_nt) in {"OWL 2 DL", "OWL 2 RL", "OWL 2 EL", "OWL 2 QL"}


def test_the_ontology_and_every_fixture_release_are_in_owl2_dl(
    data: Graph, tmp_path: Path
) -> None:
    # The whole dump (ontology graph, lexicon, metadata graph, every release) but the
    # reification triples of the stated relations (tests/reasoners.py dl_view).
    view = dl_view(data)
    assert len(data) - len(view) > 1000  # the stated relations' reification, left out
    assert owl2_profile(write_nt(view, tmp_path / "view.nt")) == "OWL 2 DL"


def test_the_reification_vocabulary_is_what_takes_the_data_outside_owl2_dl(
    data: Graph, tmp_path: Path
) -> None:
    # The check above sees the data: with its reification triples it is no longer DL.
    assert owl2_profile(write_nt(data, tmp_path / "all.nt")) == "OWL 2"


# Issue #16, item 6: SKOS mapping properties redeclared as annotation properties (as the
# seed did) pun them with SKOS's object properties: outside OWL 2 DL once merged.
@pytest.mark.parametrize("prop", [SKOS.closeMatch, SKOS.exactMatch, SKOS.broadMatch])
def test_a_skos_mapping_property_redeclared_as_annotation_property_is_not_dl(
    prop: URIRef, tmp_path: Path
) -> None:
    wrong = load_graph()
    wrong.add((prop, RDF.type, OWL.AnnotationProperty))
    assert owl2_profile(write_nt(wrong, tmp_path / "wrong.nt")) == "OWL 2"


# --------------------------------------------------------------------------------------
# OWL 2 RL (owlrl): consistency, and what it infers about actors
# --------------------------------------------------------------------------------------


def test_owl_rl_finds_the_ontology_and_every_fixture_release_consistent(data: Graph) -> None:
    assert owl_rl_errors(data) == []


def _ancestors(graph: Graph, classes: set[Node]) -> set[Node]:
    """The classes and their super-classes, as the ontology states them."""
    found, todo = set(), list(classes)
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(graph.objects(cls, RDFS.subClassOf))
    return found


def inferred_actor_types(data: Graph, closed: Graph) -> dict[Node, set[Node]]:
    """Each actor (typed pk:Actor after reasoning) with the types owlrl inferred for it."""
    actors = set(closed.subjects(RDF.type, PK.Actor))
    return {a: {t for t in closed.objects(a, RDF.type) if (a, RDF.type, t) not in data}
            for a in actors}


def test_owl_rl_infers_of_actors_only_the_super_classes_of_their_classes(
    data: Graph, closed: Graph
) -> None:
    inferred = inferred_actor_types(data, closed)
    assert len(inferred) > 100
    listing = sorted({str(t) for types in inferred.values() for t in types})
    # Everything inferred comes from the sub-class axioms of what was asserted, not from a
    # domain or a range: a venue's country is not made a place, a topic's holder not a topic.
    beyond = {str(a): sorted(map(str, types - _ancestors(data, set(data.objects(a, RDF.type)))
                                 - {OWL.Thing}))
              for a, types in inferred.items()}
    assert not {a: t for a, t in beyond.items() if t}, listing
    wrong = {str(a): sorted(map(str, types & NOT_AN_ACTOR)) for a, types in inferred.items()
             if types & NOT_AN_ACTOR}
    assert not wrong, listing
    # No class of parties at all: being a party is the pk:party relation.
    assert not [t for t in listing if t.endswith(("#Party", "/Party"))], listing


def test_a_country_that_is_only_a_venue_is_no_party(closed: Graph) -> None:
    belgium = URIRef(BASE + "id/actor/belgium")
    assert (belgium, RDF.type, PK.Actor) in closed
    assert (None, PK.party, belgium) not in closed


def record_data_on_external_iris(data: Graph, closed: Graph) -> list[tuple[Node, Node, Node]]:
    """Inferred triples that give an external IRI our record data: a pk: property (such as
    pk:curation) or a class of ours."""
    ours = {s for s in load_graph().subjects(RDF.type, OWL.Class)}
    return sorted(
        (s, p, o) for s, p, o in closed
        if isinstance(s, URIRef) and str(s).startswith(EXTERNAL) and (s, p, o) not in data
        and (str(p).startswith(str(PK)) or (p == RDF.type and o in ours)))


def test_no_external_iri_receives_our_record_data(data: Graph, closed: Graph) -> None:
    linked = {o for o in data.objects(None, SCHEMA.sameAs) if str(o).startswith(EXTERNAL)}
    assert len(linked) > 5  # the check has identifiers to look at
    assert record_data_on_external_iris(data, closed) == []


def test_owl_same_as_would_copy_our_record_data_onto_wikidata() -> None:
    # What the check above looks for (issue #16, item 3): with owl:sameAs, owlrl gives the
    # Wikidata entity our curation and our class.
    data = load_graph() + sample()
    mic, wikidata = URIRef(SAMPLE_BASE + "id/actor/mic"), URIRef(EXTERNAL[0] + "Q1137549")
    data.add((mic, OWL.sameAs, wikidata))
    closed = Graph()
    for triple in data:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    found = record_data_on_external_iris(data, closed)
    assert (wikidata, PK.curation, PK.Curated) in found
    assert (wikidata, RDF.type, PK.GovernmentBody) in found
