"""What a side presented: the items of "X, including such examples as A, and B" or
"its latest initiatives, namely A and B". Named items are already entities; an unnamed
item headed by an initiative noun ("its budget for research and development projects")
becomes a described initiative, owned by "its"/"MIC's" owner, part of the main item."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..facts import Evidence, Mention, Relation
from .names import Name, evidence
from .registry import Registry, slugify


@dataclass(frozen=True)
class Item:
    start: int
    end: int
    entity: str | None  # the named or described initiative the item is, if any
    owner: str | None


def _examples_split(text: str, start: int, end: int, markers: list[str]):
    alternation = "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
    m = re.compile(rf",?\s+(?:{alternation})\s+").search(text, start, end)
    return (start, m.start(), m.end()) if m else (start, end, None)


def _item_spans(text: str, start: int, end: int, genre: dict) -> list[tuple[int, int]]:
    """Split a list of items at commas/"and" that open a new item (a framing phrase, a
    determiner with a name or initiative noun, an initiative noun, or a capitalised name)."""
    framing = [f for f in genre["item_framing"]]
    nouns = set(genre["initiative_nouns"])
    determiners = set(genre["determiners"])
    spans, begin = [], start
    for sep in re.finditer(r",\s+and\s+|,\s+|\s+and\s+", text[start:end]):
        after = text[start + sep.end():end]
        words = after.split()
        if not words:
            continue
        opens = (
            any(after.startswith(f) for f in framing)
            or words[0].strip("\"“") in nouns
            or (words[0] in determiners and len(words) > 1
                and (words[1][0].isupper() or words[1] in nouns or words[1] == "status"))
            or ("," in sep.group(0) and words[0][0].isupper())
        )
        if opens:
            spans.append((begin, start + sep.start()))
            begin = start + sep.end()
    spans.append((begin, end))
    return [(s, e) for s, e in spans if e > s]


def _core(text: str, start: int, end: int, names: list[Name], speakers: list[str],
          registry: Registry) -> tuple[int, int, str | None]:
    """Strip framing, determiners and a possessive; return the core span and its owner."""
    genre = registry.lexicon.genre
    strippers = sorted(genre["item_framing"] + genre["determiners"] + genre["proposal_cues"],
                       key=len, reverse=True)
    owner = None
    changed = True
    while changed:
        changed = False
        while start < end and text[start] in " \"“":
            start += 1
        for word in strippers:
            if text.startswith(word + " ", start) and start + len(word) < end:
                if re.search(r"\b(?:its|their)\b", word) and len(speakers) == 1:
                    owner = speakers[0]
                start += len(word) + 1
                changed = True
                break
        possessive = next((n for n in names if n.start == start and not n.nested
                           and registry.is_actor(n.entity)
                           and text.startswith("'s ", n.end)), None)
        if possessive is not None:
            owner, start, changed = possessive.entity, possessive.end + 3, True
    for cut in genre["item_cuts"]:
        at = text.find(cut, start, end)
        if at != -1:
            end = at
    while end > start and text[end - 1] in " ,\"”":
        end -= 1
    return start, end, owner


def _described_kind(words: list[str], genre: dict) -> str | None:
    post = set(genre["post_modifiers"])
    head_words = []
    for word in words:
        if word in post:
            break
        head_words.append(word)
    if not head_words or head_words[-1].lower() not in genre["initiative_nouns"]:
        return None
    has_post = len(head_words) < len(words)
    content = [w for w in head_words[:-1] if w.lower() not in genre["vague_words"]]
    if not (content or has_post):
        return None
    return genre["initiative_nouns"][head_words[-1].lower()]


def analyse_items(text: str, start: int, end: int, names: list[Name], speakers: list[str],
                  registry: Registry, sentence: Evidence) -> tuple[list[Item], list[Relation]]:
    """Items of what was presented in text[start:end], with partOf/initiativeOf relations."""
    genre = registry.lexicon.genre
    main_end_at, main_end, examples_from = _examples_split(text, start, end,
                                                           genre["example_markers"])
    groups = [(_item_spans(text, main_end_at, main_end, genre), None)]
    relations: list[Relation] = []
    main_items = [_item(text, s, e, names, speakers, registry) for s, e in groups[0][0]]
    items = list(main_items)
    if examples_from is not None:
        parent = main_items[0] if len(main_items) == 1 else None
        for s, e in _item_spans(text, examples_from, end, genre):
            inherited = parent.owner if parent is not None else None
            item = _item(text, s, e, names, speakers, registry, inherited)
            items.append(item)
            if parent is not None and parent.entity and item.entity:
                relations.append(Relation(item.entity, "partOf", sentence, object=parent.entity))
    for item in items:
        if item.entity and item.owner:
            relations.append(Relation(item.entity, "initiativeOf", sentence, object=item.owner))
    return items, relations


def _item(text: str, start: int, end: int, names: list[Name], speakers: list[str],
          registry: Registry, inherited: str | None = None) -> Item:
    genre = registry.lexicon.genre
    core_start, core_end, owner = _core(text, start, end, names, speakers, registry)
    owner = owner or inherited
    named = next((n for n in names if n.start == core_start and not n.nested
                  and not n.entity.startswith("topic/")), None)
    if named is not None:
        is_initiative = named.entity.startswith("initiative/")
        return Item(named.start, named.end, named.entity if is_initiative else None,
                    owner if is_initiative else None)
    label = text[core_start:core_end]
    kind = _described_kind(label.split(), genre)
    if kind is None:
        return Item(core_start, core_end, None, owner)
    label = label[0].upper() + label[1:]
    prefix = (owner or speakers[0]).split("/", 1)[1] if (owner or speakers) else ""
    known = set(registry.entities)
    entity = registry.discovered(label, [kind], evidence(text, core_start, core_end),
                                 slug=slugify(f"{prefix} {label}"), category="initiative")
    words = label.split()
    named = len(words) > 1 and all(w[0].isupper() for w in words[:-1])  # "Palapa Ring project"
    if entity not in known and not named:  # a phrase describing it, not a name of it
        registry.entities[entity].described = True
    return Item(core_start, core_end, entity, owner)


def item_mentions(text: str, items: list[Item], statement: int) -> list[Mention]:
    return [Mention(i.entity, evidence(text, i.start, i.end), statement)
            for i in items if i.entity]
