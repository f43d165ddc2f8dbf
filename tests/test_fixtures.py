"""The fictitious fixture releases (tests/fixtures/releases, answer key in EXPECTED.md)
vary everything the genre varies; extraction must find the same kinds of facts in each,
from generic rules and the lexicon alone."""

from __future__ import annotations

import pytest

from graph.extract import extract
from graph.query import run
from graph.source import read_source

from .conftest import BASE, FIXTURES


@pytest.fixture(scope="module")
def facts(lexicon):
    def get(name: str):
        return extract(read_source(FIXTURES / name), lexicon)

    return get


def statements(f):
    return [(s.attribution, [x.split("/")[1] for x in s.speakers], s.act.split("/")[1])
            for s in f.statements]


def relations(f):
    return {(r.subject.split("/", 1)[1], r.predicate, (r.object or r.value).split("/")[-1])
            for r in f.relations}


def test_roman_numbering_web_conference_and_side_phrasing(facts):
    f = facts("fixture-roman-29.txt")
    (meeting,) = f.meetings
    assert (meeting.edition, meeting.date, meeting.place, meeting.mode) == (
        29, "2024-10-01", None, "online")
    assert meeting.organisers == ["actor/mic", "actor/dg-connect"]
    assert [a.topic for a in meeting.agenda] == [
        "topic/quantum-communication", "topic/ai", "topic/data-spaces", "topic/cybersecurity"]
    found = statements(f)
    assert len(found) == 13
    assert found[0] == ("The Japanese side", ["japan"], "introduced")
    assert found[1] == ("the Commission", ["european-commission"], "presented")
    assert found[3] == ("Both sides", ["japan", "eu"], "agreed")
    assert found[9] == ("The Japanese side and the EU side", ["japan", "eu"], "exchanged-views")
    assert [a for _, _, a in found[10:12]] == ["explained", "voiced-opinion"]
    assert found[12] == ("The EU side", ["eu"], "thanked")
    entities = {e.id: e for e in f.entities}
    act = entities["initiative/act-on-the-promotion-of-trusted-data-circulation"]
    assert (act.kinds, act.curated) == (["Law"], False)
    assert entities["initiative/data-act"].kinds == ["Law"]
    assert entities["initiative/quantum-network-testbed-fund"].kinds == ["Fund"]
    assert entities["initiative/quantum-skills-programme"].kinds == ["Project"]
    assert {("japan-eu-quantum-industry-forum-2025", "heldIn", "osaka"),
            ("japan-eu-quantum-industry-forum-2025", "scheduledFor", "2025-03")} <= relations(f)


def test_two_meetings_in_one_release(facts):
    f = facts("fixture-two-meetings.txt")
    first, second = f.meetings
    assert (first.label, first.date, first.place, first.mode) == (
        "30th Japan-EU ICT Policy Dialogue", "2024-06-11", "place/tokyo", "offline")
    assert first.organisers == ["actor/mic", "actor/dg-connect"]
    assert second.series == "series/japan-eu-digital-partnership-council-working-level-meeting"
    assert (second.edition, second.date, second.mode) == (4, "2024-06-12", "mixed")
    assert second.organisers == ["actor/digital-agency", "actor/european-commission"]
    assert [a.topic for a in first.agenda] == ["topic/5g-and-beyond-5g", "topic/cybersecurity"]
    assert [a.topic for a in second.agenda] == ["topic/digital-identity", "topic/semiconductors"]
    assert [s.meeting for s in f.statements] == [first.id] * 7 + [second.id] * 7
    rel = relations(f)
    assert {("orbit", "implementedBy", "nict"),
            ("network-integrity-directive", "enteredIntoForce", "2024-03-01"),
            ("network-integrity-directive", "status", "in-force"),
            ("european-cloud-assurance-regulation-proposal", "status", "proposed"),
            ("dg-connect", "unitOf", "european-commission"),
            ("international-strategy-unit", "unitOf", "digital-agency")} <= rel
    assert [c.organisation for c in f.contacts] == [
        "actor/international-policy-division", "actor/international-strategy-unit"]
    agreement = f.statements[11]
    assert agreement.act == "speech-act/expressed-agreement"
    assert f.statements[agreement.responds_to - 1].speakers == ["actor/eu"]


def test_minimal_release_with_acronym_project_summit_and_forum(facts):
    f = facts("fixture-minimal-31.txt")
    (meeting,) = f.meetings
    assert (meeting.edition, meeting.place, meeting.mode) == (31, "place/brussels", "offline")
    assert meeting.organisers == ["actor/mic", "actor/european-commission"]
    assert len(f.statements) == 4
    kinds = {e.id: e.kinds for e in f.entities if not e.curated}
    assert kinds["initiative/civic"] == ["Project"]
    assert kinds["initiative/online-safety-summit"] == ["Event"]
    assert kinds["initiative/global-platform-governance-forum"] == ["Event"]
    assert ("online-safety-summit-2024", "scheduledFor", "2024-11") in relations(f)


def test_html_release_main_content_only(facts):
    f = facts("fixture-html-27.html")
    assert (f.title, f.published) == ("Results of 27th Japan-EU ICT Policy Dialogue",
                                      "2022-03-10")
    assert "Webmaster" not in f.text and "Related releases" not in f.text
    (meeting,) = f.meetings
    assert (meeting.edition, meeting.place, meeting.mode) == (27, "place/kyoto", "mixed")
    assert meeting.organisers == ["actor/mic", "actor/dg-connect"]
    assert len(f.statements) == 10
    assert f.statements[3].act == "speech-act/pointed-out"  # the <strong> did not split it
    rel = relations(f)
    assert {("warden", "implementedBy", "information-technology-promotion-agency"),
            ("nis2-directive", "status", "proposed"),
            ("eu-japan-photonics-summit-2022", "heldIn", "lisbon"),
            ("eu-japan-photonics-summit-2022", "scheduledFor", "2022-01")} <= rel
    assert "initiative/digital-policy-forum-2022" not in {e.id for e in f.entities}


def test_every_fixture_statement_has_exact_evidence(facts):
    for path in sorted(FIXTURES.glob("fixture-*")):
        if path.suffix == ".yaml":
            continue
        f = facts(path.name)
        for s in f.statements:
            assert f.text[s.evidence.start:s.evidence.end] == s.evidence.quote
            assert s.topics and s.speakers and s.meeting
        for m in f.mentions:
            assert f.text[m.evidence.start:m.evidence.end] == m.evidence.quote


def test_releases_built_together_share_iris(all_store):
    built, store = all_store
    assert len(built.releases) == 5
    graphs = [r["g"].value for r in run(
        store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?r a pk:Release } }", BASE)]
    assert len(graphs) == 5
    # DG CONNECT is written three ways in three releases, and is one IRI organising three
    rows = run(store, "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { "
                      "?m <https://schema.org/organizer> <id/actor/dg-connect> }", BASE)
    assert next(iter(rows))["n"].value == "4"
    # discovered entities carry their evidence and are marked as such
    rows = run(store, "ASK { ?e pk:curation pk:Discovered . FILTER NOT EXISTS "
                      "{ ?e pk:evidence ?ev } }", BASE)
    assert bool(rows) is False
