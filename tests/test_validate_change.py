"""Validating a change in proportion to it (graph/validate_change.py, #15) finds what
validating the whole store finds.

Each case starts from a valid build (the bundled release and three genre fixtures), changes
some graphs of a copy as an add or remove would (the metadata graph dropped, as a change
drops it before validating), and compares the violations found from the changed graphs
with those of the whole store; the broken cases must find some, so that agreeing on none
proves nothing only where nothing is broken. Then the same through `policykg add`: a change
is validated that way (the whole-store validator is not called), and a bad one refused.
"""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from graph import corpus, incremental, pipeline, validate
from graph.delta import delta
from graph.errors import StoreError
from graph.iris import Iris
from graph.shacl_sparql import run_checks, shape_checks
from graph.source import bundled_releases, releases_in
from graph.validate_change import VALIDATED, changed_violations, reads

from .conftest import BASE, ROOT

GENRE = releases_in(ROOT / "tests" / "fixtures" / "genre")
PK = "https://w3id.org/policykg/ontology#"
IRIS = Iris(BASE)


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    path = tmp_path_factory.mktemp("previous") / "store"
    pipeline.build(bundled_releases() + GENRE[:3], path, BASE)
    assert (path.resolve() / VALIDATED).exists()
    return path.resolve()


def _graphs(directory) -> tuple[NamedNode, NamedNode]:
    """The bundled release's graph and the last release's."""
    releases = corpus.read(directory).releases
    return IRIS.graph(releases[0].id), IRIS.graph(releases[-1].id)


def _one(store: Store, sparql: str):
    return next(iter(store.query(sparql)))[0]


def drop_evidence(store, first, last):
    """In one graph: its statements lose their evidence (pk:evidence minCount 1)."""
    for quad in list(store.quads_for_pattern(None, NamedNode(PK + "evidence"), None, last)):
        store.remove(quad)
    return [last]


def state_a_kept_statement_by_no_actor(store, first, last):
    """Across graphs: the last graph says a statement of the first was stated by a node
    that is no actor."""
    kept = _one(store, f"SELECT ?s WHERE {{ GRAPH <{first.value}> {{ ?s a <{PK}Statement> }} }}"
                       " ORDER BY ?s LIMIT 1")
    store.add(Quad(kept, NamedNode(PK + "statedBy"), NamedNode(BASE + "id/no-actor"), last))
    return [last]


def claim_a_claim_twice(store, first, last):
    """A claim of the first graph is made the claim of a second thing in the last (read
    along the claim's incoming triples)."""
    claim = _one(store, f"SELECT ?c WHERE {{ GRAPH <{first.value}> {{ ?t <{PK}statusClaim> ?c }}"
                        "} ORDER BY ?c LIMIT 1")
    store.add(Quad(NamedNode(BASE + "id/actor/japan"), NamedNode(PK + "statusClaim"), claim,
                   last))
    return [last]


def place_in_two_countries(store, first, last):
    """A place some graph puts in a country is put in another by the last graph."""
    place = _one(store, f"SELECT ?p WHERE {{ GRAPH ?g {{ ?p <{PK}inCountry> ?c }} }} "
                        "ORDER BY ?p LIMIT 1")
    store.add(Quad(place, NamedNode(PK + "inCountry"), NamedNode(BASE + "id/place/atlantis"),
                   last))
    return [last]


def rewrite_the_release_text(store, first, last):
    """The last release's text changes under its evidence: every quote of it is then two
    steps from the changed triple."""
    text = NamedNode(PK + "text")
    for quad in list(store.quads_for_pattern(None, text, None, last)):
        store.remove(quad)
        store.add(Quad(quad.subject, text, Literal("x" + quad.object.value), last))
    return [last]


def remove_the_first_release(store, first, last):
    store.remove_graph(first)
    return [first]


BROKEN = [drop_evidence, state_a_kept_statement_by_no_actor, claim_a_claim_twice,
          place_in_two_countries, rewrite_the_release_text]


@pytest.mark.parametrize("change", [*BROKEN, remove_the_first_release],
                         ids=lambda change: change.__name__)
def test_a_change_finds_what_the_whole_store_validation_finds(previous, tmp_path, change):
    copy = tmp_path / "changed"
    Store.read_only(str(previous)).backup(str(copy))
    store = Store(str(copy))
    store.remove_graph(IRIS.graph("metadata"))
    graphs = change(store, *_graphs(previous))
    found = changed_violations(store, delta(store, Store.read_only(str(previous)), graphs,
                                            IRIS.graph("metadata")), IRIS)
    whole = run_checks(store, shape_checks(), BASE)
    assert found == whole
    assert bool(whole) == (change in BROKEN)


def test_what_the_checks_read_around_their_focus():
    """Two steps: an agenda item's topic's type, a statement's evidence's source text;
    past the focus node, not a topic's labels; incoming triples of claims and evidence."""
    reading = reads()
    assert reading.steps == 2
    assert {PK + "text", PK + "position", "http://www.w3.org/ns/oa#start",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"} <= {p.value for p in reading.far}
    assert "http://www.w3.org/2004/02/skos/core#prefLabel" not in {p.value for p in reading.far}
    assert {PK + "Claim"} <= {c.value for c in reading.incoming_classes}


def test_an_add_is_validated_from_its_change_and_a_bad_one_refused(tmp_path, monkeypatch):
    """The whole-store validator is not called; a release whose statements have no
    evidence, and one that breaks a kept release across graphs, are refused and the last
    good store kept; a good one is added and marked valid."""
    from graph import convert, rdf

    store = tmp_path / "store"
    good = pipeline.build(GENRE[:2], store, BASE).result

    def whole(*args):
        raise AssertionError("the whole store was validated")

    monkeypatch.setattr(validate, "validate_store", whole)
    real = rdf.release_quads
    kept = _one(Store.read_only(str(good.directory)),
                f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s a <{PK}Statement> }} }} ORDER BY ?s LIMIT 1")
    breaking = {
        "A statement needs at least one pk:evidence": lambda quads: [
            q for q in quads if not (q.predicate.value == PK + "evidence"
                                     and "/statement/" in q.subject.value)],
        "A statement needs at least one pk:statedBy, each a": lambda quads: [
            *quads, Quad(kept, NamedNode(PK + "statedBy"), NamedNode(BASE + "id/no-actor"),
                         quads[0].graph_name)],
    }
    for message, breaks in breaking.items():
        monkeypatch.setattr(convert, "release_quads",
                            lambda facts, iris, breaks=breaks: breaks(list(real(facts, iris))))
        with pytest.raises(StoreError, match=message):
            incremental.add([GENRE[2]], store)
        assert store.resolve() == good.directory
    monkeypatch.setattr(convert, "release_quads", real)
    change = incremental.add([GENRE[2]], store)
    assert (change.result.directory / VALIDATED).exists()


def test_a_store_not_known_valid_is_validated_whole(tmp_path, monkeypatch):
    store = tmp_path / "store"
    pipeline.build(GENRE[:2], store, BASE, validate=False)
    assert not (store.resolve() / VALIDATED).exists()
    called = []
    real = validate.validate_store
    monkeypatch.setattr(validate, "validate_store",
                        lambda *args: called.append(1) or real(*args))
    incremental.add([GENRE[2]], store)
    assert called == [1]
