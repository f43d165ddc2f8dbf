"""Relations a sentence states between the things it names, found by the genre's patterns
(``relations`` in genre.yaml) over the sentence with every name masked as a slot."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from ..dates import DATE_RE, WHEN_RE, parse_date, resolve_month
from ..facts import Evidence, Mention, Relation
from .inference import OCCURRENCE_OF_SERIES, YEAR_FROM_RELEASE_DATE, yearless
from .names import Name
from .registry import ORGANISATION_KINDS, Registry, slugify

_SLOT = "\u27e6{}\u27e7"  # ⟦n⟧: cannot occur in a release's prose


@dataclass(frozen=True)
class _Pattern:
    predicate: str
    regex: re.Pattern[str]
    past: bool


@cache
def _compile(patterns: tuple[tuple[str, str, str], ...]) -> tuple[_Pattern, ...]:
    slot = "\u27e6\\d+\u27e7"
    out = []
    for predicate, pattern, tense in patterns:
        regex = (pattern.replace("{X}", f"(?P<x>{slot})").replace("{Y}", f"(?P<y>{slot})")
                 .replace("{DATE}", f"(?P<date>{DATE_RE.pattern})")
                 .replace("{WHEN}", f"(?P<when>{WHEN_RE.pattern})")
                 .replace("{PLACE}", f"(?:(?P<y>{slot})|(?P<place>[A-Z][a-z]+(?: [A-Z][a-z]+)*))"))
        out.append(_Pattern(predicate, re.compile(regex), tense == "past"))
    return tuple(out)


def _mask(text: str, start: int, end: int, names: list[Name]) -> tuple[str, list[Name]]:
    outer = sorted((n for n in names if not n.nested and start <= n.start and n.end <= end),
                   key=lambda n: (n.start, -(n.end - n.start)))
    pieces, cursor, slots = [], start, []
    for name in outer:
        if name.start < cursor:
            continue
        pieces.append(text[cursor:name.start])
        pieces.append(_SLOT.format(len(slots)))
        slots.append(name)
        cursor = name.end
    pieces.append(text[cursor:end])
    return "".join(pieces), slots


def find_relations(text: str, start: int, end: int, names: list[Name], registry: Registry,
                   published: dt.date, statement: int | None
                   ) -> tuple[list[Relation], list[Mention]]:
    """Relations stated in text[start:end]; new mentions for event occurrences it creates."""
    masked, slots = _mask(text, start, end, names)
    patterns = _compile(tuple((r["predicate"], r["pattern"], r.get("tense", "future"))
                              for r in registry.lexicon.genre["relations"]))
    sentence = Evidence(start, end, text[start:end])
    relations: list[Relation] = []
    mentions: list[Mention] = []
    for pattern in patterns:
        for m in pattern.regex.finditer(masked):
            x = slots[int(m.group("x")[1:-1])]
            y = slots[int(m.group("y")[1:-1])] if "y" in m.groupdict() and m.group("y") else None
            relations.extend(_relation(pattern, m, x, y, registry, published,
                                       sentence, mentions, statement))
    return relations, mentions


def _relation(pattern: _Pattern, m: re.Match[str], x: Name, y: Name | None,
              registry: Registry, published: dt.date, sentence: Evidence,
              mentions: list[Mention], statement: int | None) -> list[Relation]:
    predicate = pattern.predicate
    is_initiative = x.entity.startswith("initiative/")
    if predicate == "implementedBy" and is_initiative and y and registry.is_actor(y.entity):
        return [Relation(x.entity, "implementedBy", sentence, object=y.entity)]
    if predicate == "enteredIntoForce" and is_initiative:
        date = parse_date(m)
        if date is None:
            return []
        return [Relation(x.entity, "enteredIntoForce", sentence, value=date.isoformat(),
                         datatype="date"),
                Relation(x.entity, "status", sentence, object="status/in-force")]
    if predicate == "status-proposed" and is_initiative:
        return [Relation(x.entity, "status", sentence, object="status/proposed")]
    if predicate == "description" and is_initiative:
        return [Relation(x.entity, "description", sentence, value=m.group("text").strip())]
    if predicate == "unitOf" and y and (registry.kinds(x.entity) & ORGANISATION_KINDS) \
            and (registry.kinds(y.entity) & ORGANISATION_KINDS):
        return [Relation(x.entity, "unitOf", sentence, object=y.entity)]
    if predicate == "heldIn" and is_initiative and "Event" in registry.kinds(x.entity):
        place = _place(m, y, registry, sentence)
        if place is not None:
            month = resolve_month(WHEN_RE.match(m.group("when")), published, pattern.past)
            year_rule = YEAR_FROM_RELEASE_DATE if yearless(m.group("when")) else None
            return _occurrence(month, year_rule, x, place, registry, sentence, mentions,
                               statement)
    return []


def _place(m: re.Match[str], y: Name | None, registry: Registry, sentence: Evidence) -> str | None:
    """Where an event is held: a known place or country, or a capitalised name (a new place)."""
    if y is not None:
        kinds = registry.kinds(y.entity)
        return y.entity if y.entity.startswith("place/") or "Country" in kinds else None
    name = m.group("place")
    entry = registry.lexicon.lookup(name)
    if entry is not None:
        return registry.curated(entry) if entry.category in ("place", "actor") else None
    offset = sentence.quote.find(name)
    return registry.discovered(name, ["Place"], Evidence(sentence.start + offset, sentence.start
                               + offset + len(name), name), slug=slugify(name), category="place")


def _occurrence(month: str, year_rule: str | None, x: Name, place: str, registry: Registry,
                sentence: Evidence, mentions: list[Mention], statement: int | None):
    """"IGF due to be held in Japan this October": the 2023 meeting of the IGF, in Japan.
    The text names the forum, not its 2023 meeting: the occurrence and its link to the
    forum are ours (OCCURRENCE_OF_SERIES), and so is the year of "this October"."""
    event = registry.entities[x.entity]
    label = f"{event.label} {month[:4]}"
    slug = f"{x.entity.split('/', 1)[1]}-{month[:4]}"
    occurrence = registry.discovered(label, ["Event"], sentence, slug=slug,
                                     category="initiative")
    registry.entities[occurrence].rule = OCCURRENCE_OF_SERIES
    mentions.append(Mention(occurrence, Evidence(x.start, x.end, sentence.quote[
        x.start - sentence.start:x.end - sentence.start]), statement))
    return [Relation(occurrence, "partOf", sentence, object=x.entity, rule=OCCURRENCE_OF_SERIES),
            Relation(occurrence, "heldIn", sentence, object=place),
            Relation(occurrence, "scheduledFor", sentence, value=month, datatype="gYearMonth",
                     rule=year_rule)]
