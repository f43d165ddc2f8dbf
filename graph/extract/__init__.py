"""Extraction: from a release's document model to the facts it states.

The steps run in the order the text's structure needs: meetings first (they give the
sides, so "both sides" can be resolved), then sections (agenda topics), then statements
sentence by sentence with the names, items and relations inside them, then the contact.
"""

from __future__ import annotations

import re

from ..document import Document, Section, parse_document
from ..errors import InputError
from ..facts import AgendaItem, Mention, Relation, ReleaseFacts, Statement
from ..lexicon import Lexicon
from ..source import SourceText
from .contact import extract_contacts
from .items import analyse_items, item_mentions
from .meetings import extract_meetings, series_pattern
from .names import Name, evidence, find_names
from .registry import Registry, slugify
from .relations import find_relations
from .statements import Clause, content_of, find_clauses


def extract(source: SourceText, lexicon: Lexicon) -> ReleaseFacts:
    """All facts of one release; raise InputError if it reports no meeting."""
    doc = parse_document(source, lexicon.genre)
    registry = Registry(lexicon)
    meetings, relations = extract_meetings(doc, registry)
    if not meetings:
        raise InputError(source.path, "no meeting found: no sentence says that a dialogue "
                         "was held on a date")
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
    _statements(doc, registry, facts)
    facts.contacts, contact_relations = extract_contacts(doc, registry)
    facts.relations += contact_relations
    facts.relations = _unique(facts.relations)
    facts.entities = sorted(registry.entities.values(), key=lambda e: e.id)
    return facts


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
    """Yield (section or None for the intro, meeting id, topic id or None) in order, adding
    each topic to its meeting's agenda."""
    by_key = {(m.series, m.edition): m for m in facts.meetings}
    meeting = facts.meetings[0]
    yield None, meeting.id, None
    numbered = any(s.number for s in doc.sections)
    pattern = series_pattern(registry.lexicon.genre)
    for section in doc.sections:
        found = _meeting_of(section.title, pattern, by_key, registry)
        if found is not None:
            meeting = found
            yield section, meeting.id, None
            continue
        if section.number is None and numbered:
            yield section, meeting.id, None
            continue
        topic = _topic(doc, section, registry)
        meeting.agenda.append(AgendaItem(len(meeting.agenda) + 1, topic,
                                         evidence(doc.text, section.start, section.end)))
        yield section, meeting.id, topic


def _meeting_of(title: str, pattern, by_key, registry: Registry):
    m = pattern.search(title)
    if not m or not m.group("ord"):
        return None
    entry = registry.lexicon.series_by_name(m.group("name"))
    series = f"series/{entry.key}" if entry else f"series/{slugify(m.group('name'))}"
    found = by_key.get((series, int(m.group("ord"))))
    if found is None:
        candidates = [mt for (_, ed), mt in by_key.items() if ed == int(m.group("ord"))]
        found = candidates[0] if len(candidates) == 1 else None
    return found


def _topic(doc: Document, section: Section, registry: Registry) -> str:
    title = re.sub(r",?\s*etc\.?$", "", section.title).strip()
    wanted = title.lower()
    for entry in registry.lexicon.of("topic"):
        if wanted in {a.lower() for a in (entry.label, *entry.aliases)}:
            return registry.curated(entry)
    return registry.discovered(title, ["Topic"], evidence(doc.text, section.start, section.end),
                               slug=slugify(title), category="topic")


def _statements(doc: Document, registry: Registry, facts: ReleaseFacts) -> None:
    meetings = {m.id: m for m in facts.meetings}
    waiting: tuple | None = None  # a sentence whose speaker the next sentence names
    for section, meeting_id, topic in _scopes(doc, facts, registry):
        parties = _parties(meetings[meeting_id], facts)
        paragraphs = doc.intro if section is None else section.paragraphs
        for paragraph in paragraphs:
            for sentence in paragraph.sentences:
                s, e = sentence.start, sentence.end
                names = find_names(doc.text, s, e, registry)
                clauses, pending = find_clauses(doc.text, s, e, names, parties, registry)
                if waiting is not None and clauses:
                    for clause in waiting[1]:
                        clause.speakers = clauses[0].speakers
                        clause.attribution = clauses[0].attribution
                    _sentence_facts(doc, registry, facts, *waiting)
                waiting = None
                topics = [topic] if topic else []
                topics += _lead_topics(doc.text, s, clauses, names, registry)
                topics = list(dict.fromkeys(topics))
                if pending:
                    waiting = (names, pending, s, e, meeting_id, topics)
                _sentence_facts(doc, registry, facts, names, clauses, s, e, meeting_id, topics)


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
    for clause in clauses:
        number = len(facts.statements) + 1
        numbers.append((clause, number))
        mentioned = [
            Mention(n.entity, evidence(text, n.start, n.end), number) for n in names
            if clause.start <= n.start and n.end <= clause.end
            and not (clause.subject and clause.subject[0] <= n.start < clause.subject[1])
        ]
        if clause.act.extra.get("presents") and not clause.nominal:
            items, item_relations = analyse_items(text, clause.verb_end, clause.end, names,
                                                  clause.speakers, registry, sentence)
            mentioned += [m for m in item_mentions(text, items, number)
                          if all(m.entity != o.entity for o in mentioned)]
            facts.relations += item_relations
        statement = Statement(
            number=number, speakers=clause.speakers, attribution=clause.attribution,
            act=f"speech-act/{clause.act.key}", meeting=meeting_id, topics=topics,
            content=content_of(text, clause), evidence=evidence(text, clause.start, clause.end),
            responds_to=_responds_to(facts, clause, mentioned, meeting_id),
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
