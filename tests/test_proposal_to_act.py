"""A proposal and the act it became (issue #16): one IRI per stage, pk:LegislativeProposal
and pk:Law disjoint, the link pk:adoptedAs curated in graph/lexicon/initiatives.yaml.

The bundled release (2023: "the proposed Cyber Resilience Act"), a fictitious Japan-EU
release of 2025 ("the Cyber Resilience Act, which entered into force on December 10, 2024";
tests/fixtures/stages/) and the two fictitious Japan-New Zealand releases (a "proposed …
Act" in 2023, the act in force in 2025) are built together with `policykg build` and
queried with `policykg query`; pages come from `policykg serve`. One name, two stages: the
name is the proposal's up to the day the act was adopted (`adopted_on` in
graph/lexicon/initiatives.yaml), the act's from then on.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
import requests
import yaml
from rdflib import RDF, Graph, URIRef

from graph.lexicon import load_lexicon
from graph.source import bundled_releases

from .conftest import BASE, policykg_command, serving
from .test_dated_claims import DATED, Run, built, rows, thing
from .test_ontology import PK, owl_rl_errors
from .test_shacl_sparql import assert_rejected_by_both

PROPOSAL = URIRef(thing("initiative", "cyber-resilience-act-proposal"))
ACT = URIRef(thing("initiative", "cyber-resilience-act"))
ELI = "http://data.europa.eu/eli/reg/2024/2847/oj"
TELECOM_PROPOSAL = URIRef(thing("initiative", "telecommunications-resilience-act-proposal"))
STAGES = Path(__file__).resolve().parent / "fixtures" / "stages"
CRA_2025 = STAGES / "jp-eu-ict-dialogue-2025.txt"
RELEASE_2023 = thing("release", "2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue")
RELEASE_2025 = thing("release", "2025-03-12-results-of-the-32nd-japan-eu-ict-policy-dialogue")


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("stages")


@pytest.fixture(scope="module")
def policykg(home: Path) -> Run:
    return built(home, *bundled_releases(), CRA_2025, DATED / "jp-nz-digital-dialogue-2023.txt",
                 DATED / "jp-nz-digital-dialogue-2025.txt")


@pytest.fixture(scope="module")
def data(policykg: Run) -> Graph:
    """The stages as the store has them, without their claims and evidence (pySHACL over
    the whole store takes minutes; the build has checked it all with our checks)."""
    dumped = policykg("query", f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        VALUES ?s {{ <{PROPOSAL}> <{ACT}> <{TELECOM_PROPOSAL}> }} ?s ?p ?o
        FILTER (?p NOT IN (pk:statusClaim, pk:entryIntoForceClaim, pk:evidence)) }}""",
                      "--format", "nt")
    return Graph().parse(data=dumped.stdout, format="nt")


def test_the_latest_status_of_the_proposal_shows_the_act_it_became(policykg: Run) -> None:
    (row,) = [r for r in rows(policykg, "16-law-status-latest")
              if r["initiative"] == str(PROPOSAL)]
    assert (row["status"], row["asOf"]) == ("proposed", "2023-02-28")
    assert (row["adoptedAs"], row["adoptedAsLabel"]) == (str(ACT), "Cyber Resilience Act")
    # what the 2023 release said of the proposal stays as it was said
    assert "Cyber Resilience Act" in row["quote"]
    others = [r for r in rows(policykg, "16-law-status-latest") if r["initiative"] != str(PROPOSAL)]
    assert others and not any("adoptedAs" in r for r in others)


def test_the_history_shows_the_act_too(policykg: Run) -> None:
    found = {(r["initiative"], r.get("adoptedAs"))
             for r in rows(policykg, "17-law-status-history")
             if r["label"].startswith("Cyber Resilience Act")}
    assert found == {(str(PROPOSAL), str(ACT)), (str(ACT), None)}


# --------------------------------------------------------------------------------------
# One name, two stages: "Cyber Resilience Act" in 2023 and in 2025
# --------------------------------------------------------------------------------------

def test_each_release_claims_the_status_of_the_stage_of_its_date(policykg: Run) -> None:
    # The 2023 "proposed" sits on the proposal, the 2025 "entered into force" on the act
    # (before, both went to the proposal, and the shapes refused the build).
    found = rows(policykg, """PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?thing ?status ?asOf ?release WHERE {
          ?thing rdfs:label ?label ; pk:statusClaim ?c .
          ?c pk:value/skos:prefLabel ?status ; pk:asOf ?asOf ; prov:wasDerivedFrom ?release
          FILTER (STRSTARTS(?label, "Cyber Resilience Act")) } ORDER BY ?asOf""")
    assert [(r["thing"], r["status"], r["asOf"], r["release"]) for r in found] == [
        (str(PROPOSAL), "proposed", "2023-02-28", RELEASE_2023),
        (str(ACT), "in force", "2025-03-12", RELEASE_2025)]
    (entry,) = rows(policykg, f"""SELECT ?date WHERE {{
        <{ACT}> pk:entryIntoForceClaim/pk:dateValue ?date }}""")
    assert entry == {"date": "2024-12-10"}
    (answer,) = rows(policykg, f"ASK {{ <{PROPOSAL}> pk:entryIntoForceClaim ?c }}")
    assert answer == {"boolean": "false"}


def test_the_status_queries_give_each_stage_with_date_and_source_latest_first(
        policykg: Run) -> None:
    latest = [(r["initiative"], r["status"], r["asOf"], r["source"])
              for r in rows(policykg, "16-law-status-latest")]
    act = (str(ACT), "in force", "2025-03-12",
           "https://example.org/policykg/stages/jp-eu-ict-dialogue-2025.html")
    proposal = (str(PROPOSAL), "proposed", "2023-02-28",
                yaml.safe_load(Path(bundled_releases()[0]).with_suffix(".meta.yaml")
                               .read_text(encoding="utf-8"))["source_url"])
    assert act in latest and proposal in latest
    assert latest.index(act) < latest.index(proposal)
    assert [r[2] for r in latest] == sorted((r[2] for r in latest), reverse=True)
    # The history (by thing, then date): every claim of each stage, with its release.
    history = {(r["initiative"], r["status"], r["asOf"], r["release"])
               for r in rows(policykg, "17-law-status-history")
               if r["label"].startswith("Cyber Resilience Act")}
    assert history == {(str(PROPOSAL), "proposed", "2023-02-28", RELEASE_2023),
                       (str(ACT), "in force", "2025-03-12", RELEASE_2025)}


def _extracted(text: str, tmp_path: Path) -> dict:
    """`policykg extract` of the 2025 fixture with its text replaced by `text`."""
    release = tmp_path / CRA_2025.name
    release.write_text(text, encoding="utf-8")
    release.with_suffix(".meta.yaml").write_bytes(CRA_2025.with_suffix(".meta.yaml").read_bytes())
    done = subprocess.run([*policykg_command(), "extract", str(release)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_after_the_adoption_a_proposed_act_is_still_the_proposal(tmp_path: Path) -> None:
    # Text-aware as well as date-aware: "the proposed Cyber Resilience Act" in 2025 is what
    # the text says it is, the proposal.
    text = CRA_2025.read_text(encoding="utf-8")
    facts = _extracted(text.replace(
        "the Cyber Resilience Act, which entered into force on December 10, 2024,",
        "the proposed Cyber Resilience Act"), tmp_path)
    ids = {e["id"] for e in facts["entities"]}
    assert "initiative/cyber-resilience-act-proposal" in ids
    assert "initiative/cyber-resilience-act" not in ids
    facts = _extracted(text, tmp_path)
    assert {"initiative/cyber-resilience-act"} <= {e["id"] for e in facts["entities"]}
    assert "initiative/cyber-resilience-act-proposal" not in {e["id"] for e in facts["entities"]}


def test_each_stage_is_a_resource_of_its_own(policykg: Run) -> None:
    found = rows(policykg, f"""PREFIX eli: <http://data.europa.eu/eli/ontology#>
        SELECT DISTINCT ?kind ?celex ?same WHERE {{
          VALUES ?stage {{ <{PROPOSAL}> <{ACT}> }}
          ?stage a ?class . ?class rdfs:label ?kind .
          OPTIONAL {{ ?stage eli:id_local ?celex }} OPTIONAL {{ ?stage schema:sameAs ?same }}
          FILTER (?class IN (pk:Law, pk:LegislativeProposal)) }} ORDER BY ?kind""")
    assert found == [{"kind": "law", "celex": "32024R2847", "same": ELI},
                     {"kind": "legislative proposal", "celex": "52022PC0454"}]
    (answer,) = rows(policykg, "ASK { ?x a pk:Law , pk:LegislativeProposal }")
    assert answer == {"boolean": "false"}


def test_a_discovered_proposal_and_the_act_of_a_later_release_are_two_things(
        policykg: Run) -> None:
    found = rows(policykg, """SELECT DISTINCT ?thing ?kind WHERE {
        ?thing rdfs:label "Telecommunications Resilience Act"@en ; a ?class .
        ?class rdfs:label ?kind } ORDER BY ?thing""")
    assert found == [
        {"thing": thing("initiative", "telecommunications-resilience-act"), "kind": "law"},
        {"thing": thing("initiative", "telecommunications-resilience-act-proposal"),
         "kind": "legislative proposal"}]
    # no release says the one became the other: no link is made up
    (answer,) = rows(policykg, f"""ASK {{ ?p pk:adoptedAs ?a . FILTER (?p != <{PROPOSAL}>) }}""")
    assert answer == {"boolean": "false"}


def test_the_stages_are_consistent_under_owl_rl_and_a_merged_one_is_not(
        policykg: Run) -> None:
    dumped = policykg("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "--format", "nt")
    graph = Graph().parse(data=dumped.stdout, format="nt")
    assert (PROPOSAL, PK.adoptedAs, ACT) in graph
    assert owl_rl_errors(graph) == []
    graph.add((ACT, RDF.type, PK.LegislativeProposal))
    assert owl_rl_errors(graph)


def test_pages_show_the_link_both_ways(policykg: Run, home: Path, tmp_path: Path) -> None:
    with serving(home / "data" / "policykg" / "store", tmp_path) as endpoint:
        site = endpoint.url.removesuffix("/sparql")
        proposal, act = (requests.get(f"{site}/id/initiative/{slug}", timeout=10,
                                      headers={"Accept": "text/html"})
                         for slug in ("cyber-resilience-act-proposal", "cyber-resilience-act"))
    assert proposal.status_code == act.status_code == 200
    assert "adopted as" in proposal.text and "initiative/cyber-resilience-act\"" in proposal.text
    assert "adopted as" in act.text and "initiative/cyber-resilience-act-proposal" in act.text
    assert ELI in act.text


# --------------------------------------------------------------------------------------
# Shapes: each wrong triple is refused, by pySHACL and by our SPARQL checks alike
# --------------------------------------------------------------------------------------

def _copy(data: Graph) -> Graph:
    wrong = Graph()
    for triple in data:
        wrong.add(triple)
    return wrong


@pytest.mark.parametrize(("case", "triple", "focus", "message"), [
    ("a law that is also a proposal", (ACT, RDF.type, PK.LegislativeProposal), ACT,
     "A law cannot also be a legislative proposal (disjoint classes): each stage has its "
     "own IRI, linked by pk:adoptedAs."),
    ("a law adopted as an act", (ACT, PK.adoptedAs, ACT), ACT,
     "Only a pk:LegislativeProposal is adopted as an act (pk:adoptedAs)."),
    ("a proposal adopted as a proposal", (PROPOSAL, PK.adoptedAs, TELECOM_PROPOSAL),
     PROPOSAL, "A proposal is adopted as at most one act (pk:adoptedAs), a pk:Law."),
])
def test_stage_shapes_reject(case: str, triple: tuple, focus: URIRef, message: str,
                             data: Graph) -> None:
    wrong = _copy(data)
    wrong.add(triple)
    assert_rejected_by_both(wrong, focus, message, BASE)


@pytest.mark.parametrize(("day", "stage"), [
    ("2023-02-28", "cyber-resilience-act-proposal"),
    ("2024-10-22", "cyber-resilience-act-proposal"),
    ("2024-10-23", "cyber-resilience-act"),  # the day the act was adopted
    ("2025-03-12", "cyber-resilience-act"),
])
def test_the_name_means_the_stage_of_the_release_date(day: str, stage: str) -> None:
    lexicon = load_lexicon()
    named = lexicon.lookup("Cyber Resilience Act")
    assert named is not None and named.key == "cyber-resilience-act-proposal"
    assert lexicon.stage(named, dt.date.fromisoformat(day)).key == stage
    act = lexicon.get("initiative", "cyber-resilience-act")
    assert lexicon.stage(act, dt.date.fromisoformat(day)) is act  # an act has one stage
