"""Meetings a release reports: "MIC and DG CONNECT held the 28th Japan-EU ICT Policy
Dialogue in Brussels, Belgium (with some participants attending online) on Friday,
February 24, 2023." gives the series, edition, organisers, place, format and date."""

from __future__ import annotations

import re

from ..dates import find_date
from ..document import Document, Sentence
from ..facts import Meeting, Relation
from .names import evidence, find_names
from .registry import Registry, slugify

_PLACE = re.compile(
    r"\bin\s+(?P<city>[A-Z][\w'’-]*(?:\s[A-Z][\w'’-]*)*)(?:,\s+(?P<country>[A-Z][\w'’-]*"
    r"(?:\s[A-Z][\w'’-]*)*))?"
)
_MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"}


def series_pattern(genre: dict) -> re.Pattern[str]:
    heads = "|".join(genre["series_heads"])
    return re.compile(
        rf"(?:(?P<ord>\d+)(?:st|nd|rd|th)\s+)?(?P<name>(?:[A-Z0-9][\w&'’-]*\s+)+(?:{heads}))(?!\w)"
    )


def _sentences(doc: Document):
    for paragraph in doc.intro:
        yield from paragraph.sentences
    for section in doc.sections:
        for paragraph in section.paragraphs:
            yield from paragraph.sentences


def extract_meetings(doc: Document, registry: Registry) -> tuple[list[Meeting], list[Relation]]:
    """One meeting per sentence that says a numbered (or dated) series meeting was held."""
    genre = registry.lexicon.genre
    held = re.compile(rf"\b(?:{'|'.join(genre['held_verbs'])})\b")
    pattern = series_pattern(genre)
    meetings: dict[str, Meeting] = {}
    relations: list[Relation] = []
    text = doc.text
    for sentence in _sentences(doc):
        verb = held.search(text, sentence.start, sentence.end)
        series = pattern.search(text, sentence.start, sentence.end)
        dated = find_date(text, sentence.start, sentence.end)
        if not (verb and series and dated):
            continue
        meeting, found = _meeting(doc, sentence, series, verb, dated, registry)
        if meeting.id not in meetings:
            meetings[meeting.id] = meeting
            relations.extend(found)
    return list(meetings.values()), relations


def _meeting(doc: Document, sentence: Sentence, series: re.Match[str], verb: re.Match[str],
             dated, registry: Registry) -> tuple[Meeting, list[Relation]]:
    text, genre = doc.text, registry.lexicon.genre
    ev = evidence(text, sentence.start, sentence.end)
    name = series.group("name")
    entry = registry.lexicon.series_by_name(name)
    series_id = registry.curated(entry) if entry else registry.discovered(
        name, ["DialogueSeries"], evidence(text, series.start("name"), series.end("name")),
        slug=slugify(name), category="series")
    relations = [Relation(series_id, "party", ev, object=party)
                 for party in _parties(name, registry)]
    edition = int(series.group("ord")) if series.group("ord") else None
    date, _, _ = dated
    slug = series_id.split("/", 1)[1]
    meeting_id = f"meeting/{slug}-{edition if edition else date.isoformat()}"
    label = text[series.start():series.end()]

    place, place_relations = _place(text, sentence, series, registry)
    relations.extend(place_relations)
    names = [n for n in find_names(text, sentence.start, sentence.end, registry)
             if not n.nested and registry.is_actor(n.entity)
             and not series.start() <= n.start < series.end()
             and not re.search(r"\bof (?:the )?$", text[max(0, n.start - 8):n.start])
             and not text.startswith(("'s ", "’s "), n.end)]
    subject = [n.entity for n in names if n.end <= verb.start()]
    by_agent = [n.entity for n in names if n.start >= verb.end()
                and re.match(r"\s*(?:by|with)\b", text[verb.end():n.start]) is not None]
    organisers = list(dict.fromkeys(subject or by_agent))
    if place is not None:
        organisers = [o for o in organisers if o != place]
    mode = _mode(text[sentence.start:sentence.end], genre, place is not None)
    meeting = Meeting(meeting_id, label, series_id, edition, date.isoformat(), place, mode,
                      organisers, ev)
    return meeting, relations


def _parties(name: str, registry: Registry) -> list[str]:
    """"Japan-EU ICT Policy Dialogue": the sides named before the first space."""
    parts = name.split()[0].split("-")
    entries = [registry.lexicon.lookup(p) for p in parts]
    if len(parts) < 2 or any(e is None or e.category != "actor" for e in entries):
        return []
    return [registry.curated(e) for e in entries]


def _place(text: str, sentence: Sentence, series: re.Match[str], registry: Registry):
    for m in _PLACE.finditer(text, sentence.start, sentence.end):
        if series.start() <= m.start() < series.end() or m.group("city") in _MONTHS:
            continue
        if m.group("city").split()[0] in _MONTHS:
            continue
        relations = []
        city = _place_entity(text, m.start("city"), m.end("city"), registry)
        ev = evidence(text, sentence.start, sentence.end)
        if m.group("country"):
            country = _place_entity(text, m.start("country"), m.end("country"), registry,
                                    country=True)
            if country != city:
                relations.append(Relation(city, "inCountry", ev, object=country))
        return city, relations
    return None, []


def _place_entity(text: str, start: int, end: int, registry: Registry,
                  country: bool = False) -> str:
    name = text[start:end]
    entry = registry.lexicon.lookup(name)
    if entry is not None and entry.category in ("place", "actor"):
        return registry.curated(entry)
    kinds = ["Country"] if country else ["Place"]
    return registry.discovered(name, kinds, evidence(text, start, end), slug=slugify(name),
                               category="actor" if country else "place")


def _mode(sentence: str, genre: dict, has_place: bool) -> str | None:
    lowered = sentence.lower()
    for rule in genre["attendance"]:
        if any(cue in lowered for cue in rule["cues"]):
            return rule["mode"]
    return "offline" if has_place else None
