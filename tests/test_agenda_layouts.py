"""Agenda layouts of the genre: which headings and lists are the topics of a meeting, and
which are not (groups of sub-topics, background, attachments, a table's cells)."""

from __future__ import annotations

import pytest

from graph.extract import extract
from graph.extract.agenda import inline_agenda
from graph.source import SourceText, read_source

HEAD = ("May 3, 2024 Results of the Example Dialogue\n\n"
        "On 2 May 2024, MIC held the 4th Japan-Peru Example Dialogue in Lima. ")


def agenda(text: str, lexicon) -> list[str]:
    facts = extract(SourceText("mem.txt", text), lexicon)
    return [a.topic.split("/", 1)[1] for m in facts.meetings for a in m.agenda]


def test_an_inline_list_is_the_agenda_even_with_a_reference_heading(lexicon):
    text = (HEAD + "The two sides discussed (1) digital government, (2) spectrum policy and "
            "(3) rural broadband.\n\nThe Japanese side explained its plans.\n\n"
            "Reference\n\nThe Example Dialogue started in 2019.\n")
    assert agenda(text, lexicon) == ["digital-government", "spectrum-policy", "rural-broadband"]


def test_a_session_over_numbered_items_groups_them(lexicon):
    text = (HEAD + "\n\nSession 1: Connectivity\n\n(1) Submarine cables\n\n"
            "The Japanese side explained its plans.\n\n(2) Rural broadband\n\n"
            "The Peruvian side explained its plans.\n\nSession 2: Data\n\n"
            "(1) Data flows\n\nBoth sides agreed to cooperate.\n")
    assert agenda(text, lexicon) == ["submarine-cables", "rural-broadband", "data-flows"]


def test_a_release_without_agenda_gets_none_from_its_appendices(lexicon):
    text = (HEAD + "\n\nThe Japanese side explained its plans. Both sides agreed to "
            "cooperate.\n\nAttachments\n\nProgramme of the meeting (PDF, 120 KB)\n\n"
            "Photos of the meeting\n\nContact\n\nMIC\n")
    assert agenda(text, lexicon) == []


def test_theme_headings_are_the_topics(lexicon):
    text = (HEAD + "\n\nTheme A: Gigabit networks\n\nThe Japanese side explained its plans."
            "\n\nTheme B: Online platforms\n\nThe Peruvian side explained its rules.\n")
    assert agenda(text, lexicon) == ["gigabit-networks", "online-platforms"]


def test_a_series_named_with_an_adjective_has_both_parties(lexicon):
    text = ("May 3, 2024 Results of the Talks\n\nOn 2 May 2024, MIC held the 2nd "
            "Japan-Czech Digital Policy Talks in Tokyo.\n\nBoth sides agreed to cooperate.\n")
    facts = extract(SourceText("mem.txt", text), lexicon)
    assert facts.statements[0].speakers == ["actor/japan", "actor/czechia"]


TOPICS = ["digital infrastructure", "cybersecurity", "artificial intelligence"]


@pytest.mark.parametrize("sentence", [
    "The meeting addressed three themes: digital infrastructure; cybersecurity; and "
    "artificial intelligence.",
    "The agenda covered digital infrastructure, cybersecurity and artificial intelligence.",
    "Discussions focused on three areas: digital infrastructure, cybersecurity and "
    "artificial intelligence.",
    "Topics discussed included digital infrastructure, cybersecurity and artificial "
    "intelligence.",
    "The dialogue covered (i) digital infrastructure, (ii) cybersecurity, and (iii) "
    "artificial intelligence.",
    "The agenda covered: (a) digital infrastructure; (b) cybersecurity; and (c) artificial "
    "intelligence.",
    "The agenda comprised: (a) digital infrastructure; (b) cybersecurity; and (c) artificial "
    "intelligence.",
    "The agenda covered: A) digital infrastructure; B) cybersecurity; and C) artificial "
    "intelligence.",
    "The sides discussed the following items: (a) digital infrastructure; (b) cybersecurity; "
    "and (c) artificial intelligence.",
    "The sides discussed a wide range of issues, including digital infrastructure, "
    "cybersecurity and artificial intelligence.",
])
def test_inline_agenda_leads(sentence, lexicon):
    spans = inline_agenda(sentence, 0, len(sentence), lexicon.genre)
    assert [sentence[s:e] for s, e in spans] == TOPICS


def test_a_plain_list_after_discussed_is_an_agenda_only_where_the_meeting_is_reported(lexicon):
    sentence = ("The two sides discussed digital infrastructure, cybersecurity and artificial "
                "intelligence.")
    assert inline_agenda(sentence, 0, len(sentence), lexicon.genre) == []
    spans = inline_agenda(sentence, 0, len(sentence), lexicon.genre, intro=True)
    assert [sentence[s:e] for s, e in spans] == TOPICS


def test_no_list_of_clauses_and_no_topic_from_a_date_or_an_actor(lexicon):
    sentence = ("Main points: the Japanese side explained its new rules for the allocation of "
                "spectrum to operators in rural areas, and the Peruvian side agreed.")
    assert inline_agenda(sentence, 0, len(sentence), lexicon.genre) == []
    text = (HEAD + "\n\nOn 3 May, the two sides visited a data centre. On Thursday afternoon, "
            "the Peruvian side explained its plan. Concerning MIC, the Peruvian side thanked "
            "it.\n")
    assert agenda(text, lexicon) == []


def test_people_on_lines_of_their_own_are_people_not_topics(lexicon):
    text = (HEAD + "\n\nMr. Daisuke Kurosawa\nVice-Minister for Policy Coordination, MIC\n\n"
            "The two sides exchanged views on data. As for the next meeting, both sides "
            "agreed to hold it in Tokyo.\n")
    facts = extract(SourceText("mem.txt", text), lexicon)
    assert [a.topic for m in facts.meetings for a in m.agenda] == []
    posts = {(r.subject, r.predicate, r.object or r.value) for r in facts.relations}
    assert {("person/daisuke-kurosawa", "jobTitle", "Vice-Minister for Policy Coordination"),
            ("person/daisuke-kurosawa", "memberOf", "actor/mic")} <= posts


def test_an_agenda_table_lists_the_topics_once(tmp_path, lexicon):
    page = tmp_path / "r.html"
    page.write_text(
        "<html><body><main><h1>Results of the Example Dialogue</h1><p>May 3, 2024</p>"
        "<p>On 2 May 2024, MIC held the 4th Japan-Peru Example Dialogue in Lima.</p>"
        "<h2>Agenda</h2><table><tr><th>Session</th><th>Theme</th></tr>"
        "<tr><td>1</td><td>Spectrum management</td></tr>"
        "<tr><td>2</td><td>Start-up ecosystems</td></tr></table>"
        "<h2>Results</h2><p>On spectrum management, Japan explained its plan.</p>"
        "<p>Regarding start-up ecosystems, the Peruvian side explained its fund.</p>"
        "<h2>Schedule</h2><table><tr><td>2 May</td><td>Plenary session</td></tr></table>"
        "</main></body></html>", encoding="utf-8")
    facts = extract(read_source(page), lexicon)
    assert [a.topic for m in facts.meetings for a in m.agenda] == [
        "topic/spectrum-management", "topic/start-up-ecosystems"]
    assert [s.topics for s in facts.statements] == [
        ["topic/spectrum-management"], ["topic/start-up-ecosystems"]]


def test_posts_as_titles_and_dated_names(lexicon):
    text = ("May 3, 2024 Results of the Dialogue\n\nOn 2 May 2024, MIC held the 1st "
            "Japan-Slovenia Digital Dialogue online. It was co-chaired by Vice-Minister Haruka "
            "Nishikawa of MIC and State Secretary Žiga Kovačič.\n\nThe Slovenian side described "
            "the Digital Slovenia 2030 strategy. The Japanese side explained its plans for "
            "Fiscal Year 2025 and for the Smart Islands Connect 2041.\n")
    facts = extract(SourceText("mem.txt", text), lexicon)
    labels = {e.id: e.label for e in facts.entities}
    assert labels["person/haruka-nishikawa"] == "Haruka Nishikawa"
    assert labels["person/ziga-kovacic"] == "Žiga Kovačič"
    assert {"Digital Slovenia 2030", "Smart Islands Connect 2041"} <= set(labels.values())
    assert not any("Fiscal" in label for label in labels.values())
    posts = {(r.subject, r.predicate, r.object or r.value) for r in facts.relations}
    assert {("person/haruka-nishikawa", "jobTitle", "Vice-Minister"),
            ("person/haruka-nishikawa", "memberOf", "actor/mic"),
            ("person/ziga-kovacic", "jobTitle", "State Secretary")} <= posts


def test_an_agenda_list_then_paragraphs_led_by_its_topics(tmp_path, lexicon):
    page = tmp_path / "r.html"
    page.write_text(
        "<html><body><main><h1>Results of the Example Dialogue</h1><p>May 3, 2024</p>"
        "<p>On 2 May 2024, MIC held the 4th Japan-Peru Example Dialogue in Lima.</p>"
        "<ol><li>Spectrum management</li><li>Start-up ecosystems</li></ol>"
        "<p>Regarding spectrum management, Japan explained its plan. On start-up ecosystems, "
        "the Peruvian side explained its fund.</p></main></body></html>", encoding="utf-8")
    facts = extract(read_source(page), lexicon)
    assert [s.topics for s in facts.statements] == [
        ["topic/spectrum-management"], ["topic/start-up-ecosystems"]]


def test_under_a_listed_agenda_a_paragraph_falls_under_the_topic_its_words_name(lexicon):
    text = (HEAD + "The two sides held discussions on topics including IoT security, data "
            "free flow with trust and quantum-safe communications.\n\n"
            "The Peruvian side explained its rules for consumer IoT devices. Both sides "
            "agreed to share information.\n\n"
            "The Japanese side presented its pilot on cross-border data flows.\n\n"
            "The Peruvian side described its research on post-quantum cryptography.\n\n"
            "The two sides confirmed that the next meeting would be held in Tokyo.\n")
    facts = extract(SourceText("mem.txt", text), lexicon)
    assert [s.topics for s in facts.statements] == [
        [], ["topic/iot-security"], ["topic/iot-security"],
        ["topic/data-free-flow-with-trust"], ["topic/quantum-safe-communications"], []]


def test_a_paragraph_under_item_b_falls_under_the_lists_item_b(lexicon):
    text = (HEAD + "The agenda covered: (a) digital infrastructure; (b) cybersecurity; and (c) "
            "artificial intelligence.\n\n"
            "Under item (c), the Peruvian side explained its rules for chatbots. MIC presented "
            "its guidelines.\n\n"
            "Under item (a), the Japanese side described its plan for submarine cables.\n\n"
            "Under item B, both sides agreed to share information.\n")
    facts = extract(SourceText("mem.txt", text), lexicon)
    assert [s.topics for s in facts.statements] == [
        ["topic/ai"], ["topic/ai"], ["topic/digital-infrastructure"], ["topic/cybersecurity"]]


@pytest.mark.parametrize("body", [
    "[Overview]\n\nBoth sides agreed to cooperate.\n\n[Participants]\n\nMr. Taro Sato, "
    "Vice-Minister, MIC\n",
    "【Outline of the meeting】\nBoth sides agreed to cooperate.\n",
    "Both sides agreed to cooperate.\n\nPhotograph of the meeting\n\nFrom left: Mr. Juan "
    "Pérez, Mr. Taro Sato\n",
    "Both sides agreed to cooperate.\n\nFuture schedule\n\nThe next meeting is planned for "
    "2026.\n",
    "Joint Statement on Digital Cooperation\n\nBoth sides agreed to cooperate.\n",
])
def test_bracketed_labels_and_photo_captions_are_no_topics(body, lexicon):
    assert agenda(HEAD + "\n\n" + body, lexicon) == []


def test_universities_banks_and_associations_are_named(lexicon):
    text = (HEAD + "\n\nThe Peruvian side presented joint research with Vilnius Tech University "
            "and the Andean Development Bank. The Japanese side introduced the work of the "
            "Association of Radio Industries and Businesses.\n")
    labels = {e.label for e in extract(SourceText("mem.txt", text), lexicon).entities}
    assert {"Vilnius Tech University", "Andean Development Bank",
            "Association of Radio Industries and Businesses"} <= labels


def test_a_name_typed_by_the_noun_after_it(lexicon):
    text = (HEAD + "\n\nThe Peruvian side explained the Rail Andino corridor and the Japanese "
            "project for rural schools.\n")
    labels = {e.label for e in extract(SourceText("mem.txt", text), lexicon).entities}
    assert "Rail Andino" in labels
    assert not any(label.startswith("Japanese") for label in labels)
