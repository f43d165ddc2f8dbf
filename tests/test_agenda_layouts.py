"""Agenda layouts of the genre: which headings and lists are the topics of a meeting, and
which are not (groups of sub-topics, background, attachments, a table's cells)."""

from __future__ import annotations

from graph.extract import extract
from graph.source import SourceText

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
