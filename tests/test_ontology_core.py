"""The ontology's conceptual core (issue #16): identifiers without inference, roles rather
than classes, one event model, disjointness, dated claims.

Every wrong triple of the review is a negative case here: added to the conforming sample
(tests/data/sample_instances.ttl), it must be rejected by the SHACL shapes — by pySHACL and
by our SPARQL compilation of them alike — with the message that names the mistake.
"""

from __future__ import annotations

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from graph.query import run

from .conftest import BASE as STORE_BASE
from .conftest import to_rdflib
from .test_ontology import (
    BASE,
    PK,
    PROPERTY_KINDS,
    SCHEMA,
    backticked,
    expand,
    is_ours,
    model_classes,
    model_properties,
    owl_rl_errors,
    sample,
)
from .test_shacl_sparql import SCHEDULE, Change, _add, assert_rejected_by_both, scheduled

MIC = URIRef(BASE + "id/actor/mic")
MEETING = URIRef(BASE + "id/meeting/japan-eu-ict-policy-dialogue-28")
BRUSSELS = URIRef(BASE + "id/place/brussels")
STATEMENT = URIRef(BASE + "id/statement/sample-01")
SERIES = URIRef(BASE + "id/series/japan-eu-ict-policy-dialogue")
NIS2 = URIRef(BASE + "id/initiative/nis2")
TOPIC = URIRef(BASE + "id/topic/cybersecurity")
ELI_NIS2 = URIRef("http://data.europa.eu/eli/dir/2022/2555/oj")
DG_CONNECT = URIRef(BASE + "id/actor/dg-connect")
RELEASE = URIRef(BASE + "id/release/sample")
LANGUAGE = URIRef("http://purl.org/dc/terms/language")

def _set(s: URIRef, p: URIRef, o: URIRef) -> Change:
    def change(g: Graph) -> None:
        assert (s, p, None) in g
        g.set((s, p, o))
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
    # Item 3, the review's own triple: owl:sameAs from an actor to a law's ELI.
    "actor owl:sameAs an ELI": (
        _add((MIC, OWL.sameAs, ELI_NIS2)), MIC,
        "No owl:sameAs (a reasoner would copy our record data onto the other resource): an "
        "identifier in another register is schema:sameAs, a matching concept a SKOS mapping."),
    "actor owl:sameAs its Wikidata entity": (
        _add((MIC, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q1137549"))), MIC,
        "No owl:sameAs (a reasoner would copy our record data onto the other resource): an "
        "identifier in another register is schema:sameAs, a matching concept a SKOS mapping."),
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
    "meeting held in an actor": (
        _set(MEETING, PK.heldIn, MIC), MEETING,
        "pk:heldIn must point to a pk:Place (a city or a country's territory, not the "
        "country as an actor)."),
    "place in a country given as an actor": (
        _add((BRUSSELS, PK.inCountry, MIC)), BRUSSELS,
        "A place lies in at most one country (pk:inCountry), given as the country's "
        "territory, a pk:Place."),
    "actor typed as a topic": (
        _add((MIC, RDF.type, PK.Topic)), MIC,
        "An actor cannot also be an initiative, an event, a topic, a place, a statement or a "
        "release (disjoint classes)."),
    "initiative held somewhere": (
        _add((NIS2, PK.heldIn, BRUSSELS)), NIS2,
        "Only an event is held somewhere (pk:heldIn); an initiative is not an event."),
    "initiative scheduled": (
        scheduled(NIS2), NIS2,
        "Only an event is scheduled (pk:scheduleClaim); an initiative is not an event."),
    "project entered into force": (
        _retype(NIS2, PK.Project), NIS2,
        "Only a pk:Law enters into force (pk:entryIntoForceClaim)."),
    "meeting typed as a series": (
        _add((MEETING, RDF.type, PK.DialogueSeries)), MEETING,
        "A meeting is one occurrence, never an event series (disjoint classes)."),
    # Item 4: an event is never also an initiative (PROV's Activity, not an Entity).
    "meeting typed as an initiative": (
        _add((MEETING, RDF.type, PK.Initiative)), MEETING,
        "An initiative cannot also be an event, a topic or a place (disjoint classes)."),
    # Item 8: the release's language is an ISO 639-1 IRI, not the literal "en".
    # Item 1: the undated status of 0.1 (a withdrawn term) next to the dated claims.
    "undated status": (
        _add((NIS2, PK.status, URIRef(BASE + "id/status/in-force"))), NIS2,
        "pk:status is withdrawn: a status is a dated claim (pk:statusClaim, a "
        "pk:StatusClaim with pk:value, pk:asOf and its source)."),
    "release language as a literal": (
        _add((RELEASE, LANGUAGE, Literal("en"))), RELEASE,
        "A release has at most one dcterms:language, an ISO 639-1 IRI of the Library of "
        "Congress (http://id.loc.gov/vocabulary/iso639-1/en)."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_shapes_reject(case: str) -> None:
    change, focus, message = CASES[case]
    data = sample()
    change(data)
    assert_rejected_by_both(data, focus, message, BASE)


# --------------------------------------------------------------------------------------
# Item 6: alignments. SKOS mapping properties as SKOS declares them, between concepts
# only; classes and properties aligned by sub-class/-property where true, and the core's
# parents exactly those docs/model.md lists (with its reasons).
# --------------------------------------------------------------------------------------

SKOS_MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
                 SKOS.relatedMatch)
DCAT = "http://www.w3.org/ns/dcat#"
ELI = "http://data.europa.eu/eli/ontology#"
CV = "http://data.europa.eu/m8g/"


def _model_parents() -> dict[URIRef, set[URIRef]]:
    """Each class and property of model.md with the parents its tables list."""
    rows = [(r[0], r[1]) for r in model_classes()] + [(r[0], r[2]) for r in model_properties()]
    return {expand(backticked(name)[0]): {expand(p) for p in backticked(parents)}
            for name, parents in rows}


def alignment_mistakes(core: Graph, alignments: Graph) -> list[str]:
    """The kinds of mistake the review found in how the ontology meets other vocabularies:
    a SKOS mapping property declared an annotation property (punned with SKOS's object
    property: outside OWL 2 DL once merged with SKOS), a SKOS mapping on a class or property
    (SKOS maps concepts; on a term it makes the term an individual), and a parent in the core
    that the model does not list (pk:contactPoint ⊑ schema:contactPoint, off its domain)."""
    both = core + alignments
    terms = {s for kind in (OWL.Class, *PROPERTY_KINDS) for s in both.subjects(RDF.type, kind)}
    mistakes = [f"{p} declared an annotation property" for p in SKOS_MAPPINGS
                if (p, RDF.type, OWL.AnnotationProperty) in both]
    mistakes += [f"{s} {p} {o}: a SKOS mapping of a term" for p in SKOS_MAPPINGS
                 for s, o in both.subject_objects(p)
                 if s in terms or o in terms
                 or (is_ours(s) and (s, RDF.type, OWL.NamedIndividual) not in both)]
    listed = _model_parents()
    mistakes += [f"{s} {p} {o}: not a parent docs/model.md lists"
                 for p in (RDFS.subClassOf, RDFS.subPropertyOf)
                 for s, o in core.subject_objects(p) if s in listed and o not in listed[s]]
    return sorted(mistakes)


@pytest.fixture(scope="module")
def modules() -> tuple[Graph, Graph]:
    from ontology import ALIGNMENTS_TTL, ONTOLOGY_TTL

    return Graph().parse(ONTOLOGY_TTL), Graph().parse(ALIGNMENTS_TTL)


def test_the_alignments_are_as_skos_and_the_model_say(modules: tuple[Graph, Graph]) -> None:
    core, alignments = modules
    assert alignment_mistakes(core, alignments) == []
    both = core + alignments
    for p in (SKOS.closeMatch, SKOS.exactMatch, SKOS.broadMatch):
        assert (p, RDF.type, OWL.ObjectProperty) in both
    assert (SKOS.exactMatch, RDF.type, OWL.TransitiveProperty) in both
    assert (PK.Meeting, RDFS.subClassOf, URIRef(CV + "PublicEvent")) in both
    assert set(both.objects(PK.contactPoint, RDFS.subPropertyOf)) == {URIRef(DCAT + "contactPoint")}


# The review's wrong triples (item 6), each in the module the seed had it in.
REVIEW_ALIGNMENTS: dict[str, tuple[str, tuple]] = {
    "closeMatch an annotation property": (
        "core", (SKOS.closeMatch, RDF.type, OWL.AnnotationProperty)),
    "exactMatch an annotation property": (
        "core", (SKOS.exactMatch, RDF.type, OWL.AnnotationProperty)),
    "broadMatch an annotation property": (
        "core", (SKOS.broadMatch, RDF.type, OWL.AnnotationProperty)),
    "government body closeMatch a schema.org class": (
        "alignments", (PK.GovernmentBody, SKOS.closeMatch, SCHEMA.GovernmentOrganization)),
    "meeting closeMatch a public event": (
        "alignments", (PK.Meeting, SKOS.closeMatch, URIRef(CV + "PublicEvent"))),
    "release closeMatch a news article": (
        "alignments", (PK.Release, SKOS.closeMatch, SCHEMA.NewsArticle)),
    "statement closeMatch schema.org's": (
        "alignments", (PK.Statement, SKOS.closeMatch, SCHEMA.Statement)),
    "on topic closeMatch about": (
        "alignments", (PK.onTopic, SKOS.closeMatch, SCHEMA.about)),
    "status closeMatch ELI's in force": (
        "alignments", (PK.status, SKOS.closeMatch, URIRef(ELI + "in_force"))),
    "contact point under schema.org's": (
        "core", (PK.contactPoint, RDFS.subPropertyOf, SCHEMA.contactPoint)),
}


@pytest.mark.parametrize("case", list(REVIEW_ALIGNMENTS))
def test_a_wrong_alignment_of_the_review_is_found(case: str,
                                                  modules: tuple[Graph, Graph]) -> None:
    module, triple = REVIEW_ALIGNMENTS[case]
    core, alignments = (Graph() + g for g in modules)
    (core if module == "core" else alignments).add(triple)
    found = alignment_mistakes(core, alignments)
    assert len(found) == 1 and str(triple[0]) in found[0], found


# --------------------------------------------------------------------------------------
# OWL 2 RL: each wrong triple makes the ontology plus the sample inconsistent
# --------------------------------------------------------------------------------------

INCONSISTENT: dict[str, tuple] = {
    "actor typed as a topic": (MIC, RDF.type, PK.Topic),
    "statement on an actor as its topic": (STATEMENT, PK.onTopic, MIC),
    "meeting typed as a series": (MEETING, RDF.type, PK.DialogueSeries),
    "actor held as a venue": (MEETING, PK.heldIn, MIC),
    "initiative scheduled like an event": (NIS2, PK.scheduleClaim, SCHEDULE),
    # Item 2: governments and organisations are different kinds of actor (the EU is an
    # organisation, never a country).
    "organisation typed as a country": (DG_CONNECT, RDF.type, PK.Country),
    # Item 4: a meeting belongs to its series by pk:series; pk:partOf is for initiatives.
    "meeting part of a series like an initiative": (MEETING, PK.partOf, SERIES),
    "meeting typed as an initiative": (MEETING, RDF.type, PK.Initiative),
}


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    from ontology import load_graph

    return load_graph()


@pytest.mark.parametrize("case", list(INCONSISTENT))
def test_owl_rl_refutes(case: str, ontology_graph: Graph) -> None:
    data = sample()
    data.add(INCONSISTENT[case])
    assert owl_rl_errors(ontology_graph + data), case


def test_a_scheduled_meeting_is_consistent(ontology_graph: Graph) -> None:
    # Events are PROV activities, meetings are events: a future dialogue with the month
    # it is scheduled for is no longer on both sides of PROV's Entity/Activity split.
    data = sample()
    scheduled(MEETING)(data)
    data.add((MEETING, PK.series, SERIES))
    assert owl_rl_errors(ontology_graph + data) == []


# --------------------------------------------------------------------------------------
# What OWL 2 RL infers about actors, over the ontology and every fixture release
# --------------------------------------------------------------------------------------

NOT_AN_ACTOR = {PK.Topic, SKOS.Concept, PK.Place, SCHEMA.Place,
                URIRef("http://www.w3.org/ns/prov#Location"), PK.Initiative,
                PK.Event}


@pytest.fixture(scope="module")
def closed(all_store) -> Graph:
    """Ontology, lexicon and every release graph, closed under OWL 2 RL (owlrl)."""
    _, store = all_store
    graph = to_rdflib(run(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", STORE_BASE))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def test_no_actor_becomes_a_topic_a_place_or_a_party_by_class(closed: Graph) -> None:
    actors = set(closed.subjects(RDF.type, PK.Actor))
    inferred = {a: set(closed.objects(a, RDF.type)) for a in actors}
    assert len(actors) > 20, inferred
    wrong = {str(a): sorted(map(str, types)) for a, types in inferred.items()
             if types & NOT_AN_ACTOR}
    assert not wrong, wrong
    # No class of parties at all: party-hood is the pk:party relation.
    assert not [t for types in inferred.values() for t in types if str(t).endswith("#Party")]
    belgium = URIRef(STORE_BASE + "id/actor/belgium")
    assert belgium in actors  # the venue's country: an actor, but no party
    assert (None, PK.party, belgium) not in closed
