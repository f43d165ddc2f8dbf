"""Meetings a release reports, however it announces them: "MIC and DG CONNECT held the 28th
Japan-EU ICT Policy Dialogue in Brussels, Belgium on Friday, February 24, 2023", "The 7th
… was held in Berlin", "officials met in Tokyo on October 1 and 2, 2019 for the 25th …",
"… was convened as a web conference", or a fact sheet whose Date, Venue and Participants
fields give what the intro leaves out. Each gives the series, edition, organisers,
participants, place, format and days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..dates import MONTHS, WEEKDAYS, Days, find_days
from ..document import Document, Paragraph, Section, Sentence
from ..facts import Inferred, Meeting, Relation
from ..lexicon import Lexicon
from .gazetteer import city_called
from .inference import (
    COUNTRY_OF_HOST,
    COUNTRY_OF_REFERENCE_CITY,
    IN_PERSON_BY_DEFAULT,
    PARTIES_FROM_SERIES_NAME,
    YEAR_FROM_RELEASE_DATE,
    yearless,
)
from .names import Name, city_place, evidence, find_names
from .people import find_people
from .registry import ORGANISATION_KINDS, Registry, slugify
from .voice import reference_part

_CAP = r"[A-Z][\w'’.-]*"
_PLACE = re.compile(
    rf"\bin\s+(?P<city>{_CAP}(?:\s{_CAP}){{0,2}})"
    rf"(?:,\s+(?:the\s+)?(?P<country>{_CAP}(?:\s(?:of\s)?{_CAP}){{0,3}}))?"
)
_DAYS = "|".join(MONTHS + WEEKDAYS)
_NOT_PLACES = set(MONTHS) | set(WEEKDAYS) | {"Part", "ICT", "AI"}
_STOP = ("the", "and", "a", "an", "on", "in", "at", "of", "for", "with", "by", "to", "was",
         "were", "is", "held", "between", "from", "as", "which", "that", "this", "its")


@dataclass(frozen=True)
class SeriesMention:
    start: int
    end: int
    name: str  # the series' name as written, without edition
    edition: int | None
    name_start: int
    pair: str  # the sides it joins, as written ("Japan-Viet Nam")


_NOWHERE = SeriesMention(0, 0, "", None, 0, "")  # no series in the span


@cache
def _series_regex(parties: tuple[str, ...], heads: tuple[str, ...],
                  ordinals: tuple[str, ...]) -> re.Pattern[str]:
    party = "(?:" + "|".join(re.escape(p) for p in parties) + r"|[A-Z][A-Za-z]*(?:\.[A-Z])*\.?)"
    word = rf"(?!(?:{'|'.join(_STOP)})\b)[\w&'’/-]+(?:\.\w+)*"
    head = "|".join(heads)
    ordinal = "|".join(ordinals)
    return re.compile(
        rf"(?:(?P<ord>\d{{1,3}}(?:st|nd|rd|th)|(?i:{ordinal}))\s+"
        r"(?:(?i:meeting|session|round|edition|time)\s+(?:of|under)\s+(?:the\s+)?)?)?"
        rf"(?P<name>(?P<pair>{party}(?:[-–]{party})+)"
        # "Innovation and Digitalisation Dialogue" (not "… Dialogue and Japan-UK Workshop")
        rf"(?:\s+(?:(?:and|&)\s+(?=[A-Z])(?![\w.]*[-–]))?{word}){{0,6}}\s+(?i:{head})"
        rf"(?:\s+(?:on|for)\s+(?:the\s+)?(?!{_DAYS}\b)(?:[A-Z][\w-]*|ICT)"
        r"(?:\s+(?:and\s+)?[A-Z][\w-]*)*)?)"
        r"(?![\w-])"
    )


def series_regex(lexicon: Lexicon) -> re.Pattern[str]:
    genre = lexicon.genre
    return _series_regex(lexicon.party_names, tuple(genre["series_heads"]),
                         tuple(genre["ordinals"]))


def _edition(token: str | None, ordinals: list[str]) -> int | None:
    if not token:
        return None
    if token[0].isdigit():
        return int(re.match(r"\d+", token).group(0))
    return ordinals.index(token.lower()) + 1


def find_series(text: str, start: int, end: int, lexicon: Lexicon) -> list[SeriesMention]:
    """The series names in text[start:end] ("the 28th Japan-EU ICT Policy Dialogue")."""
    ordinals = lexicon.genre["ordinals"]
    return [SeriesMention(m.start(), m.end(), _without_meeting(m.group("name"), lexicon),
                          _edition(m.group("ord"), ordinals), m.start("name"), m.group("pair"))
            for m in series_regex(lexicon).finditer(text, start, end)]


def _without_meeting(name: str, lexicon: Lexicon) -> str:
    """"the 2nd Japan-Australia Digital Partnership Meeting": a meeting of the series
    named before it, when that name already ends in a series head."""
    words = name.split()
    heads = {h.lower() for h in lexicon.genre["series_heads"]}
    if len(words) > 2 and words[-1].lower() == "meeting" and words[-2].lower() in heads:
        words = words[:-1]
    return " ".join(words)


def series_key(series: SeriesMention, lexicon: Lexicon) -> str:
    """The same series however its abbreviations are dotted ("Japan-U.S." = "Japan-US"),
    its words are cased and its sides ordered ("UK-Japan ICT Policy Dialogue" = "Japan-UK
    ICT policy dialogue"): the home party first, then the others as written."""
    home = lexicon.genre["home_parties"]
    parts = re.split(r"[-–]", series.pair)
    parts = [p for p in parts if p in home] + [p for p in parts if p not in home]
    name = "-".join(parts) + series.name[len(series.pair):]
    return slugify(re.sub(r"(?<=[A-Z])\.(?=[A-Z]|\W|$)", "", name))


def _curated_series(series: SeriesMention, lexicon: Lexicon):
    """The lexicon's series this mention names, by alias or by key (any order or case)."""
    entry = lexicon.series_by_name(series.name)
    if entry is not None:
        return entry
    key = series_key(series, lexicon)
    return next((e for e in lexicon.of("series") for alias in e.aliases
                 for m in find_series(alias, 0, len(alias), lexicon)
                 if series_key(m, lexicon) == key), None)


def _sentences(paragraphs: list[Paragraph]):
    for paragraph in paragraphs:
        yield from paragraph.sentences


def _all_sentences(doc: Document, genre: dict):
    """The sentences that may report a meeting as held: not an annex's nor a reference
    part's (a note or "(Reference)" saying "the 3rd dialogue was held in Tokyo in 2024" is
    background, not a meeting of the release); "(Reference)" on a line of its own ends
    its part's reports."""
    parts = [doc.intro] + [s.paragraphs for s in doc.sections
                           if s.role != "annex" and not reference_part(s.title, genre)]
    for paragraphs in parts:
        for paragraph in paragraphs:
            if reference_part(doc.text[paragraph.start:paragraph.end], genre):
                break
            yield from paragraph.sentences


def _held(text: str, sentence: Sentence, genre: dict) -> re.Match[str] | None:
    """Where the sentence says a meeting took place, unless it is still to come."""
    verbs = "|".join(re.escape(v) for v in sorted(genre["held_verbs"], key=len, reverse=True))
    future = "|".join(re.escape(f) for f in sorted(genre["future_markers"], key=len,
                                                   reverse=True))
    for m in re.finditer(rf"\b(?:{verbs})\b", text[sentence.start:sentence.end]):
        before = text[sentence.start:sentence.start + m.start()]
        if re.search(rf"\b(?:{future})\s+(?:be\s+)?$", before) or re.search(r"\bnext\b",
                                                                            before[-40:]):
            continue
        return re.compile(re.escape(m.group(0))).search(text, sentence.start + m.start())
    return None


def extract_meetings(doc: Document, registry: Registry) -> tuple[list[Meeting], list[Relation]]:
    """One meeting per series that a sentence says was held; failing that, the series the
    title names, on the fact sheet's date."""
    genre = registry.lexicon.genre
    text = doc.text
    meetings: dict[str, Meeting] = {}
    relations: list[Relation] = []
    field_days = _field_days(text, doc.sections, doc.published)
    for sentence in _all_sentences(doc, genre):
        verb = _held(text, sentence, genre)
        if verb is None:
            continue
        mentions = [s for s in find_series(text, sentence.start, sentence.end, registry.lexicon)
                    if not re.search(r"\bnext\s+$", text[max(0, s.start - 6):s.start])]
        if not mentions:
            continue
        days = find_days(text, sentence.start, sentence.end, doc.published) \
            or _dateline_days(doc, sentence) or field_days
        if days is None:
            continue
        series = min(mentions, key=lambda s: abs(s.start - verb.start()))
        registry.series_names.add(series.name)
        meeting, found = _meeting(doc, sentence, series, verb, days, registry)
        if meeting.id not in meetings:
            meetings[meeting.id] = meeting
            relations.extend(found)
    for heading, series, fields in _parts(doc, registry.lexicon):
        days = _field_days(text, fields, doc.published)
        if days is None or any(m.series.split("/", 1)[1] == series_key(series, registry.lexicon)
                               for m in meetings.values()):
            continue
        registry.series_names.add(series.name)
        meeting, found = _meeting(doc, Sentence(heading.start, heading.end), series, None, days,
                                  registry, fields)
        meetings.setdefault(meeting.id, meeting)
        relations.extend(found)
    for meeting in meetings.values():
        relations.extend(_leaders_elsewhere(doc, meeting, list(meetings.values()), registry))
        _format_elsewhere(doc, meeting, list(meetings.values()), registry)
    if not meetings:
        fallback = _from_title(doc, registry, field_days)
        if fallback is not None:
            meetings[fallback[0].id] = fallback[0]
            relations.extend(fallback[1])
    return list(meetings.values()), relations


def _leaders_elsewhere(doc: Document, meeting: Meeting, meetings: list[Meeting],
                       registry: Registry) -> list[Relation]:
    """"The dialogue was co-chaired by Mr. A, …, MIC, and Dr. B, …, BMDV", "The Israeli
    delegation was headed by Ms. C, …, INCD": organisers and participants named after the
    sentence that says the meeting was held, in every later sentence of its part where the
    meeting was led (not "the opening session was chaired by"), or a side when that
    sentence names no organiser ("MIC hosted …; the Indian delegation was led by …": India's
    body attended). They join those of the held sentence (a body rather than a country).
    When bodies held it, the leaders of its sides ("The Japanese delegation was led by …")
    are its participants only."""
    text, genre = doc.text, registry.lexicon.genre
    held_by_bodies = bool(_bodies(meeting.organisers, registry))
    meeting_cue = _led(genre["meeting_subjects"] + genre["series_heads"]
                       + ([] if held_by_bodies else genre["side_subjects"]), genre)
    side_cue = _led(genre["side_subjects"], genre)
    relations: list[Relation] = []
    for sentence in _part_sentences(doc, meeting, meetings, registry.lexicon):
        if not meeting_cue.search(text, sentence.start, sentence.end):
            if side_cue.search(text, sentence.start, sentence.end):
                people, found_relations = find_people(
                    text, sentence.start, sentence.end,
                    find_names(text, sentence.start, sentence.end, registry), registry)
                meeting.participants = list(dict.fromkeys(
                    meeting.participants + [p.entity for p in people]))
                relations += found_relations
            continue
        names = find_names(text, sentence.start, sentence.end, registry)
        people, found_relations = find_people(text, sentence.start, sentence.end, names,
                                              registry)
        found = _organisers(text, sentence, _NOWHERE, None, names, people, registry,
                            meeting.place, leaders_only=True)
        listed, listed_relations = _listed_people(doc, sentence, registry)
        found += [p.organisation for p in listed if p.organisation]
        people += listed
        found_relations += listed_relations
        if not found:
            continue
        # the held sentence's countries give way to bodies; a country a leader's post
        # names ("Deputy Minister … of the Hellenic Republic") stays
        prior = _bodies(meeting.organisers, registry) if _bodies(found, registry) \
            else meeting.organisers
        everyone = list(dict.fromkeys(prior + found))
        meeting.organisers = _with_people([o for o in everyone if not o.startswith("person/")],
                                          [o for o in everyone if o.startswith("person/")],
                                          registry)
        meeting.participants = list(dict.fromkeys(
            meeting.participants + [p.entity for p in people]))
        relations += found_relations
    return relations


def _led(subjects: list[str], genre: dict) -> re.Pattern[str]:
    """"<subject> was/were (jointly) led by", for these subjects (the meeting, a side)."""
    words = "|".join(re.escape(w) for w in subjects)
    return re.compile(rf"\b(?i:{words})\s+(?:was|were)\s+(?:\w+\s+)?(?:"
                      + "|".join(re.escape(c) for c in genre["leader_cues"]) + r")\b")


def _listed_people(doc: Document, sentence: Sentence, registry: Registry):
    """"The meeting was co-chaired by:" then one paragraph per person ("Mr. A, Director-
    General …, MIC"): the people of the paragraphs after the colon that each open with
    one, each read apart (a post does not run on into the next paragraph)."""
    text = doc.text
    people, relations = [], []
    if not text[sentence.start:sentence.end].rstrip().endswith(":"):
        return people, relations
    end = sentence.end
    paragraphs = list(doc.intro) + [p for s in doc.sections for p in s.paragraphs]
    for paragraph in (p for p in paragraphs if p.start >= sentence.end):
        if text[end:paragraph.start].strip():
            break  # a heading or other text between: the list is over
        names = find_names(text, paragraph.start, paragraph.end, registry)
        found, found_relations = find_people(text, paragraph.start, paragraph.end, names,
                                             registry, bare=True)
        if not found:
            break
        people += found
        relations += found_relations
        end = paragraph.end
    return people, relations


def _format_elsewhere(doc: Document, meeting: Meeting, meetings: list[Meeting],
                      registry: Registry) -> None:
    """"… took place in Mexico City. The meeting was held in a hybrid format": a later
    sentence whose subject is the meeting states the format the announcing sentence and
    fields left to the default."""
    text, genre = doc.text, registry.lexicon.genre
    venue = " ".join(text[p.start:p.end] for s in doc.fields("venue") for p in s.paragraphs)
    if _mode(meeting.evidence.quote + " " + venue, genre) is not None:
        return
    subjects = "|".join(re.escape(w) for w in genre["meeting_subjects"] + genre["series_heads"])
    held = re.compile(rf"\b(?i:{subjects})\s+(?:was|were)\s+(?:\w+\s+)?(?:held|conducted|run|"
                      r"convened|organi[sz]ed)\b")
    for sentence in _part_sentences(doc, meeting, meetings, registry.lexicon):
        if held.search(text, sentence.start, sentence.end):
            mode = _mode(text[sentence.start:sentence.end], genre)
            if mode is not None:
                meeting.mode = mode
                meeting.inferred.pop("mode", None)  # stated after all
                return


def _part_sentences(doc: Document, meeting: Meeting, meetings: list[Meeting],
                    lexicon: Lexicon):
    """The sentences that may say more about a meeting: those of the intro after the one
    that announces it (up to the next meeting's), the sections that are not topics (one
    meeting) and the part whose heading names it (several)."""
    later = [m.evidence.start for m in meetings if m.evidence.start > meeting.evidence.start]
    stop = min(later, default=len(doc.text))
    for sentence in _sentences(doc.intro):
        if meeting.evidence.end <= sentence.start < stop:
            yield sentence
    for section in doc.sections:
        if len(meetings) == 1 and section.role != "topic" \
                or section.role == "topic" and len(meetings) > 1 \
                and meeting_of_heading(section.title, meetings, lexicon) is meeting:
            yield from _sentences(section.paragraphs)


def _field_days(text: str, fields: list[Section], published) -> Days | None:
    for section in (f for f in fields if f.role == "field:date"):
        for paragraph in section.paragraphs:
            days = find_days(text, paragraph.start, paragraph.end, published)
            if days is not None:
                return days
    return None


def _parts(doc: Document, lexicon: Lexicon) -> list[tuple[Section, SeriesMention,
                                                             list[Section]]]:
    """"1. The 11th Japan-Finland ICT Policy Consultation" then its own Date, Venue and
    Participants fields, "2. Japan-Estonia Digital Workshop" then its own: part headings
    naming a series, each with the fields up to the next such heading."""
    parts: list[tuple[Section, SeriesMention, list[Section]]] = []
    for section in doc.sections:
        mentions = find_series(doc.text, section.start, section.end, lexicon) \
            if section.role == "topic" else []
        if mentions:
            parts.append((section, mentions[0], []))
        elif parts and section.role.startswith("field:"):
            parts[-1][2].append(section)
    return parts


def _from_title(doc: Document, registry: Registry, days: Days | None):
    """A release whose intro names the meeting without saying when ("MIC held the 8th …
    with DoT. The outline is as follows."), dated by its Date field or first date."""
    text = doc.text
    for paragraph in doc.intro:
        for sentence in paragraph.sentences:
            mentions = find_series(text, sentence.start, sentence.end, registry.lexicon)
            found = days or find_days(text, sentence.start, sentence.end, doc.published)
            if mentions and found:
                registry.series_names.add(mentions[0].name)
                return _meeting(doc, sentence, mentions[0], None, found, registry)
    mentions = find_series(text, *doc.title_span, registry.lexicon)
    found = days or next((d for s in _all_sentences(doc, registry.lexicon.genre)
                          if (d := find_days(text, s.start, s.end, doc.published))), None)
    if mentions and found:
        registry.series_names.add(mentions[0].name)
        return _meeting(doc, Sentence(*doc.title_span), mentions[0], None, found, registry)
    return None


def _series_entity(text: str, series: SeriesMention, registry: Registry) -> str:
    entry = _curated_series(series, registry.lexicon)
    if entry is not None:
        return registry.curated(entry)
    return registry.discovered(series.name, ["DialogueSeries"],
                               evidence(text, series.name_start, series.end),
                               slug=series_key(series, registry.lexicon), category="series")


def _meeting(doc: Document, sentence: Sentence, series: SeriesMention,
             verb: re.Match[str] | None, days: Days, registry: Registry,
             fields: list[Section] | None = None) -> tuple[Meeting, list[Relation]]:
    """The meeting `sentence` announces, with what the fact sheet's fields (the release's,
    or those of its part) add: place, participants, a host on the Venue line."""
    text, genre = doc.text, registry.lexicon.genre
    fields = doc.sections if fields is None else fields
    ev = evidence(text, sentence.start, sentence.end)
    series_id = _series_entity(text, series, registry)
    relations = [Relation(series_id, "party", evidence(text, series.name_start, series.end),
                          object=party, rule=PARTIES_FROM_SERIES_NAME)
                 for party in _parties(series, registry)]
    slug = series_id.split("/", 1)[1]
    meeting_id = f"meeting/{slug}-{series.edition or days.first.isoformat()}"
    label = text[series.start:series.end]

    venue = [f for f in fields if f.role == "field:venue"]
    place, place_relations = _place(text, sentence, series, registry)
    if place is None:
        for paragraph in (p for s in venue for p in s.paragraphs):
            place, place_relations = _place_field(text, paragraph, registry)
            if place:
                break
    if place is None and doc.dateline is not None \
            and _mode(text[sentence.start:sentence.end], genre) != "online":
        place = _dateline_place(text, *doc.dateline.city, registry)
    relations.extend(place_relations)

    names = find_names(text, sentence.start, sentence.end, registry)
    if place is not None and not place.startswith("actor/") and not any(
            r.predicate == "inCountry" for r in place_relations):
        relations.extend(_country_elsewhere(text, place, sentence, venue, names, registry))
    people, people_relations = find_people(text, sentence.start, sentence.end, names, registry)
    for section in (f for f in fields if f.role == "field:participants"):
        for paragraph in section.paragraphs:
            more_names = find_names(text, paragraph.start, paragraph.end, registry)
            found, found_relations = find_people(text, paragraph.start, paragraph.end,
                                                 more_names, registry)
            people += found
            people_relations += found_relations
    relations.extend(people_relations)
    organisers = _organisers(text, sentence, series, verb, names, people, registry, place)
    for paragraph in (p for s in venue for p in s.paragraphs):  # "Helsinki (hosted by …)"
        organisers += _organisers(text, Sentence(paragraph.start, paragraph.end), _NOWHERE,
                                  None, find_names(text, paragraph.start, paragraph.end,
                                                   registry), [], registry, place,
                                  leaders_only=True)
    if not organisers:
        organisers = [p.organisation for p in people if p.organisation and p.chair]
    cues = text[sentence.start:sentence.end] + " " + " ".join(
        text[p.start:p.end] for s in venue for p in s.paragraphs)
    mode = _mode(cues, genre)
    inferred = {}
    if mode is None and place is not None:  # a place and no cue: in person, by default
        mode, inferred["mode"] = "offline", Inferred(IN_PERSON_BY_DEFAULT, ev)
    if yearless(text[days.start:days.end]):
        inferred["date"] = Inferred(YEAR_FROM_RELEASE_DATE, evidence(text, days.start, days.end))
    meeting = Meeting(meeting_id, label, series_id, series.edition, days.first.isoformat(),
                      place, mode, list(dict.fromkeys(organisers)), ev,
                      end_date=days.last.isoformat() if days.last != days.first else None,
                      participants=list(dict.fromkeys(p.entity for p in people)),
                      inferred=inferred)
    return meeting, relations


def _dateline_days(doc: Document, sentence: Sentence) -> Days | None:
    """"ADDIS ABABA, 12 May 2026 — MIC and … held today the …": a lead sentence that gives
    no day of its own is of the dateline's."""
    line = doc.dateline
    if line is None or not doc.intro or not doc.intro[0].start <= sentence.start \
            < doc.intro[0].end:
        return None
    return find_days(doc.text, line.start, line.end, doc.published)


def _dateline_place(text: str, start: int, end: int, registry: Registry) -> str | None:
    """The city of the lead's dateline ("ABUJA, 29 May 2026 — …"), for a meeting whose
    sentence names no place: a city the lexicon or the world's table knows, by its name
    written in capitals."""
    name = " ".join(w.capitalize() for w in text[start:end].split())
    entry = registry.lexicon.lookup(name)
    if entry is not None and entry.category == "place":
        return registry.curated(entry, evidence(text, start, end))
    city = city_called(name, start, end)
    return city_place(text, city, registry) if city is not None else None


def _organisers(text: str, sentence: Sentence, series: SeriesMention, verb, names: list[Name],
                people, registry: Registry, place: str | None,
                leaders_only: bool = False) -> list[str]:
    """Who held it: the actors before the held verb, and those after a cue ("hosted by",
    "co-chaired by", "with"; only leader cues in a sentence that does not announce the
    meeting); a person stands for the organisation of their post."""
    genre = registry.lexicon.genre
    actors = [n for n in names if not n.nested and registry.is_actor(n.entity)
              and not series.start <= n.start < series.end and n.entity != place
              and not re.search(r"\b(?:of|in|at|from) (?:the )?$",
                                text[max(0, n.start - 9):n.start])
              and not text.startswith(("'s ", "’s "), n.end)]
    by_person = {p.start: p for p in people}
    chosen: list[str] = []
    holders: list = []  # people who held it: their organisations, or themselves
    if verb is not None:
        chosen += [n.entity for n in actors if n.end <= verb.start()
                   and not any(p.start <= n.start < p.end for p in people)]
        holders += [p for p in people if p.end <= verb.start()]
    phrases = genre["leader_cues"] + ([] if leaders_only else genre["organiser_cues"])
    cues = "|".join(re.escape(c) for c in sorted(phrases, key=len, reverse=True))
    spans = [(p.start, p.end) for p in people]
    for cue in re.finditer(rf"\b(?:{cues})\s+", text[sentence.start:sentence.end]):
        at = sentence.start + cue.end()
        stop = _clause_end(text, at, sentence.end, spans)
        holders += [p for p in people if at <= p.start < stop]
        chosen += [n.entity for n in actors if at <= n.start < stop
                   and not any(p.start <= n.start < p.end for p in by_person.values())
                   and not _ATTENDING.match(text, n.end)]
        chosen += _bodies_of_posts(text, at, sentence.end, names, spans, registry)
    return _held_by(chosen, holders, registry)


def _bodies_of_posts(text: str, start: int, end: int, names: list[Name],
                     people: list[tuple[int, int]], registry: Registry) -> list[str]:
    """"led by the Vice-Minister for Policy Coordination of MIC and the Deputy Minister for
    Digital Transformation of the Ministry of … of Egypt": posts with no name (the people
    may be named later); each post's body (its first, else its country) held the meeting."""
    leads = "|".join(re.escape(w) for w in sorted(registry.lexicon.genre["post_leads"],
                                                  key=len, reverse=True))
    found = []
    stop = re.compile(r";|\s(?:was|were)\s|,\s+(?:which|where|with)\s").search(text, start, end)
    end = stop.start() if stop else end
    for part in re.finditer(r"(?:(?!,?\s+and\s+the\s).)+", text[start:end]):
        s, e = start + part.start(), start + part.end()
        if not re.match(rf"(?:,?\s*and\s+)?(?:the\s+)?(?:{leads})\b", text[s:e]) \
                or any(s <= a < e for a, _ in people):
            continue
        actors = [n.entity for n in names if s <= n.start < e and not n.nested
                  and registry.kinds(n.entity) & (ORGANISATION_KINDS | {"Country"})]
        found += (_bodies(actors, registry) or actors)[:1]
    return found


def _held_by(actors: list[str], holders: list, registry: Registry) -> list[str]:
    """The organisers: the bodies named (rather than countries, when a body is named or
    is one of the people's), then for each person who held it, the organisation of their
    post (a ministry, or the country their post names: "Federal Minister for Digital
    Affairs of Austria"), or, when the release gives none, the person (README:
    organisers)."""
    named = _prefer_bodies(actors, registry)
    held = [p.organisation for p in holders if p.organisation]
    if _bodies(held, registry):  # "the Swedish delegation was led by Ms. A, …, PTS": PTS
        named = _bodies(named, registry)
    return _with_people(list(dict.fromkeys(named + held)),
                        [p.entity for p in holders if not p.organisation], registry)


def _with_people(organisers: list[str], people: list[str], registry: Registry) -> list[str]:
    """The organisers, and the people of no known organisation who held the meeting, but
    only while fewer than two bodies hold it (each side's body, once named, stands for its
    people)."""
    bodies = [o for o in organisers if not o.startswith("person/")]
    return organisers if len(_bodies(bodies, registry)) >= 2 else organisers + people


# "… in Tokyo, with the Peruvian delegation participating remotely": how a side attended,
# not who held the meeting
_ATTENDING = re.compile(r"(?:\s+(?:side|delegation|delegations|participants))?\s+"
                        r"(?:participating|participated|joining|joined|attending|attended|"
                        r"connected|connecting)\b")


def _prefer_bodies(chosen: list[str], registry: Registry) -> list[str]:
    """"EU officials met …; co-chaired by MIC and DG CONNECT": the bodies, if any, hold it."""
    return list(dict.fromkeys(_bodies(chosen, registry) or chosen))


def _bodies(actors: list[str], registry: Registry) -> list[str]:
    return [a for a in actors if not {"Country", "Party"} & registry.kinds(a)]


def _clause_end(text: str, start: int, end: int, people: list[tuple[int, int]]) -> int:
    """Where the clause after an organiser cue ends; a person's post ("Vice-Minister for
    Policy Coordination") does not end it, nor does an abbreviation's dot ("the U.S.
    delegation by Ms. …": the sentence is already cut where it ends)."""
    pattern = re.compile(r"\s(?:in|on|at|for|to|from|as|was|were)\s|;")
    at = start
    while (m := pattern.search(text, at, end)) is not None:
        inside = next((e for s, e in people if s <= m.start() < e), None)
        if inside is None:
            return m.start()
        at = inside
    return end


def _parties(series: SeriesMention, registry: Registry) -> list[str]:
    """"Japan-EU ICT Policy Dialogue", "Japan-OECD Policy Dialogue": the sides its name
    joins, countries or organisations; a country by its adjective too ("Japan-Czech …",
    the form of "the Czech side")."""
    parts = re.split(r"[-–]", series.pair)
    entries = [registry.lexicon.lookup(p) or registry.lexicon.lookup(f"{p} side")
               for p in parts]
    if len(parts) < 2 or any(e is None or e.category != "actor" for e in entries) \
            or not any("Party" in e.kinds for e in entries):
        return []
    return [registry.curated(e) for e in entries]


def _place(text: str, sentence: Sentence, series: SeriesMention, registry: Registry):
    for m in _PLACE.finditer(text, sentence.start, sentence.end):
        if series.start <= m.start() < series.end:
            continue
        city, city_end = m.group("city"), m.end("city")
        if city.endswith(".") and not re.search(r"\b[A-Z]\.$", city):  # the sentence's stop
            city, city_end = city[:-1], city_end - 1
        if city.split()[0] in _NOT_PLACES or city.rstrip(".") in _NOT_PLACES:
            continue
        entry = registry.lexicon.lookup(city.rstrip("."))
        if entry is not None and entry.category not in ("place", "actor"):
            continue
        if entry is not None and entry.category == "actor" and "Country" not in entry.kinds:
            continue
        if city.isupper() and entry is None:
            continue  # "in ICT", "in MIC"
        country = m.group("country")
        if country and _country(country, registry) is None:
            if len(country) <= 5 and entry is None:  # "Washington, D.C."
                city, city_end = text[m.start("city"):m.end("country")], m.end("country")
            country = None
        return _place_relations(text, m.start("city"), city_end,
                                (m.start("country"), m.end("country")) if country else None,
                                sentence, registry)
    return None, []


_OF_COUNTRY = re.compile(r"\s+of\s+(?:the\s+)?([A-Z]\w*(?:\s+[A-Z]\w*)*)")


def _country_elsewhere(text: str, place: str, sentence: Sentence, venue: list[Section],
                       names: list[Name], registry: Registry) -> list[Relation]:
    """The country of a city the announcing sentence names without one ("in Oslo"): the
    Venue field's ("Oslo, Norway"), the lexicon's (reference cities: capitals, hubs), or
    that of a body the sentence or the Venue line names as "… of <country>" ("hosted by
    the Agency for Administrative Modernization of Portugal")."""
    for paragraph in (p for s in venue for p in s.paragraphs):
        found, relations = _place_field(text, paragraph, registry)
        if found == place and relations:
            return relations
    entry = registry.lexicon.get(*place.split("/", 1))
    ev = evidence(text, sentence.start, sentence.end)
    if entry is not None and entry.extra.get("country"):
        if not entry.extra.get("reference"):
            return []  # the lexicon graph states it
        country = registry.lexicon.get("actor", entry.extra["country"])
        return [Relation(place, "inCountry", ev, object=registry.curated(country, ev),
                         rule=COUNTRY_OF_REFERENCE_CITY)]
    home = registry.lexicon.genre["home_parties"]
    hosts = [(n, sentence) for n in names if re.search(r"\bhosted by (?:the )?$",
                                                       text[sentence.start:n.start])]
    hosts += [(n, Sentence(p.start, p.end)) for s in venue for p in s.paragraphs
              for n in find_names(text, p.start, p.end, registry)]
    for name, where in hosts:  # "… of Portugal" inside the name or right after it
        found = [re.search(r"\bof\s+(?:the\s+)?([A-Z][\w ]*?)$", text[name.start:name.end]),
                 _OF_COUNTRY.match(text, name.end)]
        country = next((c for m in found if m and (c := _country(m.group(1), registry))), None)
        if country is not None and country.label not in home:
            return [Relation(place, "inCountry", evidence(text, where.start, where.end),
                             object=registry.curated(country), rule=COUNTRY_OF_HOST)]
    return []


def _place_field(text: str, paragraph: Paragraph, registry: Registry):
    """A Venue field: "Paris, France (hybrid format)", "Singapore (in person)", "Online",
    "DICT Head Office, Quezon City, the Philippines": the country is the last part if it
    is one, the city the known place or else the last part before it that is not a
    building ("… Office", "… Headquarters")."""
    value_end = text.find("(", paragraph.start, paragraph.end)
    value_end = paragraph.end if value_end < 0 else value_end
    parts = [m.span() for m in re.compile(r"[^,;]+").finditer(text, paragraph.start,
                                                                value_end)]
    parts = [_strip_article(text, *_strip(text, a, b)) for a, b in parts]
    parts = [(a, b) for a, b in parts if b > a and text[a].isupper()]
    modes = {cue for rule in registry.lexicon.genre["attendance"] for cue in rule["cues"]}
    if not parts or text[parts[0][0]:parts[0][1]].lower() in modes | {"web", "virtual",
                                                                       "video"}:
        return None, []  # "Online", "Web conference": a format, not a place
    country = parts[-1] if len(parts) > 1 and _country(text[slice(*parts[-1])],
                                                      registry) else None
    cities = [part for part in parts if part != country]
    venues = registry.lexicon.genre["venue_words"]
    known = [c for c in cities if (e := registry.lexicon.lookup(text[slice(*c)])) is not None
             and e.category == "place"]
    plain = [c for c in cities if not set(text[slice(*c)].split()) & set(venues)]
    city = (known or plain or [None])[-1]
    if city is None:
        return None, []
    return _place_relations(text, *city, country, Sentence(paragraph.start, paragraph.end),
                            registry)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in " \t.":
        end -= 1
    return start, end


def _strip_article(text: str, start: int, end: int) -> tuple[int, int]:
    return (start + 4, end) if text.startswith("the ", start) else (start, end)


def _country(name: str, registry: Registry):
    """The country entry a name is ("Republic of Indonesia", "the Philippines"), or None."""
    name = name[4:] if name.startswith("the ") else name
    entry = registry.lexicon.lookup(name)
    return entry if entry is not None and {"Country", "Party"} & set(entry.kinds) else None


def _place_relations(text: str, start: int, end: int, country: tuple[int, int] | None,
                     sentence: Sentence, registry: Registry):
    city = _place_entity(text, start, end, registry)
    relations = []
    if country is not None:
        nation = _place_entity(text, *country, registry, country=True)
        if nation != city:
            relations.append(Relation(city, "inCountry", evidence(text, sentence.start,
                                                                  sentence.end), object=nation))
    return city, relations


def _place_entity(text: str, start: int, end: int, registry: Registry,
                  country: bool = False) -> str:
    name = text[start:end]
    entry = registry.lexicon.lookup(name)
    if entry is not None and entry.category in ("place", "actor"):
        return registry.curated(entry, evidence(text, start, end))
    kinds = ["Country"] if country else ["Place"]
    return registry.discovered(name, kinds, evidence(text, start, end), slug=slugify(name),
                               category="actor" if country else "place")


def _mode(cues: str, genre: dict) -> str | None:
    """The first attendance cue's mode; a cue qualifying some other noun ("online safety",
    "online platforms") says nothing about the meeting. None when no cue says it."""
    followers = "|".join(genre["attendance_followers"])
    for rule in genre["attendance"]:
        if any(re.search(rf"(?<![\w-]){re.escape(cue)}(?![\w-])(?!\s+(?!(?:{followers})\b)[a-z])",
                         cues, re.IGNORECASE if cue.islower() else 0)
               for cue in rule["cues"]):
            return rule["mode"]
    return None


def meeting_of_heading(title: str, meetings: list[Meeting], lexicon: Lexicon,
                       ) -> Meeting | None:
    """The meeting a part heading names ("(1) 30th Japan-EU ICT Policy Dialogue", "Part 2:
    Japan-UK Cyber Security Workshop", "<Workshop>")."""
    for mention in find_series(title, 0, len(title), lexicon):
        key = series_key(mention, lexicon)
        same = [m for m in meetings if m.series.split("/", 1)[1] == key
                or (mention.edition and m.edition == mention.edition)]
        if len(same) == 1:
            return same[0]
    if len(meetings) > 1:
        words = set(re.findall(r"[A-Za-z]+", title.lower()))
        heads = [m for m in meetings if m.label.split()[-1].lower() in words]
        if len(heads) == 1 and len(words) <= 6:
            return heads[0]
    return None
