"""Agenda topics that are not headings: an inline list ("Both sides discussed (1) X, (2) Y
and (3) Z", "on topics including X, Y and Z") or a sentence's lead ("Regarding X, …",
"Turning to X, …"), and which agenda topic a sentence falls under: the one it opens with,
or the one whose telling words it uses."""

from __future__ import annotations

import re
from functools import lru_cache

from ..document import Paragraph
from ..htmltext import CELL_SEPARATOR

# "(1)", "(ii)", "(b)", "(B)", "b)": an inline list's item marker
_MARK = r"(?:\d{1,2}|[ivx]{1,4}|[a-hA-H])"
_NUMBERED = re.compile(rf"(?:\(\s*|(?<![\w(]))(?P<mark>{_MARK})\s*\)\s*")
_MAX_WORDS = 12  # a topic longer than this is a clause of a sentence, not a list item
_FIRST = r"(?=\(?\s*(?:1|i|a|A)\s*\))"  # a numbered list's first item


@lru_cache(maxsize=4)
def _cues(words: tuple) -> tuple[list[re.Pattern[str]], re.Pattern[str]]:
    """The leads of an inline agenda (genre.yaml agenda_lists), strongest first: strong
    cues name topics as such ("the following themes:", "on topics including", a numbered
    list after a discussion verb, "The agenda covered"); the weak cue is a discussion verb
    before a plain list ("The two sides discussed X, Y and Z"), an agenda only where the
    meeting is reported."""
    nouns, markers, verbs, subjects, reaches = (
        "|".join(re.escape(w) for w in sorted(group, key=len, reverse=True)) for group in words)
    counted = r"(?:following|the|these|two|three|four|five|six|several)\s+(?:[a-z]+\s+)?"
    strong = [re.compile(rf"\b{counted}(?:{nouns})\s*:\s+"),
              re.compile(rf"\b(?:{nouns}),?\s+(?:{markers})\s+"),
              re.compile(rf"\b(?:{verbs}|on):?\s+{_FIRST}"),
              re.compile(rf"\b(?:{verbs})\s+(?:{markers})\s+"),
              re.compile(rf"\b(?:{subjects}|{nouns})\b[^.;:,]{{0,40}}?\b(?:{reaches}):?\s+",
                         re.IGNORECASE)]
    weak = re.compile(rf"\b(?:{verbs})\s+(?!the\s+(?:importance|need)\b)")
    return strong, weak


def _agreed_areas(text: str, start: int, cue: int, lists: dict) -> bool:
    """"Both sides agreed to strengthen cooperation in areas such as X, Y and Z": the list
    is what an outcome names (the last verb before it is an agreement, a decision or a
    hope: genre.yaml agenda_lists outcomes), not what the meeting discussed."""
    verbs = {w: "discussion" for w in lists["verbs"]} | {w: "outcome" for w in lists["outcomes"]}
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in sorted(verbs, key=len, reverse=True)) \
        + r")\b"
    found = re.findall(pattern, text[start:cue])
    return bool(found) and verbs[found[-1]] == "outcome"


def _end_of_list(text: str, start: int, end: int, semicolons: bool) -> int:
    stop = r"[.:](?:\s|$)" if semicolons else r"[.;:](?:\s|$)"
    m = re.compile(stop + r"|,\s+(?:which|where|and (?:the|both|they))\b").search(
        text, start, end)
    return m.start() if m else end


def inline_agenda(text: str, start: int, end: int, genre: dict,
                  intro: bool = False) -> list[tuple[int, int]]:
    """The topics an inline list in text[start:end] names, as spans, in order."""
    lists = genre["agenda_lists"]
    strong, weak = _cues(tuple(tuple(lists[k]) for k in (
        "nouns", "markers", "verbs", "subjects", "reaches")))
    cue = next((m for m in (c.search(text, start, end) for c in strong) if m), None)
    if cue is not None and _agreed_areas(text, start, cue.start(), lists):
        return []
    least = 2
    if cue is None and intro:
        cue, least = weak.search(text, start, end), 3
    if cue is None:
        return []
    semicolons = ";" in text[cue.end():end]
    stop = _end_of_list(text, cue.end(), end, semicolons)
    numbers = list(_NUMBERED.finditer(text, cue.end(), stop))
    if numbers:
        spans = []
        for index, number in enumerate(numbers):
            item_end = numbers[index + 1].start() if index + 1 < len(numbers) else stop
            spans.append(_trim(text, number.end(), item_end))
        return spans
    parts, begin = [], cue.end()
    for sep in re.finditer(r";\s+(?:and\s+)?" if semicolons else r",\s+(?:and\s+)?",
                           text[cue.end():stop]):
        parts.append((begin, cue.end() + sep.start()))
        begin = cue.end() + sep.end()
    last = (begin, stop)
    tail = None if semicolons else re.search(r"\s+and\s+(?!.*\s+and\s+)",
                                             text[last[0]:last[1]])
    if tail:
        parts += [(last[0], last[0] + tail.start()), (last[0] + tail.end(), last[1])]
    else:
        parts.append(last)
    spans = [_trim(text, s, e) for s, e in parts]
    if len(spans) < least or any(len(text[s:e].split()) > _MAX_WORDS for s, e in spans):
        return []  # clauses, not topics
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    m = re.search(r"(?:[,;]?\s+and|[,;])?\s*$", text[start:end])
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


_ITEM_LEAD = re.compile(
    r"(?:Under|On|Regarding|Concerning|As (?:for|regards)|With regard to|Turning to|In)\s+"
    rf"(?:agenda\s+)?(?:item|point)\s+\(?\s*(?P<mark>{_MARK})\s*\)?\s*,\s",
    re.IGNORECASE)


def item_reference(text: str, start: int, end: int) -> str | None:
    """"Under item (b), …": the marker of the inline list's item a sentence opens with (the
    item is named by its letter or number only, so the words of no topic lead it)."""
    m = _ITEM_LEAD.match(text, start, end)
    return m.group("mark").lower() if m else None


def item_marker(text: str, start: int) -> str | None:
    """The marker ("(b)", "(2)", "B)") written just before an inline list's item at
    `start`, in lower case."""
    m = re.search(rf"(?:\(\s*|(?<![\w(]))({_MARK})\s*\)\s*$", text[max(0, start - 12):start])
    return m.group(1).lower() if m else None


def matches(label: str, phrase: str) -> bool:
    """Whether a sentence's lead phrase names the agenda topic `label` (the same words, or
    one inside the other)."""
    a = " ".join(re.findall(r"[a-z0-9]+", label.lower()))
    b = " ".join(re.findall(r"[a-z0-9]+", phrase.lower()))
    b = re.sub(r"^(?:the|a|an)\s+", "", b)
    return bool(a and b) and (a == b or a in b or (len(b) > 3 and b in a))


_NOT_TOPIC_CELL = re.compile(r"(?:\d{1,2}|[IVX]{1,4}|[A-H])\.?|\d{1,2}[:.]\d{2}.*|"
                             r"(?:Session|Part|Item|Theme|Topic)\s+\S+", re.IGNORECASE)


def table_topics(text: str, rows: list[Paragraph], headers: dict) -> list[tuple[int, int]]:
    """The topics of an agenda table ("Session | Theme", "1 | Digital infrastructure"), one
    a row: the cell under a topic header, else the first that is no number, time or
    "Session 1"."""
    cells = [_cells(text, row) for row in rows if CELL_SEPARATOR in text[row.start:row.end]]
    if not cells:
        return []
    topic_headers = {h.lower() for h in headers["topic"]}
    known = topic_headers | {h.lower() for h in headers["other"]}
    column = None
    if all(text[s:e].lower() in known for s, e in cells[0]):
        column = next((i for i, (s, e) in enumerate(cells[0])
                       if text[s:e].lower() in topic_headers), None)
        cells = cells[1:]
    topics = []
    for row in cells:
        if column is not None and column < len(row):
            topics.append(row[column])
            continue
        plain = [(s, e) for s, e in row if not _NOT_TOPIC_CELL.fullmatch(text[s:e])]
        if plain:
            topics.append(plain[0])
    return topics


def _cells(text: str, row: Paragraph) -> list[tuple[int, int]]:
    spans, at = [], row.start
    for part in text[row.start:row.end].split(CELL_SEPARATOR):
        spans.append((at, at + len(part)))
        at += len(part) + len(CELL_SEPARATOR)
    return [(s, e) for s, e in spans if e > s]


def best_topic(sentence: str, labels: list[str], generic: set[str]) -> int | None:
    """The index of the label most of whose own words (not generic ones such as
    "communications") the sentence uses, as words or word starts ("data" in "data flows",
    "quantum" in "post-quantum"); None if no label or a tie leads."""
    words = re.findall(r"[a-z0-9]+", sentence.lower())
    counts = []
    for label in labels:
        own = {w for w in re.findall(r"[a-z0-9]+", label.lower())
               if len(w) > 2 and w not in generic}
        counts.append(sum(1 for w in own if any(x == w or len(w) > 3 and x.startswith(w)
                                                for x in words)))
    top = max(counts, default=0)
    return counts.index(top) if top and counts.count(top) == 1 else None
