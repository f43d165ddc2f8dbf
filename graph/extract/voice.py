"""Whose words a sentence is: the parties' at the meeting, or the release's own.

A release reports what the sides said, and also speaks for itself, as its publisher: it
sums the meeting up in its introduction, closes with what comes next ("Based on the
results of this meeting, Japan and the EU will advance efforts …", "MIC will continue to
…") and may add background under a "(Reference)" heading. Those sentences are the
publisher's, written when the release was, not speech acts made at the meeting; the
genre file names the cues (``release_voice``).
"""

from __future__ import annotations

import re

from .statements import Clause

_FUTURE = re.compile(r"\bwill\b")


def reference_part(title: str, genre: dict) -> bool:
    """A heading such as "(Reference)", "【Reference】" or "Reference:": background the
    release adds, not a topic of the meeting."""
    words = re.sub(r"^[\W_]+|[\W_]+$", "", title).lower()
    return words in {h.lower() for h in genre["release_voice"]["headings"]}


def in_release_voice(text: str, sentence_start: int, clause: Clause, *, intro: bool,
                     reference: bool, publisher: str | None, genre: dict) -> bool:
    """Whether the clause is the release speaking: anything in a reference part; and a
    future ("will …") in the introduction of a release whose results follow, after a lead
    that looks back on the meeting ("Based on the results …,"), or with the publisher
    itself as subject ("MIC will continue …"). A future of the sides within the results
    ("The two sides will hold the next meeting in Tokyo") stays theirs."""
    if reference:
        return True
    if not _FUTURE.search(text, clause.start, clause.verb_end):
        return False
    leads = "|".join(re.escape(lead) for lead in genre["release_voice"]["leads"])
    led = re.compile(rf"(?:{leads})\b[^,.;]*,\s*", re.IGNORECASE).match(text, sentence_start)
    return intro or led is not None or (publisher is not None and publisher in clause.speakers)
