"""Who speaks in the sentences of a results part: a speaker named by the title of its post
("The Commissioner noted …"), a speech act in the manner of a turn ("opened by presenting
…"), and a participle that qualifies a noun (", adopted by …"), which is no statement."""

from __future__ import annotations

from graph.extract import extract
from graph.source import SourceText

HEAD = ("May 3, 2025 Results of the 2nd Japan-Peru ICT Dialogue\n\n"
        "MIC held the 2nd Japan-Peru ICT Dialogue in Lima on May 2, 2025. The Japanese "
        "delegation was led by Mr. Ken Aoki, Vice-Minister for Policy Coordination, MIC, and "
        "the Peruvian delegation by Ms. Rosa Quispe, {post}.\n\n")


def said(body: str, lexicon, post: str = "Commissioner for Digital Affairs of Peru"):
    facts = extract(SourceText("s.txt", HEAD.format(post=post) + body + "\n"), lexicon)
    return [(s.speakers, s.act.split("/")[1], s.evidence.quote) for s in facts.statements]


def test_the_title_of_a_post_names_its_one_holder(lexicon):
    assert said("The Commissioner noted the progress. The Vice-Minister thanked Peru.",
                lexicon) == [
        (["person/rosa-quispe"], "noted", "The Commissioner noted the progress"),
        (["person/ken-aoki"], "thanked", "The Vice-Minister thanked Peru")]
    # two holders of the title: no one of them
    assert said("The Vice-Minister thanked Peru.", lexicon,
                post="Vice-Minister of Transport and Communications of Peru") == []


def test_an_ambassador_and_a_parliamentary_vice_minister_by_their_titles(lexicon):
    body = ("The Ambassador thanked MIC. The Vice-Minister welcomed the plan. He also "
            "proposed a study.")
    facts = extract(SourceText("s.txt", (
        "May 3, 2025 Results of the 2nd Japan-Peru ICT Dialogue\n\n"
        "On May 2, 2025, Parliamentary Vice-Minister for Internal Affairs and Communications "
        "AOKI Hiroshi held the 2nd Japan-Peru ICT Dialogue with H.E. Mr. Luis Rojas, "
        "Ambassador of the Republic of Peru to Japan, in Tokyo.\n\n" + body + "\n")), lexicon)
    assert [(s.speakers, s.act.split("/")[1]) for s in facts.statements] == [
        (["person/luis-rojas"], "thanked"), (["person/aoki-hiroshi"], "welcomed"),
        (["person/aoki-hiroshi"], "proposed")]
    assert [m.organisers for m in facts.meetings] == [["actor/mic", "actor/peru"]]


def test_quotes_are_the_quoted_persons_statements(lexicon):
    assert [(who, act) for who, act, _ in said(
        '"We will open our testbeds to Japanese firms," said Commissioner Quispe. '
        '"Costs remain high for small operators," stressed the Commissioner. '
        '"We welcome the fund," Vice-Minister Aoki noted. '
        'Ms. Quispe said that the market was growing. '
        'According to the Vice-Minister, the plan is sound. '
        '"The rollout is late," said the Commissioner. '
        '"Costs are high. We will cut them," said Ms. Quispe, Commissioner for Digital '
        'Affairs. "We hope to finish by 2027." '
        'In his remarks, Vice-Minister Aoki said that the fund was open. '
        '"The fund is open," Vice-Minister Aoki said, adding that it had grown.', lexicon)] == [
        (["person/rosa-quispe"], "committed"), (["person/rosa-quispe"], "emphasised"),
        (["person/ken-aoki"], "welcomed"), (["person/ken-aoki"], "noted"),
        (["person/rosa-quispe"], "voiced-opinion"), (["person/ken-aoki"], "voiced-opinion"),
        (["person/rosa-quispe"], "voiced-opinion"), (["person/rosa-quispe"], "committed"),
        (["person/rosa-quispe"], "expressed-expectation"), (["person/ken-aoki"], "voiced-opinion"),
        (["person/ken-aoki"], "voiced-opinion")]


def test_a_sentence_in_quotation_marks_is_no_name(lexicon):
    facts = extract(SourceText("s.txt", HEAD.format(post="Commissioner of Peru") + (
        '"We will open our testbeds to Japanese firms," said Commissioner Quispe. Peru '
        'explained its "Connected Andes" programme.\n')), lexicon)
    quoted = {e.label for e in facts.entities} & {
        "We will open our testbeds to Japanese firms,", "Connected Andes"}
    assert quoted == {"Connected Andes"}


def test_signing_is_its_own_act(lexicon):
    assert [(who, act) for who, act, _ in said(
        "Both sides signed a Memorandum of Cooperation on 5G and agreed to meet in 2026. "
        "A joint statement was signed by the two co-chairs.", lexicon)] == [
        (["actor/japan", "actor/peru"], "signed"), (["actor/japan", "actor/peru"], "agreed"),
        (["actor/japan", "actor/peru"], "signed")]


def test_a_turn_whose_manner_is_the_speech_act(lexicon):
    assert said("The Peruvian side opened by presenting its plan. It underlined the costs. "
                "Japan responded by explaining its fund.", lexicon) == [
        (["actor/peru"], "presented", "The Peruvian side opened by presenting its plan"),
        (["actor/peru"], "emphasised", "It underlined the costs"),
        (["actor/japan"], "explained", "Japan responded by explaining its fund")]


def test_a_participle_before_its_agent_qualifies_a_noun(lexicon):
    assert said("Peru described the Digital Peru Programme, adopted by the Congress of Peru "
                "in 2024.", lexicon) == [
        (["actor/peru"], "explained",
         "Peru described the Digital Peru Programme, adopted by the Congress of Peru in 2024")]


def test_an_aside_between_subject_and_verb_and_a_possessive_side(lexicon):
    assert [(who, act) for who, act, _ in said(
        "The Peruvian delegation, for its part, explained its plan. Ms. Quispe, on behalf of "
        "Peru, stressed the costs. Japan, in turn, welcomed it. Peru's delegation thanked "
        "Japan.", lexicon)] == [
        (["actor/peru"], "explained"), (["person/rosa-quispe"], "emphasised"),
        (["actor/japan"], "welcomed"), (["actor/peru"], "thanked")]
