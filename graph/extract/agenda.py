"""Agenda topics that are not headings: an inline list ("Both sides discussed (1) X, (2) Y
and (3) Z", "on topics including X, Y and Z") or a sentence's lead ("Regarding X, …",
"Turning to X, …"), and which agenda topic a sentence falls under: the one it opens with,
or the one whose telling words it uses."""

from __future__ import annotations

import re

_NUMBERED = re.compile(r"\(\s*(?:\d{1,2}|[ivx]{1,4}|[a-h])\s*\)\s*")
_LIST_CUE = re.compile(
    r"\b(?:topics|themes|issues|areas|subjects|matters|agenda items)\s+"
    r"(?:including|such as|namely)\s+|\bdiscussed\s+(?:topics\s+)?(?:including|such as)\s+"
    r"|\bdiscussed\s+(?=\(\s*(?:1|i|a)\s*\))|\bon\s+(?=\(\s*(?:1|i|a)\s*\))"
)


def _end_of_list(text: str, start: int, end: int) -> int:
    m = re.compile(r"[.;:](?:\s|$)|,\s+(?:which|where|and (?:the|both|they))\b").search(
        text, start, end)
    return m.start() if m else end


def inline_agenda(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The topics an inline list in text[start:end] names, as spans, in order."""
    cue = _LIST_CUE.search(text, start, end)
    if cue is None:
        return []
    stop = _end_of_list(text, cue.end(), end)
    numbers = list(_NUMBERED.finditer(text, cue.end(), stop))
    if numbers:
        spans = []
        for index, number in enumerate(numbers):
            item_end = numbers[index + 1].start() if index + 1 < len(numbers) else stop
            spans.append(_trim(text, number.end(), item_end))
        return spans
    parts, begin = [], cue.end()
    for sep in re.finditer(r",\s+(?:and\s+)?", text[cue.end():stop]):
        parts.append((begin, cue.end() + sep.start()))
        begin = cue.end() + sep.end()
    last = (begin, stop)
    tail = re.search(r"\s+and\s+(?!.*\s+and\s+)", text[last[0]:last[1]])
    if tail:
        parts += [(last[0], last[0] + tail.start()), (last[0] + tail.end(), last[1])]
    else:
        parts.append(last)
    return [_trim(text, s, e) for s, e in parts if len(parts) > 1]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    m = re.search(r"(?:,?\s+and|,)?\s*$", text[start:end])
    end = start + m.start()
    while start < end and text[start] in " \t":
        start += 1
    return start, end


_CUES = re.compile(
    r"(?:(?:In|With) regard to|Regarding|Concerning|As (?:for|regards)|On the (?:topic|subject|"
    r"issue) of|Turning to|With respect to|In the area of|In the field of|On)\s+"
    r"(?P<topic>[^,]{3,80}),\s")


def cue_topic(text: str, start: int, end: int) -> tuple[int, int] | None:
    """"Regarding data flows, both sides …": where the topic a sentence opens with is."""
    m = _CUES.match(text, start, end)
    if m is None:
        return None
    return m.start("topic"), m.end("topic")


def matches(label: str, phrase: str) -> bool:
    """Whether a sentence's lead phrase names the agenda topic `label` (the same words, or
    one inside the other)."""
    a = " ".join(re.findall(r"[a-z0-9]+", label.lower()))
    b = " ".join(re.findall(r"[a-z0-9]+", phrase.lower()))
    b = re.sub(r"^(?:the|a|an)\s+", "", b)
    return bool(a and b) and (a == b or a in b or (len(b) > 3 and b in a))


def _stems(text: str, common: frozenset[str]) -> set[str]:
    """The telling words of a text, plural and singular alike ("cables" = "cable")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if w not in common}


def worded_topic(sentence: str, topics: list[tuple[str, str]],
                 common: frozenset[str]) -> str | None:
    """"The Chilean side outlined its 5G spectrum auction" under an agenda of "(1) submarine
    cables, (2) spectrum policy": the one topic (id, label) whose telling words the sentence
    uses most; none when no topic's word is used or two use as many."""
    words = _stems(sentence, common)
    counts = sorted(((len(words & _stems(label, common)), topic) for topic, label in topics),
                    reverse=True)
    if not counts or counts[0][0] == 0 or len(counts) > 1 and counts[1][0] == counts[0][0]:
        return None
    return counts[0][1]
