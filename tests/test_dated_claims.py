"""Dated, sourced claims (issue #16): a law's status, its entry into force and an event's
schedule are claims with a value, the date they hold as of, their source release and
their evidence; the current view is the latest claim, derived by query, never stored.

Two fictitious releases of different years (tests/fixtures/dated/) are built together
with `policykg build`, as users do, and queried with the named queries through
`policykg query`: a bill the 2023 release calls "the proposed Telecommunications
Resilience Act" is, by the 2025 release, an act "which entered into force on April 1,
2024". The proposal and the act are two things (one IRI per stage, pk:LegislativeProposal
and pk:Law are disjoint); no release says the one became the other, so nothing links them.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import PROV, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.shacl_sparql import conforms, run_checks, shape_checks
from queries import DIRECTORY as QUERIES

from .conftest import BASE, policykg_command
from .test_ontology import BASE as SAMPLE_BASE
from .test_ontology import PK, owl_rl_errors, sample, validate
from .test_shacl_sparql import assert_rejected_by_both, store_of

DATED = Path(__file__).resolve().parent / "fixtures" / "dated"
OLD = "2023-06-14-results-of-the-3rd-japan-new-zealand-digital-policy-dialogue"
NEW = "2025-02-20-results-of-the-4th-japan-new-zealand-digital-policy-dialogue"
SOURCE = "https://example.org/policykg/dated/{}.html"

Run = Callable[..., subprocess.CompletedProcess]


def built(home: Path, *releases: Path) -> Run:
    """`policykg` in a subprocess, run in `home` on the store it built there from
    `releases` with `policykg build` (the store is `home`/data/policykg/store)."""
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "POLICYKG_BASE_IRI": BASE}
    env.pop("POLICYKG_STORE", None)

    def call(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([*policykg_command(), *args], capture_output=True, text=True,
                                env=env, cwd=home, timeout=300)
        assert result.returncode == 0, result.stderr
        return result

    said = call("build", *map(str, releases))
    said = said.stderr + said.stdout
    assert f"{len(releases)} releases" in said and "SHACL-valid" in said
    return call


@pytest.fixture(scope="module")
def policykg(tmp_path_factory) -> Run:
    """`policykg` with a store built from both dated releases (newest given first: the
    order of the files says nothing about the order of the claims)."""
    return built(tmp_path_factory.mktemp("dated"), DATED / "jp-nz-digital-dialogue-2025.txt",
                 DATED / "jp-nz-digital-dialogue-2023.txt")


def rows(policykg: Run, query: str) -> list[dict[str, str]]:
    """The query's rows (a named query's file, or a query text) as plain strings."""
    named = " " not in query
    result = json.loads(policykg("query", str(QUERIES / f"{query}.rq") if named else query,
                                 "--format", "json").stdout)
    if "boolean" in result:
        return [{"boolean": str(result["boolean"]).lower()}]
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def thing(kind: str, slug: str) -> str:
    return f"{BASE}id/{kind}/{slug}"


def test_latest_status_per_law_with_date_and_source_latest_first(policykg: Run) -> None:
    found = [(r["initiative"], r["status"], r["asOf"], r["release"], r["issued"], r["source"])
             for r in rows(policykg, "16-law-status-latest")]
    new = (thing("release", NEW), "2025-02-20", SOURCE.format("jp-nz-digital-dialogue-2025"))
    old = (thing("release", OLD), "2023-06-14", SOURCE.format("jp-nz-digital-dialogue-2023"))
    assert found == [
        (thing("initiative", "digital-identity-services-act-proposal"), "proposed",
         "2025-02-20", *new),
        (thing("initiative", "telecommunications-resilience-act"), "in force", "2025-02-20",
         *new),
        (thing("initiative", "rural-connectivity-act"), "in force", "2023-06-14", *old),
        (thing("initiative", "telecommunications-resilience-act-proposal"), "proposed",
         "2023-06-14", *old),
    ]
    quotes = {r["initiative"]: r["quote"] for r in rows(policykg, "16-law-status-latest")}
    assert "which entered into force on April 1, 2024" in quotes[
        thing("initiative", "telecommunications-resilience-act")]


def test_history_lists_every_claim_in_date_order(policykg: Run) -> None:
    # One name, two stages: the proposal's claim of 2023, then the act's of 2025.
    history = [(r["initiative"], r["status"], r["asOf"], r["release"])
               for r in rows(policykg, "17-law-status-history")
               if r["label"] == "Telecommunications Resilience Act"]
    assert history == [
        (thing("initiative", "telecommunications-resilience-act-proposal"), "proposed",
         "2023-06-14", thing("release", OLD)),
        (thing("initiative", "telecommunications-resilience-act"), "in force", "2025-02-20",
         thing("release", NEW))]
    quotes = [r["quote"] for r in rows(policykg, "17-law-status-history")
              if r["label"] == "Telecommunications Resilience Act"]
    assert "the proposed Telecommunications Resilience Act" in quotes[0]


def test_no_undated_fact_is_asserted(policykg: Run) -> None:
    # The vocabulary of undated status, entry into force and schedule is gone; every
    # claim has exactly one thing it is about.
    (answer,) = rows(policykg, """ASK { { ?s pk:status ?o } UNION { ?s pk:enteredIntoForce ?o }
              UNION { ?s pk:scheduledFor ?o }
              UNION { ?c a pk:Claim . FILTER NOT EXISTS { ?s ?link ?c } }
              UNION { ?s1 ?l1 ?c . ?s2 ?l2 ?c . ?c a pk:Claim . FILTER (?s1 != ?s2) } }""")
    assert answer == {"boolean": "false"}


def test_entry_into_force_is_a_dated_claim_of_its_release(policykg: Run) -> None:
    found = rows(policykg, """PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?law ?date ?asOf ?release WHERE {
          ?law pk:entryIntoForceClaim ?c .
          ?c a pk:EntryIntoForceClaim ; pk:dateValue ?date ; pk:asOf ?asOf ;
             prov:wasDerivedFrom ?release } ORDER BY ?asOf""")
    assert [(r["law"], r["date"], r["asOf"], r["release"]) for r in found] == [
        (thing("initiative", "rural-connectivity-act"), "2022-03-01", "2023-06-14",
         thing("release", OLD)),
        (thing("initiative", "telecommunications-resilience-act"), "2024-04-01",
         "2025-02-20", thing("release", NEW))]


def test_both_years_together_are_consistent_under_owl_rl(policykg: Run) -> None:
    # A proposal in 2023 and an act in force in 2025, with their claims, in one graph:
    # nothing contradicts (the claims, not the thing, carry what changed).
    dumped = policykg("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "--format", "nt")
    graph = Graph().parse(data=dumped.stdout, format="nt")
    claim, status_claim = PK.Claim, PK.StatusClaim
    assert (status_claim, RDFS.subClassOf, claim) in graph  # the ontology is in the union
    assert owl_rl_errors(graph) == []
    some_claim = next(graph.subjects(RDF.type, status_claim))
    graph.add((some_claim, RDF.type, PK.Statement))
    assert owl_rl_errors(graph)  # and a claim that is also a statement is refuted


# --------------------------------------------------------------------------------------
# The claim shapes: each wrong claim is refused, by pySHACL and by our SPARQL checks alike
# --------------------------------------------------------------------------------------

CLAIM = URIRef(SAMPLE_BASE + "id/claim/sample-002")  # the sample's status claim of NIS2
ENTRY = URIRef(SAMPLE_BASE + "id/claim/sample-001")  # and its entry into force
Change = Callable[[Graph], None]


def _drop(s: URIRef, p: URIRef) -> Change:
    def change(g: Graph) -> None:
        assert (s, p, None) in g
        g.remove((s, p, None))
    return change


def _add(s: URIRef, p: URIRef, o) -> Change:
    return lambda g: g.add((s, p, o))


CASES: dict[str, tuple[Change, URIRef, str]] = {
    "claim without a date": (
        _drop(CLAIM, PK.asOf), CLAIM,
        "A claim needs exactly one pk:asOf, an xsd:date (the date it holds as of)."),
    "claim dated by a string": (
        lambda g: g.set((CLAIM, PK.asOf, Literal("February 2023"))), CLAIM,
        "A claim needs exactly one pk:asOf, an xsd:date (the date it holds as of)."),
    "claim without a source": (
        _drop(CLAIM, PROV.wasDerivedFrom), CLAIM,
        "A claim needs exactly one source, the pk:Release it was derived from "
        "(prov:wasDerivedFrom)."),
    "claim derived from a statement": (
        lambda g: g.set((CLAIM, PROV.wasDerivedFrom,
                         URIRef(SAMPLE_BASE + "id/statement/sample-01"))), CLAIM,
        "A claim needs exactly one source, the pk:Release it was derived from "
        "(prov:wasDerivedFrom)."),
    "claim without evidence": (
        _drop(CLAIM, PK.evidence), CLAIM,
        "A claim needs at least one pk:evidence, each a text span that conforms to the "
        "evidence shape."),
    "status claim without a value": (
        _drop(CLAIM, PK.value), CLAIM,
        "A status claim needs exactly one pk:value, a pk:Status."),
    "status claim with two values": (
        _add(CLAIM, PK.value, URIRef(SAMPLE_BASE + "id/status/proposed")), CLAIM,
        "A status claim needs exactly one pk:value, a pk:Status."),
    "status claim whose value is a topic": (
        lambda g: g.set((CLAIM, PK.value, URIRef(SAMPLE_BASE + "id/topic/cybersecurity"))),
        CLAIM, "A status claim needs exactly one pk:value, a pk:Status."),
    "status claim with a date": (
        _add(CLAIM, PK.dateValue, Literal("2023-01-16", datatype=XSD.date)), CLAIM,
        "A status claim has a status (pk:value), not a date (pk:dateValue)."),
    "entry into force as a month": (
        lambda g: g.set((ENTRY, PK.dateValue, Literal("2023-01", datatype=XSD.gYearMonth))),
        ENTRY, "An entry into force claim needs exactly one pk:dateValue, an xsd:date."),
    "status link to an entry into force claim": (
        _add(URIRef(SAMPLE_BASE + "id/initiative/nis2"), PK.statusClaim, ENTRY),
        URIRef(SAMPLE_BASE + "id/initiative/nis2"),
        "pk:statusClaim must point to a pk:StatusClaim."),
    "claim about nothing": (
        lambda g: g.remove((None, PK.statusClaim, CLAIM)), CLAIM,
        "A claim is about exactly one thing, the subject of its pk:statusClaim, "
        "pk:entryIntoForceClaim, pk:scheduleClaim or pk:postClaim link."),
    "claim about two things": (
        _add(URIRef(SAMPLE_BASE + "id/initiative/nis1"), PK.statusClaim, CLAIM), CLAIM,
        "A claim is about exactly one thing, the subject of its pk:statusClaim, "
        "pk:entryIntoForceClaim, pk:scheduleClaim or pk:postClaim link."),
    "claim that is also a statement": (
        _add(CLAIM, RDF.type, PK.Statement), CLAIM,
        "A claim cannot also be a statement, an initiative or an event (disjoint classes)."),
}


def test_the_sample_claims_conform() -> None:
    data = sample()
    assert (CLAIM, RDFS.label, None) in data
    assert validate(data)[0]
    assert conforms(run_checks(store_of(data), shape_checks(), SAMPLE_BASE))


@pytest.mark.parametrize("case", list(CASES))
def test_claim_shapes_reject(case: str) -> None:
    change, focus, message = CASES[case]
    data = sample()
    change(data)
    assert_rejected_by_both(data, focus, message, SAMPLE_BASE)


def test_nis2_across_the_bundled_and_fixture_releases(all_store) -> None:
    # The 2022 fixture release calls NIS2 a proposal, the bundled 2023 release says it
    # entered into force: both claims are kept, and the latest is the current view.
    from graph.query import run
    from queries import example

    _, store = all_store
    nis2 = f"{BASE}id/initiative/nis2-directive"
    history = [(r["status"].value, r["asOf"].value)
               for r in run(store, example("17-law-status-history").text, BASE)
               if r["initiative"].value == nis2]
    assert history == [("proposed", "2022-03-10"), ("in force", "2023-02-28")]
    latest = [(r["status"].value, r["asOf"].value)
              for r in run(store, example("16-law-status-latest").text, BASE)
              if r["initiative"].value == nis2]
    assert latest == [("in force", "2023-02-28")]
