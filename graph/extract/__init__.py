"""Extraction: from a release's document model to the facts it states.

The steps run in the order the text's structure needs: meetings first (they give the
sides, so "both sides" can be resolved), then sections (agenda topics), then statements
sentence by sentence with the names, items and relations inside them, then the contact.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..dates import MONTHS, WEEKDAYS
from ..document import Document, parse_document
from ..facts import AgendaItem, Meeting, Mention, Relation, ReleaseFacts, Statement
from ..lexicon import Lexicon
from ..source import SourceText
from .agenda import best_topic, cue_topic, inline_agenda, item_marker, item_reference, table_topics
from .agenda import matches as agenda_matches
from .contact import extract_contacts
from .gaps import find_gaps
from .items import analyse_items, item_mentions
from .markers import mask_markers, quoted_from
from .meetings import extract_meetings, meeting_of_heading
from .names import Name, evidence, find_names
from .people import find_people
from .registry import Registry, slugify
from .relations import find_relations
from .statements import Clause, content_of, find_clauses, label_speakers
from .voice import in_release_voice, reference_part


def extract(source: SourceText, lexicon: Lexicon) -> ReleaseFacts:
    """All facts of one release (InputError only for unreadable input: no title or date)."""
    masked = mask_markers(source.text, lexicon.genre.get("reference_markers", []))
    doc = parse_document(source if masked == source.text else replace(source, text=masked),
                         lexicon.genre, lexicon.opening_words)
    registry = Registry(lexicon, doc.published)
    meetings, relations = extract_meetings(doc, registry)
    meta = source.meta
    facts = ReleaseFacts(
        id=f"release/{doc.published.isoformat()}-{slugify(doc.title, 60)}",
        title=doc.title,
        published=doc.published.isoformat(),
        language=str(meta.get("language", "en")),
        source_url=meta.get("source_url"),
        publisher=_publisher(str(meta.get("publisher", "")), registry),
        rights=" ".join(str(meta["reuse"]).split()) if meta.get("reuse") else None,
        text=doc.text,
        meetings=meetings,
        relations=relations,
    )
    for meeting in meetings:
        s, e = meeting.evidence.start, meeting.evidence.end
        names = find_names(doc.text, s, e, registry)
        facts.relations += find_relations(doc.text, s, e, names, registry, doc.published,
                                          None)[0]
    unresolved: list = []
    _statements(doc, registry, facts, unresolved)
    facts.contacts, contact_relations = extract_contacts(doc, registry)
    facts.relations += contact_relations
    facts.relations = _unique(facts.relations)
    facts.entities = sorted(registry.entities.values(), key=lambda e: e.id)
    facts.gaps = find_gaps(doc, facts, unresolved, registry)
    return facts if masked == source.text else quoted_from(facts, source.text)


def _publisher(name: str, registry: Registry) -> str | None:
    actors = [m for m in registry.lexicon.find(name) if m.entry.category == "actor"]
    return registry.curated(actors[0].entry) if actors else None


def _unique(relations: list[Relation]) -> list[Relation]:
    seen, out = set(), []
    for r in relations:
        key = (r.subject, r.predicate, r.object, r.value, r.evidence.start, r.evidence.end)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _scopes(doc: Document, facts: ReleaseFacts, registry: Registry):
    """Yield (section or None for the intro, meeting, topic id or None) in order, adding
    each topic to its meeting's agenda. A heading naming a meeting opens its part; a
    structural heading (Results, Overview), a fact sheet's field or a group of sub-topics
    ("Session 1: Connectivity" over "(1) Submarine cables", "(2) …") names no topic."""
    meeting = facts.meetings[0] if facts.meetings else None
    yield None, meeting, None
    numbered = any(s.number for s in doc.sections if s.role == "topic")
    for index, section in enumerate(doc.sections):
        after = doc.sections[index + 1] if index + 1 < len(doc.sections) else None
        if section.role.startswith("field:"):
            yield section, meeting, None
            continue
        found = meeting_of_heading(section.title, facts.meetings, registry.lexicon)
        if found is not None:
            meeting = found
            yield section, meeting, None
            continue
        if meeting is not None and section.title.lower() in {
                h.lower() for h in registry.lexicon.genre["agenda_headings"]}:
            for start, end in table_topics(doc.text, section.paragraphs,
                                           registry.lexicon.genre["agenda_table_headers"]):
                _add_agenda_item(doc, meeting, start, end, registry)
        if section.role in ("structure", "annex") or (section.number is None and numbered) \
                or _groups_topics(section, after) or _time_or_name(section.title, registry) \
                or meeting is None or reference_part(section.title, registry.lexicon.genre):
            yield section, meeting, None
            continue
        yield section, meeting, _add_agenda_item(doc, meeting, section.start, section.end,
                                                 registry)


def _groups_topics(section, after) -> bool:
    """A heading with no text of its own whose next heading is a level below it."""
    return (not section.paragraphs and after is not None and after.role == "topic"
            and after.level > section.level)


def _add_agenda_item(doc: Document, meeting: Meeting, start: int, end: int,
                     registry: Registry) -> str:
    """The topic text[start:end] names, added as the meeting's next agenda item (once: the
    results may repeat as headings the topics an agenda table listed)."""
    topic = _topic_at(doc, start, end, registry)
    if any(item.topic == topic for item in meeting.agenda):
        return topic
    meeting.agenda.append(AgendaItem(len(meeting.agenda) + 1, topic,
                                     evidence(doc.text, start, end)))
    return topic


def _topic_at(doc: Document, start: int, end: int, registry: Registry) -> str:
    title = re.sub(r",?\s*etc\.?$", "", doc.text[start:end]).strip()
    title = re.sub(r"^[\[<【(]\s*(.*?)\s*[\]>】)]$", r"\1", title)
    wanted = title.lower()
    for entry in registry.lexicon.of("topic"):
        if wanted in {a.lower() for a in (entry.label, *entry.aliases)}:
            return registry.curated(entry)
    label = title[0].upper() + title[1:] if title else title
    return registry.discovered(label, ["Topic"], evidence(doc.text, start, end),
                               slug=slugify(title), category="topic")


_DATE_WORDS = set(MONTHS) | set(WEEKDAYS)


def _no_topic(phrase: str, registry: Registry) -> bool:
    """"On this occasion", "On his part", "On arrival", "Regarding the Estonian proposal",
    "Regarding Japan's support": a lead that names a moment, a manner or a side's own
    contribution, not a topic (genre.yaml not_topic_words; a pronoun or demonstrative
    first; a side's adjective or possessive)."""
    genre = registry.lexicon.genre
    words = re.findall(r"[\w’'-]+", phrase)
    if not words or set(w.lower() for w in words) & set(genre["not_topic_words"]):
        return True
    first = words[1] if words[0].lower() == "the" and len(words) > 1 else words[0]
    return words[0].lower() in genre["not_topic_openers"] \
        or first in registry.lexicon.country_adjectives \
        or re.sub(r"[’']s$", "", first) in registry.lexicon.country_names \
        and re.search(r"[’']s$", first) is not None


def _time_or_name(phrase: str, registry: Registry) -> bool:
    """"On 13 March, …", "Concerning MIC, …", a heading "Mr. Jonas Petrauskas", "Vice-Minister,
    MIC" or "Vilnius": a time, a person, a post or a named actor or place, not a topic."""
    if set(re.findall(r"\w+", phrase)) & _DATE_WORDS:
        return True
    genre = registry.lexicon.genre
    if re.match(r"(?:{})\s".format("|".join(re.escape(h) for h in genre["honorifics"])), phrase):
        return True
    if set(phrase.split(",")[0].split()) & set(genre["post_words"]):  # "State Secretary, X"
        return True
    entry = registry.lexicon.lookup(re.sub(r"^the\s+", "", phrase))
    return entry is not None and entry.category in ("actor", "place")


def _sentence_topic(doc: Document, meeting: Meeting, s: int, e: int, registry: Registry,
                    headed: bool) -> str | None:
    """The agenda topic a sentence opens with ("Regarding data flows, …"): one already on
    the agenda, or, in a release whose agenda is in no heading or list, a new one; "Under
    item (b), …": the item the inline list marked so."""
    mark = item_reference(doc.text, s, e)
    if mark is not None:
        return next((item.topic for item in meeting.agenda
                     if item_marker(doc.text, item.evidence.start) == mark), None)
    cue = cue_topic(doc.text, s, e)
    if cue is None or _no_topic(doc.text[cue[0]:cue[1]], registry) \
            or _time_or_name(doc.text[cue[0]:cue[1]], registry):
        return None
    phrase = doc.text[cue[0]:cue[1]]
    for item in meeting.agenda:
        if agenda_matches(registry.entities[item.topic].label, phrase) \
                or agenda_matches(item.evidence.quote, phrase):
            return item.topic
    return None if headed else _add_agenda_item(doc, meeting, *cue, registry)


def _worded_topic(text: str, s: int, e: int, meeting: Meeting, registry: Registry,
                  flow: str | None, paragraph: str | None) -> str | None:
    """Under an agenda an inline list gave ("topics including IoT security, data free flow
    with trust and quantum-safe communications"), the topic of the paragraph so far, else
    the one whose own words the sentence uses ("… the security of consumer IoT devices"),
    else the one before; none for what comes after the meeting ("the next meeting would be
    held …")."""
    genre = registry.lexicon.genre
    if re.search(genre["topic_words"]["after_meeting"], text[s:e]):
        return None
    if paragraph is not None:
        return paragraph
    labels = [registry.entities[item.topic].label for item in meeting.agenda]
    best = best_topic(text[s:e], labels, set(genre["topic_words"]["generic"]))
    return meeting.agenda[best].topic if best is not None else flow


def _leads_to(doc: Document, topic: str, s: int, e: int, registry: Registry) -> bool:
    """Whether the sentence's lead names this topic (then it stays under it)."""
    cue = cue_topic(doc.text, s, e)
    return cue is not None and agenda_matches(registry.entities[topic].label,
                                              doc.text[cue[0]:cue[1]])


def _add_inline_agenda(doc: Document, meeting: Meeting, s: int, e: int,
                       registry: Registry) -> bool:
    """An inline list's topics as the meeting's agenda; a plain list after "discussed"
    only in the paragraph that reports the meeting."""
    announcing = any(p.start <= meeting.evidence.start < p.end and p.start <= s < p.end
                     for p in doc.intro)
    spans = inline_agenda(doc.text, s, e, registry.lexicon.genre, intro=announcing)
    for start, end in spans:
        _add_agenda_item(doc, meeting, start, end, registry)
    return bool(spans)


def _statements(doc: Document, registry: Registry, facts: ReleaseFacts,
                unresolved: list) -> None:
    waiting: tuple | None = None  # a sentence whose speaker the next sentence names
    previous: list[str] = []  # the speakers of the last statement, for "They"
    listed: set[str] = set()  # meetings whose agenda an inline list gave
    # topics as headings: not parts naming meetings, nor background ("Reference")
    headings = any(s.role == "topic" and meeting_of_heading(s.title, facts.meetings,
                                                            registry.lexicon) is None
                   and not reference_part(s.title, registry.lexicon.genre)
                   for s in doc.sections)
    for section, meeting, topic in _scopes(doc, facts, registry):
        meeting_id = meeting.id if meeting else None
        parties = _parties(meeting, facts) if meeting else _named_parties(doc, registry)
        paragraphs = doc.intro if section is None else section.paragraphs
        headed = bool(meeting and meeting.agenda) and meeting_id not in listed
        results = section is not None or not doc.sections
        reference = section is not None and (section.role == "annex" or reference_part(
            section.title, registry.lexicon.genre))
        flow: str | None = None  # the topic the last sentence of this part fell under
        for paragraph in paragraphs:
            if reference_part(doc.text[paragraph.start:paragraph.end], registry.lexicon.genre):
                reference = True  # "(Reference)" on a line of its own: the rest is background
                continue
            current = None if topic and paragraph is not paragraphs[0] \
                and _closing(doc.text, paragraph, registry.lexicon.genre) else topic
            for sentence in paragraph.sentences:
                s, e = sentence.start, sentence.end
                if meeting is not None and topic is None:
                    if not headings and not meeting.agenda \
                            and _add_inline_agenda(doc, meeting, s, e, registry):
                        listed.add(meeting.id)
                    elif section is not None or s >= meeting.evidence.end:
                        led = _sentence_topic(doc, meeting, s, e, registry, headed)
                        if led is None and meeting.id in listed:  # by its words, or as before
                            led = _worded_topic(doc.text, s, e, meeting, registry, flow, None
                                                if sentence is paragraph.sentences[0] else current)
                        current = flow = led or (None if led is None and meeting.id in listed
                                                 else current)
                elif meeting is not None:  # "Regarding Y," under the heading of X
                    led = _sentence_topic(doc, meeting, s, e, registry, True)
                    current = current if led is None or _leads_to(doc, current, s, e, registry) \
                        else led
                names = find_names(doc.text, s, e, registry)
                people, people_relations = find_people(doc.text, s, e, names, registry)
                if people:  # "Prof. A, …, chaired": the person is a name of the sentence
                    facts.relations += people_relations
                    names = find_names(doc.text, s, e, registry)
                label = None if paragraph.label is None else label_speakers(
                    doc.text, *paragraph.label, find_names(doc.text, *paragraph.label, registry),
                    parties, registry)
                clauses, pending = find_clauses(doc.text, s, e, names, parties, registry,
                                                previous, results=results, label=label)
                clauses = _voiced(doc.text, s, clauses, not results, reference,
                                  facts.publisher, registry.lexicon.genre)
                if clauses:
                    previous = clauses[-1].speakers
                if waiting is not None and clauses:
                    for clause in waiting[1]:
                        clause.speakers = clauses[0].speakers
                        clause.attribution = clauses[0].attribution
                    _sentence_facts(doc, registry, facts, *waiting)
                waiting = None
                topics = [current] if current else []
                topics += _lead_topics(doc.text, s, clauses, names, registry)
                topics = list(dict.fromkeys(topics))
                if pending:
                    waiting = (names, pending, s, e, meeting_id, topics)
                unresolved += [evidence(doc.text, c.start, c.end) for c in clauses
                               if not c.speakers]
                _sentence_facts(doc, registry, facts, names, clauses, s, e, meeting_id, topics)


def _closing(text: str, paragraph, genre: dict) -> bool:
    """A paragraph after a topic's first that opens by closing the meeting ("At the end of
    the Forum, the participants adopted …", "Finally, …"): under no topic, though its
    heading's part holds it."""
    first = paragraph.sentences[0] if paragraph.sentences else None
    if first is None:
        return False
    lead = "|".join(re.escape(w) for w in genre["closing_leads"])
    return re.match(rf"(?:{lead})\b", text[first.start:first.end]) is not None


def _voiced(text: str, start: int, clauses: list[Clause], intro: bool, reference: bool,
            publisher: str | None, genre: dict) -> list[Clause]:
    """The clauses, those in the release's own voice given to its publisher (the subject
    they name is then one of what they mention); without a known publisher, dropped."""
    kept = []
    for clause in clauses:
        if in_release_voice(text, start, clause, intro=intro, reference=reference,
                            publisher=publisher, genre=genre):
            if publisher is None:
                continue
            clause.speakers, clause.attribution = [publisher], ""
            clause.subject, clause.release_voice = None, True
        kept.append(clause)
    return kept


def _named_parties(doc: Document, registry: Registry) -> list[str]:
    """Without a meeting, "both sides" are the parties the title and intro name."""
    spans = [doc.title_span] + [(p.start, p.end) for p in doc.intro]
    found = [n.entity for s, e in spans for n in find_names(doc.text, s, e, registry)
             if not n.nested and "Party" in registry.kinds(n.entity)]
    found = list(dict.fromkeys(found))
    return found if len(found) >= 2 else []


def _parties(meeting, facts: ReleaseFacts) -> list[str]:
    parties = [r.object for r in facts.relations
               if r.subject == meeting.series and r.predicate == "party" and r.object]
    return list(dict.fromkeys(parties)) or list(meeting.organisers)


def _lead_topics(text: str, start: int, clauses: list[Clause], names: list[Name],
                 registry: Registry) -> list[str]:
    """"Regarding Beyond 5G (6G), Japan explained …": the topic named before the comma."""
    cues = "|".join(registry.lexicon.genre["topic_cues"])
    m = re.compile(rf"(?:{cues})\s+([^,]+),").match(text, start)
    if not m:
        return []
    return [n.entity for n in names if n.entity.startswith("topic/")
            and m.start(1) <= n.start and n.end <= m.end(1)]


def _sentence_facts(doc: Document, registry: Registry, facts: ReleaseFacts, names: list[Name],
                    clauses: list[Clause], start: int, end: int, meeting_id: str,
                    topics: list[str]) -> None:
    text = doc.text
    sentence = evidence(text, start, end)
    numbers = []
    for clause in [c for c in clauses if c.speakers]:  # no speaker: a gap, reported
        number = len(facts.statements) + 1
        numbers.append((clause, number))
        mentioned = [
            Mention(n.entity, evidence(text, n.start, n.end), number) for n in names
            if clause.start <= n.start and n.end <= clause.end
            and not (clause.subject and clause.subject[0] <= n.start < clause.subject[1])
            and not (clause.release_voice and n.entity in clause.speakers)
        ]
        if clause.act.extra.get("presents") and not clause.nominal:
            items, item_relations = analyse_items(text, clause.verb_end, clause.end, names,
                                                  clause.speakers, registry, sentence)
            mentioned += [m for m in item_mentions(text, items, number)
                          if all(m.entity != o.entity for o in mentioned)]
            facts.relations += item_relations
        voice = clause.release_voice  # the publisher's words: at no meeting, on no topic
        statement = Statement(
            number=number, speakers=clause.speakers, attribution=clause.attribution,
            act=f"speech-act/{clause.act.key}", meeting=None if voice else meeting_id,
            topics=[] if voice else topics, content=content_of(text, clause),
            evidence=evidence(text, clause.start, clause.end),
            responds_to=_responds_to(facts, clause, mentioned, meeting_id),
            release_voice=voice,
        )
        facts.statements.append(statement)
        facts.mentions += mentioned
        statement.mentions = list(dict.fromkeys(m.entity for m in mentioned))
    relations, occurrences = find_relations(text, start, end, names + _item_names(facts, start,
                                            end), registry, doc.published, None)
    facts.relations += relations
    for mention in occurrences:
        owner = next((n for c, n in numbers
                      if c.start <= mention.evidence.start < c.end), None)
        mention.statement = owner
        facts.mentions.append(mention)
        if owner is not None:
            facts.statements[owner - 1].mentions.append(mention.entity)


def _item_names(facts: ReleaseFacts, start: int, end: int) -> list[Name]:
    """Described initiatives of this sentence as names, so relation patterns can see them."""
    return [Name(m.evidence.start, m.evidence.end, m.entity) for m in facts.mentions
            if start <= m.evidence.start and m.evidence.end <= end
            and m.entity.startswith("initiative/")]


def _responds_to(facts: ReleaseFacts, clause: Clause, mentioned: list[Mention],
                 meeting_id: str) -> int | None:
    """"The EU expressed agreement with Japan's way of thinking": Japan's latest statement."""
    if clause.act.key != "expressed-agreement":
        return None
    others = {m.entity for m in mentioned if m.entity.startswith("actor/")}
    for earlier in reversed(facts.statements):
        if earlier.meeting == meeting_id and set(earlier.speakers) & others \
                and not set(earlier.speakers) & set(clause.speakers):
            return earlier.number
    return None
