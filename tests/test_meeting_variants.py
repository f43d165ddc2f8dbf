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
