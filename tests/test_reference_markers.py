"""Reference markers after terms ("Dialogue¹", "Plan 2030[1]", "Strategy (*3)", "Fund*2")
and the notes that define them: no marker sticks to a name or hides a place, quotes keep
them, and the notes are neither statements nor agenda topics."""

from __future__ import annotations

import pytest

from graph.extract import extract
from graph.source import SourceText

NOTES = ("\n\nNotes\n¹ A framework launched in 2016; the 1st Japan-Peru ICT Dialogue was held in "
         "Tokyo on 4 May 2023.\n*2 A fund of MIC.\n[1] A plan until 2030.\n(*3) A strategy of "
         "MIC.\n")


@pytest.mark.parametrize("mark", ["¹", "*1", " *1", "*", "†", "[1]", " (*1)", " (Note 1)",
                                  " (Note)"])
def test_a_marker_sticks_to_no_name_and_hides_no_place(mark, lexicon):
    text = (f"May 3, 2025 Results of the 2nd Japan-Peru ICT Dialogue\n\nOn May 2, 2025, MIC "
            f"held the 2nd Japan-Peru ICT Dialogue{mark} in Lima{mark}.\n\n1. Connectivity\n\n"
            f"Peru explained the Rural Connect Fund{mark} and the Lima Data Platform{mark}."
            + NOTES)
    facts = extract(SourceText("r.txt", text), lexicon)
    [meeting] = facts.meetings  # the note's dialogue held in 2023 is background
    assert (meeting.place, meeting.organisers) == ("place/lima", ["actor/mic"])
    assert [i.topic for i in meeting.agenda] == ["topic/connectivity"]  # not "Notes"
    labels = {e.label for e in facts.entities if e.id.startswith("initiative/")}
    assert labels == {"Rural Connect Fund", "Lima Data Platform"}
    assert [(s.speakers, s.act) for s in facts.statements] == [
        (["actor/peru"], "speech-act/explained")]
    assert facts.text == text  # the release as written, its quotes too
    assert all(text[m.evidence.start:m.evidence.end] == m.evidence.quote
               for m in facts.mentions)
    assert facts.statements[0].evidence.quote.startswith("Peru explained the Rural Connect Fund")
