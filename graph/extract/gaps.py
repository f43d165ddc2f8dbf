"""What extraction did not understand in a release, so that nothing is lost in silence:
the meeting facts it could not find, result sentences that gave no statement (with the
verb that was not in the speech-act lexicon, when a side is its subject), speech acts
whose speaker it could not resolve, and the share of result sentences that gave one."""

from __future__ import annotations

import re

from lemminflect import getAllLemmas

from ..dates import MONTHS, WEEKDAYS
from ..document import Document, Sentence
from ..facts import Evidence, Gaps, ReleaseFacts
from .names import capitalised_runs, evidence, find_names
from .registry import Registry

DATE_WORDS = set(MONTHS) | set(WEEKDAYS)
_WORD_AFTER = re.compile(r"\s+(?:also\s+|then\s+|further\s+)?([a-z]+)\b")


def _result_sentences(doc: Document, meeting_ends: int):
    """Sentences that report results: those of the body's sections (not a fact sheet's
    fields, nor an annex: notes, attachments) and of the intro after the meetings' own
    sentences (which end at `meeting_ends`)."""
    for paragraph in doc.intro:
        for sentence in paragraph.sentences:
            if sentence.start >= meeting_ends:
                yield sentence
    for section in doc.sections:
        if section.role.startswith("field:") or section.role == "annex":
            continue
        for paragraph in section.paragraphs:
            yield from paragraph.sentences


def find_gaps(doc: Document, facts: ReleaseFacts, unresolved: list[Evidence],
              registry: Registry) -> Gaps:
    text = doc.text
    missing = []
    if not facts.meetings:
        missing.append("no meeting understood: no sentence says that a meeting of a named "
                       "series was held on a date")
    for meeting in facts.meetings:
        if not meeting.organisers:
            missing.append(f"{meeting.label}: no organiser named")
        if meeting.place is None and meeting.mode != "online":
            missing.append(f"{meeting.label}: no place and not said to be online")
        elif meeting.place is not None and _country_of(meeting.place, facts, registry) is None:
            missing.append(f"{meeting.label}: no country for its place "
                           f"{registry.entities[meeting.place].label}")
        if not meeting.agenda:
            missing.append(f"{meeting.label}: no agenda found: no agenda heading, list or "
                           "topic lead")
    missing += [f"a name may be cut at a comma: “{quote}”" for quote in _cut_names(text, facts)]
    meeting_ends = max((m.evidence.end for m in facts.meetings), default=0)
    spans = [(s.evidence.start, s.evidence.end) for s in facts.statements]
    sentences, silent_ones = result_sentences(doc, meeting_ends, spans)
    silent, verbs = [], []
    for sentence in silent_ones:
        silent.append(evidence(text, sentence.start, sentence.end))
        subject = next((n for n in find_names(text, sentence.start, sentence.end, registry)
                        if registry.is_actor(n.entity) and n.start < sentence.start + 40), None)
        word = _WORD_AFTER.match(text, subject.end) if subject else None
        if word and "VERB" in getAllLemmas(word.group(1)):  # lemminflect knows it as a verb
            verbs.append(word.group(1))
    return Gaps(missing=missing, silent_sentences=silent, unknown_verbs=sorted(set(verbs)),
                unresolved_speakers=unresolved, untyped_names=_untyped(doc, facts, registry),
                coverage=coverage(sentences, silent_ones))


def _country_of(place: str, facts: ReleaseFacts, registry: Registry) -> str | None:
    """The country of a meeting's place: the place itself if a country, the release's
    inCountry, or the lexicon's for a known city."""
    if "Country" in registry.kinds(place) or place.startswith("actor/"):
        return place
    stated = next((r.object for r in facts.relations
                   if r.subject == place and r.predicate == "inCountry"), None)
    entry = registry.lexicon.get(*place.split("/", 1))
    return stated or (entry.extra.get("country") if entry is not None else None)


def _cut_names(text: str, facts: ReleaseFacts) -> list[str]:
    """Bodies whose name the text goes on after a comma into another thing it found
    ("the Ministry of Investments, Regional Development and Informatization": a body and
    an initiative): the words as written, from the body to the end of the other."""
    found = []
    starts = {e.evidence.start: e for e in facts.entities if e.evidence is not None}
    for entity in facts.entities:
        if entity.curated or entity.evidence is None or not entity.id.startswith("actor/"):
            continue
        comma = re.compile(r",\s+(?:the\s+)?").match(text, entity.evidence.end)
        tail = starts.get(comma.end()) if comma else None
        if tail is not None and not tail.id.startswith(("actor/", "person/", "place/")):
            found.append(text[entity.evidence.start:tail.evidence.end])
    return found


def _untyped(doc: Document, facts: ReleaseFacts, registry: Registry) -> list[Evidence]:
    """Runs of two or more capitalised words in the intro and the results that overlap
    nothing extraction made an entity of (names, people, mentions, series, topics), less
    the determiners and connectors at their ends."""
    text, genre = doc.text, registry.lexicon.genre
    connectors = set(genre["name_connectors"])
    leading = {d.capitalize() for d in genre["determiners"]} | connectors
    taken = [(e.evidence.start, e.evidence.end) for e in facts.entities if e.evidence]
    taken += [(m.evidence.start, m.evidence.end) for m in facts.mentions]
    taken += [(m.evidence.start, m.evidence.end) for m in facts.meetings]
    taken += [(i.evidence.start, i.evidence.end) for m in facts.meetings for i in m.agenda]
    taken += [(r.evidence.start, r.evidence.end) for r in facts.relations
              if r.subject.startswith("person/")]
    found = []
    for paragraph in doc.intro + [p for s in doc.sections for p in s.paragraphs]:
        for sentence in paragraph.sentences:
            names: list[tuple[int, int]] | None = None  # found only when needed (costly)
            for run in capitalised_runs(text, sentence.start, sentence.end, connectors):
                while run and run[0].group(0) in leading:
                    run = run[1:]
                while run and run[-1].group(0) in connectors:
                    run = run[:-1]
                words = [t.group(0) for t in run if t.group(0) not in connectors]
                if len(words) < 2 or all(w.isdigit() or w in DATE_WORDS for w in words):
                    continue
                s, e = run[0].start(), run[-1].end()
                if any(a < e and s < b for a, b in taken):
                    continue
                if names is None:
                    names = [(n.start, n.end) for n in find_names(
                        text, sentence.start, sentence.end, registry)]
                if not any(a < e and s < b for a, b in names):
                    found.append(evidence(text, s, e))
    return found


def result_sentences(doc: Document, meeting_ends: int, spans: list[tuple[int, int]]
                     ) -> tuple[list[Sentence], list[Sentence]]:
    """The result sentences, and those of them no statement span overlaps. The build
    counts them again from the store (graph/void.py), so this is the one definition."""
    sentences = list(_result_sentences(doc, meeting_ends))
    silent = [s for s in sentences if not any(a < s.end and s.start < b for a, b in spans)]
    return sentences, silent


def coverage(sentences: list[Sentence], silent: list[Sentence]) -> float:
    """The share of result sentences that gave at least one statement (1 if none)."""
    return round((len(sentences) - len(silent)) / len(sentences), 3) if sentences else 1.0


def report_lines(facts: ReleaseFacts) -> list[str]:
    """The gap report as lines a person reads (policykg extract --report)."""
    gaps = facts.gaps
    lines = [f"{facts.id}: {len(facts.meetings)} meeting(s), {len(facts.statements)} "
             f"statements, coverage {gaps.coverage:.0%} of result sentences"]
    lines += [f"  missing: {m}" for m in gaps.missing]
    lines += [f"  no statement: “{e.quote}” [{e.start}–{e.end}]" for e in gaps.silent_sentences]
    lines += [f"  verb not in the speech-act lexicon: {v}" for v in gaps.unknown_verbs]
    lines += [f"  speaker not resolved: “{e.quote}” [{e.start}–{e.end}]"
              for e in gaps.unresolved_speakers]
    lines += [f"  name left untyped: “{e.quote}” [{e.start}–{e.end}]"
              for e in gaps.untyped_names]
    return lines


def summary_line(facts: ReleaseFacts) -> str:
    """The gap report in one line, for the build's summary of each release."""
    gaps = facts.gaps
    parts = [f"{len(facts.statements)} statements", f"coverage {gaps.coverage:.0%}"]
    parts += gaps.missing
    if gaps.silent_sentences:
        parts.append(f"{len(gaps.silent_sentences)} result sentences without a statement")
    if gaps.unresolved_speakers:
        parts.append(f"{len(gaps.unresolved_speakers)} speakers not resolved")
    if gaps.untyped_names:
        parts.append(f"{len(gaps.untyped_names)} names left untyped")
    return "; ".join(parts)
