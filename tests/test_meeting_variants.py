"""Meetings as the genre reports them: date ranges in several forms, the attendance mode,
who held it, and later events that are announced, not held."""

from __future__ import annotations

import pytest

from graph.extract import extract
from graph.source import SourceText

LATER = ("\n\nBoth sides agreed to hold the 3rd Japan-Peru ICT Dialogue in Tokyo on 4 March "
         "2026. The Peruvian side invited Japan to the Lima Digital Summit, which will be "
         "held on 10 May 2025.\n")


@pytest.mark.parametrize(("sentence", "start", "end", "mode"), [
    ("From Thursday, 3 October to Friday, 4 October 2024, MIC held the 2nd Japan-Peru ICT "
     "Dialogue in Lima.", "2024-10-03", "2024-10-04", "offline"),
    ("On July 1 and 2, 2025, MIC held the 2nd Japan-Peru ICT Dialogue in Lima.",
     "2025-07-01", "2025-07-02", "offline"),
    ("MIC held the 2nd Japan-Peru ICT Dialogue on 12–13 March 2025 by videoconference.",
     "2025-03-12", "2025-03-13", "online"),
    ("The 2nd Japan-Peru ICT Dialogue was convened on 5 March 2025 in Tokyo, with the "
     "Peruvian delegation participating remotely.", "2025-03-05", None, "mixed"),
])
def test_dates_and_modes_and_no_later_meeting(sentence, start, end, mode, lexicon):
    text = "March 20, 2025 Results of the Dialogue\n\n" + sentence + LATER
    facts = extract(SourceText("m.txt", text), lexicon)
    assert [(m.date, m.end_date, m.mode) for m in facts.meetings] == [(start, end, mode)]
    assert "actor/peru" not in facts.meetings[0].organisers


@pytest.mark.parametrize(("sentence", "organisers", "people"), [
    # ministers who held it: the bodies their posts name, or the country one names
    ("On 5 March 2025, Minister for Internal Affairs and Communications SAKURA Jiro and "
     "Minister of Digital Affairs of Peru Rosa Quispe Mamani held the 2nd Japan-Peru ICT "
     "Dialogue in Lima.", ["actor/mic", "actor/peru"],
     ["person/sakura-jiro", "person/rosa-quispe-mamani"]),
    # a post that names no body: the person, while no body of that side holds it
    ("On 5 March 2025, Mr. Ken Aoki, Director-General, Global Strategy Bureau, MIC, held the "
     "2nd Japan-Peru ICT Dialogue in Lima with Vice Minister of Communications Luis Huanca "
     "Torres.", ["actor/mic", "person/luis-huanca-torres"],
     ["person/ken-aoki", "person/luis-huanca-torres"]),
    # bodies of both sides hold it: their co-chairs are participants only
    ("On 5 March 2025, MIC and the Ministry of Transport and Communications of Peru held the "
     "2nd Japan-Peru ICT Dialogue in Lima. It was co-chaired by Mr. Ken Aoki, "
     "Director-General, Global Strategy Bureau, MIC, and Mr. Luis Huanca Torres, Vice "
     "Minister of Communications.",
     ["actor/mic", "actor/ministry-of-transport-and-communications-of-peru"],
     ["person/ken-aoki", "person/luis-huanca-torres"]),
])
def test_people_who_held_a_meeting_give_their_bodies_as_organisers(sentence, organisers,
                                                                   people, lexicon):
    text = "March 20, 2025 Results of the Dialogue\n\n" + sentence + "\n"
    facts = extract(SourceText("m.txt", text), lexicon)
    (meeting,) = facts.meetings
    assert (meeting.organisers, meeting.participants) == (organisers, people)
    posts = {r.subject: r.value for r in facts.relations if r.predicate == "jobTitle"}
    assert all(not post.endswith(("Peru", "held")) for post in posts.values())


@pytest.mark.parametrize(("lead", "place", "day", "mode"), [
    # the lead's own day, the dateline's city
    ("NAIROBI, 20 March 2025 — MIC held the 2nd Japan-Peru ICT Dialogue on 18 March.",
     "place/nairobi", "2025-03-18", "offline"),
    # no day of its own: the dateline's
    ("ADDIS ABABA, 19 March 2025 — MIC held the 2nd Japan-Peru ICT Dialogue today.",
     "place/addis-ababa", "2025-03-19", "offline"),
    # a place of its own wins; an online meeting is at no dateline's city
    ("NAIROBI, 20 March 2025 — MIC held the 2nd Japan-Peru ICT Dialogue in Lima on 18 March.",
     "place/lima", "2025-03-18", "offline"),
    ("TOKYO — MIC held the 2nd Japan-Peru ICT Dialogue online on 18 March 2025.",
     None, "2025-03-18", "online"),
    # a city as written, with its country in brackets: a dateline only with its date
    ("Addis Ababa (Ethiopia), 19 March 2025 – MIC held the 2nd Japan-Peru ICT Dialogue today.",
     "place/addis-ababa", "2025-03-19", "offline"),
])
def test_a_dateline_gives_the_city_and_the_day_a_lead_lacks(lead, place, day, mode, lexicon):
    text = "March 20, 2025 Results of the Dialogue\n\n" + lead + LATER
    facts = extract(SourceText("m.txt", text), lexicon)
    assert [(m.place, m.date, m.mode) for m in facts.meetings] == [(place, day, mode)]
    assert not [s for s in facts.statements if "NAIROBI" in s.evidence.quote]


def test_the_leaders_of_the_sides_of_a_meeting_bodies_held_are_its_participants(lexicon):
    text = ("March 20, 2025 Results of the Dialogue\n\nMIC and the Ministry of Transport and "
            "Communications of Peru held the 2nd Japan-Peru ICT Dialogue in Lima on 5 March "
            "2025. The Japanese delegation was led by Mr. Ken Aoki, Director-General, Global "
            "Strategy Bureau, MIC, and the Peruvian delegation by Ms. Rosa Quispe, Vice-Minister "
            "of Communications.\n")
    meeting = extract(SourceText("m.txt", text), lexicon).meetings[0]
    assert meeting.participants == ["person/ken-aoki", "person/rosa-quispe"]
    assert meeting.organisers == [
        "actor/mic", "actor/ministry-of-transport-and-communications-of-peru"]


def test_posts_that_led_a_meeting_before_their_people_are_named_give_their_bodies(lexicon):
    text = ("March 20, 2025 Results of the Dialogue\n\nOn 5 March 2025, the 2nd Japan-Peru ICT "
            "Dialogue was held in Lima. The meeting was led by the Vice-Minister for Policy "
            "Coordination of MIC and the Vice-Minister of Communications of the Ministry of "
            "Transport and Communications (MTC) of Peru.\n\nJapan thanked Peru.\n")
    meeting = extract(SourceText("m.txt", text), lexicon).meetings[0]
    assert meeting.organisers == ["actor/mic", "actor/ministry-of-transport-and-communications"]


def test_a_meeting_a_reference_part_or_a_note_names_as_held_is_background(lexicon):
    text = ("March 20, 2025 Results of the Dialogue\n\nMIC held the 2nd Japan-Peru ICT Dialogue "
            "in Lima on 5 March 2025.\n\n(Reference)\n\nThe 1st Japan-Peru ICT Dialogue was held "
            "in Tokyo on 4 May 2023.\n\nNotes\n\nThe 1st Japan-Peru ICT Dialogue was held in "
            "Tokyo on 4 May 2023.\n")
    assert [m.edition for m in extract(SourceText("m.txt", text), lexicon).meetings] == [2]
