"""Inferred facts marked (issue #16, item 8): a fact the extractor concluded rather than
read names the rule that made it (pk:inferredBy, a concept of pk:InferenceRules with its
definition) and keeps the span of text the rule read.

The bundled release and the fictitious releases of tests/fixtures/voice/ are built with
`policykg build` and asked with the example query 19 through `policykg query`; the dump
is read back with `policykg dump`; the shapes are checked on the sample instances by
pySHACL and by our SPARQL checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from graph.extract.inference import RULES
from graph.source import bundled_releases

from .test_dated_claims import Run, built, rows, thing
from .test_ontology import BASE as SAMPLE_BASE
from .test_ontology import PK, sample, validate
from .test_shacl_sparql import assert_rejected_by_both

VOICE = Path(__file__).resolve().parent / "fixtures" / "voice"
BUNDLED = "2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"
PORTUGAL = "2025-07-03-results-of-the-2nd-japan-portugal-digital-policy-dialogue"
FINLAND = "2024-11-14-results-of-the-3rd-japan-finland-ict-policy-dialogue"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PK_NS = str(PK)


@pytest.fixture(scope="module")
def policykg(tmp_path_factory) -> Run:
    return built(tmp_path_factory.mktemp("inferred"), *bundled_releases(),
                 *sorted(VOICE.glob("*.txt")))


@pytest.fixture(scope="module")
def inferred(policykg: Run) -> list[dict[str, str]]:
    return rows(policykg, "19-inferred-facts")


def of(inferred: list[dict[str, str]], release: str) -> set[tuple[str, str, str, str]]:
    return {(r["subject"], r["predicate"], r["object"], r["rule"].removeprefix(PK_NS))
            for r in inferred if r["release"] == thing("release", release)}


def test_the_bundled_releases_inferred_facts_and_their_rules(inferred) -> None:
    # Exactly these: "Brussels, Belgium" and "with some participants attending online"
    # are the text's words, so the place's country and the meeting's mode are not marked.
    igf, series = (thing("initiative", "internet-governance-forum-2023"),
                   thing("series", "japan-eu-ict-policy-dialogue"))
    assert of(inferred, BUNDLED) == {
        (series, PK_NS + "party", thing("actor", "japan"), "PartiesFromSeriesName"),
        (series, PK_NS + "party", thing("actor", "eu"), "PartiesFromSeriesName"),
        (igf, str(RDF.type), PK_NS + "Event", "OccurrenceOfSeries"),
        (igf, PK_NS + "series", thing("initiative", "internet-governance-forum"),
         "OccurrenceOfSeries"),
        (igf, PK_NS + "scheduleClaim", "2023-10", "YearFromReleaseDate"),
        (thing("actor", "global-strategy-division"), ORG + "subOrganizationOf",
         thing("actor", "global-strategy-bureau"), "UnitChainInAddress"),
        (thing("actor", "global-strategy-bureau"), ORG + "unitOf", thing("actor", "mic"),
         "UnitChainInAddress"),
    }


def test_each_inferred_fact_quotes_what_its_rule_read(inferred) -> None:
    quotes = {(r["predicate"].rsplit("/", 1)[-1].rsplit("#", 1)[-1], r["quote"])
              for r in inferred if r["release"] == thing("release", BUNDLED)}
    assert ("party", "Japan-EU ICT Policy Dialogue") in quotes
    assert any(p == "scheduleClaim" and "due to be held in Japan this October" in q
               for p, q in quotes)
    assert all(r["definition"] and r["ruleLabel"] for r in inferred)


def test_a_meeting_in_a_reference_city_on_a_day_without_a_year(inferred) -> None:
    meeting = thing("meeting", "japan-portugal-digital-policy-dialogue-2")
    facts = of(inferred, PORTUGAL)
    assert (meeting, SCHEMA + "eventAttendanceMode", SCHEMA + "OfflineEventAttendanceMode",
            "InPersonByDefault") in facts
    assert (meeting, SCHEMA + "startDate", "2025-06-27", "YearFromReleaseDate") in facts
    assert (thing("place", "lisbon"), PK_NS + "inCountry", thing("place", "portugal"),
            "CountryOfReferenceCity") in facts
    quotes = {r["rule"].removeprefix(PK_NS): r["quote"] for r in inferred
              if r["release"] == thing("release", PORTUGAL)}
    assert quotes["YearFromReleaseDate"] == "June 27"


def test_what_the_text_says_is_not_marked(inferred) -> None:
    # Held "online" on "Tuesday, November 12, 2024": mode and date are the text's.
    facts = of(inferred, FINLAND)
    assert {p for _, p, _, _ in facts} == {PK_NS + "party", ORG + "subOrganizationOf",
                                           ORG + "unitOf"}


def test_every_inferred_fact_is_of_an_asserted_triple(policykg: Run) -> None:
    (answer,) = rows(policykg, """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        ASK { ?fact pk:inferredBy ?rule ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
              FILTER NOT EXISTS { ?s ?p ?o } }""")
    assert answer == {"boolean": "false"}


def test_the_extractors_rules_are_the_schemes(policykg: Run) -> None:
    found = rows(policykg, """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?rule ?definition WHERE {
          ?rule a pk:InferenceRule ; skos:inScheme pk:InferenceRules ;
                skos:topConceptOf pk:InferenceRules ; skos:definition ?definition }""")
    assert {r["rule"].removeprefix(PK_NS) for r in found} == set(RULES)
    assert all(len(r["definition"]) > 80 for r in found)


def test_the_marks_are_in_the_dump(policykg: Run) -> None:
    dump = Graph().parse(data=policykg("dump", "--format", "nt").stdout, format="nt")
    marked = set(dump.subject_objects(PK.inferredBy))
    assert {rule.removeprefix(PK_NS) for _, rule in marked} == set(RULES) - {"CountryOfHost"}
    assert all((rule, SKOS.definition, None) in dump for _, rule in marked)


# --------------------------------------------------------------------------------------
# Shapes: a rule of the scheme, once, on a stated relation or a claim with its evidence
# --------------------------------------------------------------------------------------

FACT = URIRef(SAMPLE_BASE + "id/fact/sample-001")
SERIES = URIRef(SAMPLE_BASE + "id/series/japan-eu-ict-policy-dialogue")
SPAN = URIRef(SAMPLE_BASE + "id/evidence/sample-101-225")
STATEMENT = URIRef(SAMPLE_BASE + "id/statement/sample-01")
RULE = URIRef(SAMPLE_BASE + "id/rule/guessed")


def with_inferred_fact() -> Graph:
    """The sample instances and the evidence of an inferred pk:party triple."""
    data = sample()
    mic = URIRef(SAMPLE_BASE + "id/actor/mic")  # an actor of the sample
    data.add((SERIES, PK.party, mic))
    for p, o in [(RDF.type, RDF.Statement), (RDF.subject, SERIES), (RDF.predicate, PK.party),
                 (RDF.object, mic), (PK.evidence, SPAN),
                 (PK.inferredBy, PK.PartiesFromSeriesName)]:
        data.add((FACT, p, o))
    return data


def test_the_sample_inferred_fact_conforms() -> None:
    conforming, results = validate(with_inferred_fact())
    assert conforming, results


def _rule_without(*drop: URIRef):
    def change(g: Graph) -> None:
        g.add((RULE, RDF.type, PK.InferenceRule))
        for p, o in [(SKOS.inScheme, PK.InferenceRules),
                     (SKOS.definition, Literal("A guess.", lang="en"))]:
            if p not in drop:
                g.add((RULE, p, o))
        g.set((FACT, PK.inferredBy, RULE))
    return change


CASES = {
    "a statement marked inferred": (
        lambda g: g.add((STATEMENT, PK.inferredBy, PK.InPersonByDefault)), STATEMENT,
        "Only a stated relation (rdf:Statement) or a claim is inferred by a rule "
        "(pk:inferredBy)."),
    "a fact inferred by a topic": (
        lambda g: g.set((FACT, PK.inferredBy, URIRef(SAMPLE_BASE + "id/topic/cybersecurity"))),
        FACT, "An inferred fact names one rule (pk:inferredBy), a pk:InferenceRule."),
    "a fact inferred by two rules": (
        lambda g: g.add((FACT, PK.inferredBy, PK.CountryOfHost)), FACT,
        "An inferred fact names one rule (pk:inferredBy), a pk:InferenceRule."),
    "an inferred fact without evidence": (
        lambda g: g.remove((FACT, PK.evidence, None)), FACT,
        "An inferred fact needs the span of text its rule read (pk:evidence)."),
    "a rule without a definition": (
        _rule_without(SKOS.definition), RULE,
        "An inference rule needs a skos:definition: what it concludes from what."),
    "a rule outside the scheme": (
        _rule_without(SKOS.inScheme), RULE,
        "An inference rule is in the scheme pk:InferenceRules."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_inferred_fact_shapes_reject(case: str) -> None:
    change, focus, message = CASES[case]
    data = with_inferred_fact()
    change(data)
    assert_rejected_by_both(data, focus, message, SAMPLE_BASE)
