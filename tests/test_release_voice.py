"""The release's own voice (issue #16, item 8): what the release says for itself (a summary,
what comes next, a reference part) is its publisher's, as release text, not a speech act
of the parties at the meeting.

The bundled release and the fictitious releases of tests/fixtures/voice/ (each closing in
its own way) are built with `policykg build` and queried with `policykg query`, as users
do; the shapes are checked on the sample instances by pySHACL and by our SPARQL checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import PROV, RDF, RDFS, Literal, URIRef

from graph.source import bundled_releases

from .test_dated_claims import Run, built, rows, thing
from .test_ontology import BASE as SAMPLE_BASE
from .test_ontology import PK, sample, validate
from .test_shacl_sparql import assert_rejected_by_both

VOICE = Path(__file__).resolve().parent / "fixtures" / "voice"
BUNDLED = "2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"
MIC, JAPAN = thing("actor", "mic"), thing("actor", "japan")

# Every statement: its classes, speakers, meeting, attribution as written, mentions.
STATEMENTS = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?statement ?content ?quote ?release
       (GROUP_CONCAT(DISTINCT STR(?speaker); SEPARATOR=" ") AS ?speakers)
       (GROUP_CONCAT(DISTINCT STR(?mention); SEPARATOR=" ") AS ?mentions)
       (SAMPLE(?meeting) AS ?madeAt) (SAMPLE(?written) AS ?attribution)
       (SAMPLE(?voice) AS ?releaseVoice)
WHERE {
  ?statement a pk:Statement ; pk:content ?content ; pk:statedBy ?speaker ;
             prov:wasDerivedFrom ?release ; pk:evidence/oa:hasSelector/oa:exact ?quote .
  OPTIONAL { ?statement pk:madeAt ?meeting }
  OPTIONAL { ?statement pk:attributionText ?written }
  OPTIONAL { ?statement pk:mentions ?mention }
  BIND (EXISTS { ?statement a pk:ReleaseStatement } AS ?voice)
} GROUP BY ?statement ?content ?quote ?release
"""


@pytest.fixture(scope="module")
def policykg(tmp_path_factory) -> Run:
    return built(tmp_path_factory.mktemp("voice"), *bundled_releases(),
                 *sorted(VOICE.glob("*.txt")))


@pytest.fixture(scope="module")
def statements(policykg: Run) -> list[dict[str, str]]:
    return rows(policykg, STATEMENTS)


def said(statements: list[dict[str, str]], words: str, release: str | None = None,
         ) -> list[dict[str, str]]:
    return [s for s in statements if words in s["quote"]
            and (release is None or s["release"].endswith(release))]


def test_the_bundled_releases_closing_sentence_is_mics_release_text(statements) -> None:
    (st,) = said(statements, "will advance efforts to further deepen cooperation", BUNDLED)
    assert st["releaseVoice"] == "true"
    assert st["speakers"] == MIC  # the publisher, not Japan and the EU
    assert "madeAt" not in st and "attribution" not in st
    assert set(st["mentions"].split()) == {JAPAN, thing("actor", "eu")}
    assert st["content"].startswith("Japan and the EU will advance efforts")


def test_the_sides_statements_in_the_bundled_release_stay_theirs(statements) -> None:
    bundled = [s for s in statements if s["release"].endswith(BUNDLED)]
    assert [s["content"] for s in bundled if s["releaseVoice"] == "true"] == [
        "Japan and the EU will advance efforts to further deepen cooperation and make it "
        "more concrete"]
    at_meeting = [s for s in bundled if s["releaseVoice"] == "false"]
    assert len(at_meeting) == 25
    assert all(s.get("madeAt") == thing("meeting", "japan-eu-ict-policy-dialogue-28")
               and MIC not in s["speakers"].split() for s in at_meeting)


@pytest.mark.parametrize(("release", "words", "mentions"), [
    # "Based on the results …," then the two sides as subject, after the results
    ("2025-07-03-results-of-the-2nd-japan-portugal-digital-policy-dialogue",
     "Japan and Portugal will advance joint work", {JAPAN, thing("actor", "portugal")}),
    # the publisher itself as subject of a future
    ("2024-11-14-results-of-the-3rd-japan-finland-ict-policy-dialogue",
     "MIC will continue to work with Finland", {thing("actor", "finland")}),
    # under "(Reference)": an earlier dialogue's agreement is background, not this meeting's
    ("2024-11-14-results-of-the-3rd-japan-finland-ict-policy-dialogue",
     "both sides agreed to launch a joint study", set()),
    # a summary in the introduction of a release whose results follow
    ("2025-09-09-results-of-the-4th-japan-korea-digital-policy-dialogue",
     "Japan and the Republic of Korea will strengthen cooperation",
     {JAPAN, thing("actor", "republic-of-korea"), thing("topic", "ai")}),
])
def test_closings_of_every_style_are_the_publishers(statements, release: str, words: str,
                                                     mentions: set[str]) -> None:
    (st,) = said(statements, words, release)
    assert (st["releaseVoice"], st["speakers"]) == ("true", MIC)
    assert "madeAt" not in st and "attribution" not in st
    assert set(st.get("mentions", "").split()) == mentions


@pytest.mark.parametrize(("release", "words", "speakers"), [
    # the sides' own future, within the results
    ("2025-07-03-results-of-the-2nd-japan-portugal-digital-policy-dialogue",
     "The two sides will hold the next dialogue in Tokyo", {JAPAN, thing("actor", "portugal")}),
    ("2025-09-09-results-of-the-4th-japan-korea-digital-policy-dialogue",
     "both sides will continue to exchange information",
     {JAPAN, thing("actor", "republic-of-korea")}),
    ("2024-11-14-results-of-the-3rd-japan-finland-ict-policy-dialogue",
     "the Finnish side will share its threat assessment", {thing("actor", "finland")}),
    # the publisher speaking as a side, in the past tense
    ("2024-11-14-results-of-the-3rd-japan-finland-ict-policy-dialogue",
     "MIC explained the Beyond 5G Promotion Strategy", {MIC}),
])
def test_the_sides_words_at_the_meeting_stay_theirs(statements, release: str, words: str,
                                                     speakers: set[str]) -> None:
    (st,) = said(statements, words, release)
    assert st["releaseVoice"] == "false"
    assert set(st["speakers"].split()) == speakers
    assert st["madeAt"].startswith(thing("meeting", ""))
    assert st["attribution"]


def test_a_reference_part_is_no_agenda_topic(policykg: Run) -> None:
    topics = rows(policykg, """SELECT ?topic WHERE {
        <id/meeting/japan-finland-ict-policy-dialogue-3> pk:agendaItem ?item .
        ?item pk:topic ?topic ; pk:position ?n } ORDER BY ?n""")
    assert [r["topic"] for r in topics] == [thing("topic", "beyond-5g"),
                                             thing("topic", "cybersecurity")]


def test_without_a_publisher_the_releases_own_words_are_nobodys(statements) -> None:
    # Written as kr-intro-summary (the next year's dialogue); its metadata names no publisher.
    release = "2026-10-02-results-of-the-5th-japan-korea-digital-policy-dialogue"
    assert said(statements, "will strengthen cooperation on trustworthy AI", release) == []
    assert all(s["releaseVoice"] == "false" for s in statements
               if release in s["release"])
    assert said(statements, "both sides will continue to exchange information", release)


# --------------------------------------------------------------------------------------
# Shapes: a release statement is the publisher's, at no meeting, with no speaker written
# --------------------------------------------------------------------------------------

RELEASE = URIRef(SAMPLE_BASE + "id/release/sample")
VOICED = URIRef(SAMPLE_BASE + "id/statement/sample-99")
SPAN = URIRef(SAMPLE_BASE + "id/evidence/sample-101-225")


def with_release_statement():
    """The sample instances and a conforming release statement of the sample release."""
    data = sample()
    assert (RELEASE, URIRef("http://purl.org/dc/terms/publisher"),
            URIRef(SAMPLE_BASE + "id/actor/mic")) in data
    for triple in [(VOICED, RDF.type, PK.Statement), (VOICED, RDF.type, PK.ReleaseStatement),
                   (VOICED, RDFS.label, Literal("MIC (release text) explained: …", lang="en")),
                   (VOICED, PK.statedBy, URIRef(SAMPLE_BASE + "id/actor/mic")),
                   (VOICED, PK.speechAct, URIRef(SAMPLE_BASE + "id/speech-act/explained")),
                   (VOICED, PK.content, Literal("Japan and the EU will advance …", lang="en")),
                   (VOICED, PK.evidence, SPAN), (VOICED, PROV.wasDerivedFrom, RELEASE)]:
        data.add(triple)
    return data


def test_the_sample_release_statement_conforms() -> None:
    conforming, results = validate(with_release_statement())
    assert conforming, results


CASES = {
    "release statement made at a meeting": (
        (VOICED, PK.madeAt, URIRef(SAMPLE_BASE + "id/meeting/japan-eu-ict-policy-dialogue-28")),
        "A release statement is the release's text, made at no meeting (no pk:madeAt)."),
    "release statement with a speaker as written": (
        (VOICED, PK.attributionText, Literal("Japan and the EU", lang="en")),
        "A release statement names no speaker as written (no pk:attributionText): the "
        "release speaks."),
    "release statement by a party": (
        (VOICED, PK.statedBy, URIRef(SAMPLE_BASE + "id/actor/japan")),
        "A release statement is stated by the publisher (dcterms:publisher) of the release "
        "it is derived from."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_release_statement_shapes_reject(case: str) -> None:
    triple, message = CASES[case]
    data = with_release_statement()
    data.add(triple)
    assert_rejected_by_both(data, VOICED, message, SAMPLE_BASE)


def test_a_release_statement_by_someone_else_than_the_publisher_is_rejected() -> None:
    data = with_release_statement()
    data.set((VOICED, PK.statedBy, URIRef(SAMPLE_BASE + "id/actor/eu")))
    assert_rejected_by_both(
        data, VOICED, "A release statement is stated by the publisher (dcterms:publisher) "
        "of the release it is derived from.", SAMPLE_BASE)
