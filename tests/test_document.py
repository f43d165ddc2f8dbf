"""The document model: titles, dates, numbering styles and sentences, whatever the layout."""

from __future__ import annotations

import pytest

from graph.document import parse_document
from graph.errors import InputError
from graph.source import SourceText, read_source

BODY = """The Ministry held the 3rd Example Dialogue in Rome, Italy on May 2, 2024.

{a} Smart Cities

Japan explained e.g. its plans. The EU agreed.

{b} AI

Japan thanked the EU.
"""


def doc(text: str, genre):
    return parse_document(SourceText("mem.txt", text), genre)


@pytest.mark.parametrize(("a", "b", "style"), [
    ("1.", "2.", "arabic"), ("i.", "ii.", "roman"), ("(1)", "(2)", "paren"),
    ("1)", "2)", "arabic-paren"), ("I.", "II.", "ROMAN"),
])
def test_numbering_styles(lexicon, a, b, style):
    d = doc("May 3, 2024 Results of the Dialogue\n\n" + BODY.format(a=a, b=b), lexicon.genre)
    assert [(s.title, s.style, s.level) for s in d.sections] == [
        ("Smart Cities", style, 1), ("AI", style, 1)]


def test_title_date_orders_and_sentences(lexicon):
    for head in ("May 3, 2024 Results of the Dialogue", "Results of the Dialogue\n\nMay 3, 2024",
                 "3 May 2024\n\nResults of the Dialogue"):
        d = doc(head + "\n\n" + BODY.format(a="1.", b="2."), lexicon.genre)
        assert (d.title, d.published.isoformat()) == ("Results of the Dialogue", "2024-05-03")
        assert d.text[d.title_span[0]:d.title_span[1]] == d.title
    sentences = [d.text[s.start:s.end] for s in d.sections[0].paragraphs[0].sentences]
    assert sentences == ["Japan explained e.g. its plans.", "The EU agreed."]


def test_nested_levels_follow_first_appearance(lexicon):
    text = ("May 3, 2024 Results\n\nThe Ministry held the 3rd Example Dialogue on May 2, 2024."
            "\n\n(1) 3rd Example Dialogue\n\n1. AI\n\nJapan explained it.\n\n"
            "(2) 4th Other Dialogue\n\n1. Data\n\nThe EU explained it.\n")
    d = doc(text, lexicon.genre)
    assert [(s.title, s.level) for s in d.sections] == [
        ("3rd Example Dialogue", 1), ("AI", 2), ("4th Other Dialogue", 1), ("Data", 2)]


def test_offsets_count_code_points(lexicon):
    d = doc("May 3, 2024 Results 🎌 of the Dialogue\n\n" + BODY.format(a="1.", b="2."),
            lexicon.genre)
    s = d.sections[0].paragraphs[0].sentences[0]
    assert d.text[s.start:s.end] == "Japan explained e.g. its plans."


def test_errors_name_what_is_missing(lexicon):
    with pytest.raises(InputError, match="no publication date"):
        doc("Results of the Dialogue\n\nSome text.\n", lexicon.genre)
    with pytest.raises(InputError, match="no title"):
        doc("May 3, 2024\n\nJapan explained a long thing that ends with a stop.\n",
            lexicon.genre)


def test_html_keeps_main_content_and_decodes_entities(tmp_path, lexicon):
    page = tmp_path / "r.html"
    page.write_text("<html><head><title>X | Site</title><style>p{}</style></head><body>"
                    "<nav>Home | About</nav><div id='main'><p>May 3, 2024</p>"
                    "<h2>Results of the Dialogue</h2><p>R&amp;D is <strong>key</strong>.</p>"
                    "</div><footer>TEL: 000</footer></body></html>", encoding="utf-8")
    source = read_source(page)
    assert source.text == "May 3, 2024\n\nResults of the Dialogue\n\nR&D is key.\n"
    assert parse_document(source, lexicon.genre).title == "Results of the Dialogue"


def test_a_table_row_is_one_line_and_no_heading(tmp_path, lexicon):
    page = tmp_path / "r.html"
    page.write_text("<html><body><div id='main'><h2>Results of the Dialogue</h2>"
                    "<p>May 3, 2024</p><p>The Ministry held the Dialogue on May 2, 2024.</p>"
                    "<h3>Participants</h3><table><tr><th>Name</th><th>Post</th></tr>"
                    "<tr><td>Mr. Ken Oda</td><td>Director</td></tr></table>"
                    "<h3>Schedule</h3><table><tr><td>2 May</td><td>Plenary session</td></tr>"
                    "</table></div></body></html>", encoding="utf-8")
    d = parse_document(read_source(page), lexicon.genre)
    assert [(s.title, s.role) for s in d.sections] == [
        ("Participants", "field:participants"), ("Schedule", "structure")]
    assert [d.text[p.start:p.end] for p in d.sections[0].paragraphs] == [
        "Name | Post", "Mr. Ken Oda | Director"]
    assert [d.text[p.start:p.end] for p in d.sections[1].paragraphs] == [
        "2 May | Plenary session"]


def test_an_annex_holds_file_names_not_headings(lexicon):
    d = doc("May 3, 2024 Results of the Dialogue\n\n" + BODY.format(a="1.", b="2.")
            + "\nAttachments\n\nProgramme of the meeting (PDF)\n\nPhotos of the day\n",
            lexicon.genre)
    assert [(s.title, s.role) for s in d.sections] == [
        ("Smart Cities", "topic"), ("AI", "topic"), ("Attachments", "annex")]
    assert len(d.sections[-1].paragraphs) == 2


def test_bullets_under_a_side_label_are_its_paragraphs_not_headings(lexicon):
    """"Japanese side:" / "[MIC]" then short bullets: each bullet is a paragraph that
    remembers the label (its side speaks it); a bullet list under no label stays headings."""
    text = ("May 3, 2024 Results of the Dialogue\n\nThe Ministry held the Example Dialogue on "
            "May 2, 2024.\n\n1. AI\nJapanese side:\n- Explained the AI Plan\n"
            "・Introduced the Data Lab\n[MIC]\n- Presented the Cloud Fund\nBoth sides\n"
            "- Agreed to meet again\n\n2. Networks\n- Data centres\n- Cloud\n")
    d = doc(text, lexicon.genre)
    assert [s.title for s in d.sections] == ["AI", "Networks", "Data centres", "Cloud"]
    bullets = [(d.text[p.start:p.end], d.text[p.label[0]:p.label[1]])
               for p in d.sections[0].paragraphs]
    assert bullets == [("Explained the AI Plan", "Japanese side"),
                       ("Introduced the Data Lab", "Japanese side"),
                       ("Presented the Cloud Fund", "MIC"),
                       ("Agreed to meet again", "Both sides")]


def test_unbulleted_items_under_a_label_open_with_a_speech_act_verb(lexicon):
    """A page's list items lose their bullets: under "Partner side" the lines that open with
    a speech-act verb are its items, each its own paragraph, and the next topic heading
    ends the label's items."""
    text = ("Results of the Dialogue\n\nMay 3, 2024\n\nThe Ministry held the Example Dialogue "
            "on May 2, 2024.\n\n(1) AI\n\nPartner side\n\nPresented the AI Plan\n\n"
            "Shared the Data Lab\n\n(2) Networks\n\nJapan explained its plans.\n")
    d = parse_document(SourceText("mem.txt", text), lexicon.genre, lexicon.opening_words)
    assert [s.title for s in d.sections] == ["AI", "Networks"]
    assert [(d.text[p.start:p.end], p.label and d.text[p.label[0]:p.label[1]])
            for s in d.sections for p in s.paragraphs] == [
        ("Presented the AI Plan", "Partner side"), ("Shared the Data Lab", "Partner side"),
        ("Japan explained its plans.", None)]


def test_a_numbered_paragraph_may_open_with_a_run_in_heading(lexicon):
    text = ("May 3, 2024 Joint Statement\n\nThe Ministers met in Rome on May 2, 2024.\n\n"
            "1. Secure digital infrastructure. The Ministers recognised the value of 5G.\n\n"
            "2. The Ministers met. They agreed to stay in touch.\n\n"
            "3. Emerging technologies: They welcomed the AI work.\n\n"
            "4. Data flows – Both sides agreed.\n\n"
            "5. Mr. Rossi thanked Japan.\n")
    d = doc(text, lexicon.genre)
    assert [(s.title, s.number) for s in d.sections] == [
        ("Secure digital infrastructure", "1"), ("Emerging technologies", "3"),
        ("Data flows", "4")]
    first = d.sections[0].paragraphs[0]
    assert d.text[first.start:first.end] == "The Ministers recognised the value of 5G."
    # "2. The Ministers met." is a sentence (a verb): a paragraph, after its number
    assert [d.text[p.start:p.end] for p in d.sections[0].paragraphs][1:] == [
        "The Ministers met. They agreed to stay in touch."]
    assert [d.text[p.start:p.end] for p in d.sections[2].paragraphs] == [
        "Both sides agreed.", "Mr. Rossi thanked Japan."]


def test_unnumbered_paragraphs_open_with_run_in_headings_only_as_a_style(lexicon):
    # a page's "<p><strong>Digital skills.</strong> MIC …</p>" loses its markup
    text = ("May 3, 2024 Results\n\nABUJA — The Ministry held the 3rd Example Dialogue on "
            "May 2, 2024.\n\nDigital skills. MIC presented its plans.\n\nData flows: Both "
            "sides agreed.\n\nThe Ministers met. They thanked the hosts.\n")
    d = doc(text, lexicon.genre)
    assert [(s.title, s.style) for s in d.sections] == [
        ("Digital skills", "run-in"), ("Data flows", "run-in")]
    assert [d.text[p.start:p.end] for p in d.sections[1].paragraphs] == [
        "Both sides agreed.", "The Ministers met. They thanked the hosts."]
    # a dateline is no heading: its city is kept apart, the lead's text starts after it
    assert d.text[slice(*d.dateline.city)] == "ABUJA"
    assert d.text[d.intro[0].start:d.intro[0].end].startswith("The Ministry held")
    # a label before the heading, one word, capitals before a colon; people are no topics
    labelled = doc("May 3, 2024 Results\n\nThe Ministry held a dialogue on May 2, 2024.\n\n"
                   "Topic: Cybersecurity. MIC presented its plans.\n\nDATA FLOWS: Both sides "
                   "agreed.\n\nJapan: Mr. Ken Aoki, Director\n\nPeru: Ms. Rosa Quispe, "
                   "Director\n", lexicon.genre)
    assert [s.title for s in labelled.sections] == ["Cybersecurity", "DATA FLOWS"]
    # one paragraph so is a sentence's accident, not a heading
    lone = doc("May 3, 2024 Results\n\nThe Ministry held a dialogue on May 2, 2024.\n\n"
               "Digital skills: MIC presented its plans.\n", lexicon.genre)
    assert lone.sections == []


def test_a_sentence_that_lost_its_full_stop_is_no_heading(lexicon):
    text = ("May 3, 2024 Results\n\nThe Ministry held the 3rd Example Dialogue on May 2, 2024."
            "\n\nThe meeting was held in a friendly atmosphere\n\nCooperation on digital "
            "government\n\nBoth sides agreed to meet again.\n")
    d = doc(text, lexicon.genre)
    assert [s.title for s in d.sections] == ["Cooperation on digital government"]
    assert d.text[d.intro[-1].start:d.intro[-1].end] == (
        "The meeting was held in a friendly atmosphere")
