"""The entities one extraction run has seen, curated or discovered, and their slugs.

Slugs are derived deterministically (same text, same IRIs), and a curated entry always wins
over a discovered name, so the same real-world thing in two releases is one IRI.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from ..facts import Entity, Evidence
from ..lexicon import Entry, Lexicon, trie_pattern

ACTOR_KINDS = {"Actor", "Party", "Country", "Organisation", "GovernmentBody",
               "OrganisationalUnit", "Collaboration"}
ORGANISATION_KINDS = {"Organisation", "GovernmentBody", "OrganisationalUnit", "Collaboration"}
INITIATIVE_KINDS = {"Initiative", "Law", "LegislativeProposal", "Strategy", "Guideline",
                    "Project", "Fund", "Event"}


# Letters that Unicode does not decompose into an ASCII letter and a mark ("Łucja", "Øresund")
_UNDECOMPOSED = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d",
                               "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
                               "Þ": "Th", "þ": "th", "ı": "i", "Ħ": "H", "ħ": "h"})


def slugify(text: str, limit: int = 80) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED)).encode(
        "ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "unnamed"


def path_of(kinds: list[str] | tuple[str, ...]) -> str:
    """The IRI path segment ("actor", "initiative", …) for an entity of these kinds."""
    if "Person" in kinds:
        return "person"
    if set(kinds) & ACTOR_KINDS:
        return "actor"
    if set(kinds) & INITIATIVE_KINDS:
        return "initiative"
    if "Place" in kinds:
        return "place"
    if "Topic" in kinds:
        return "topic"
    if "DialogueSeries" in kinds:
        return "series"
    raise ValueError(f"no IRI path for kinds {kinds}")


CATEGORY_KINDS = {"place": ["Place"], "topic": ["Topic"], "series": ["DialogueSeries"]}


@dataclass
class Registry:
    lexicon: Lexicon
    published: dt.date | None = None  # the release's date: which stage a name means
    entities: dict[str, Entity] = field(default_factory=dict)
    series_names: set[str] = field(default_factory=set)  # the meetings' series, as written
    # names this release gave a thing the lexicon does not know (an acronym after its full
    # name, a person's name), so that later mentions of them are found
    seen: dict[str, str] = field(default_factory=dict)
    _seen_pattern: re.Pattern[str] | None = None
    posts: dict[str, str] = field(default_factory=dict)  # person → post, as written

    def holder(self, title: str) -> str | None:
        """"The Commissioner", "the Vice-Minister": the one person of the release whose post
        opens with this title, else whose post's head ends with it ("Parliamentary
        Vice-Minister for …", "Ambassador of … to Japan" for "the Vice-Minister", "the
        Ambassador"); None if no one or several."""
        opening = [who for who, post in self.posts.items()
                   if re.match(rf"{re.escape(title)}(?![\w-])", post)]
        if opening:
            return opening[0] if len(opening) == 1 else None
        headed = [who for who, post in self.posts.items()
                  if re.search(rf"(?<![\w-]){re.escape(title)}$",
                               re.split(r",|\s+(?:of|for|to|in)\s", post, maxsplit=1)[0])]
        return headed[0] if len(headed) == 1 else None

    def remember(self, name: str, entity_id: str) -> None:
        if self.seen.setdefault(name, entity_id) == entity_id:
            self._seen_pattern = None

    def seen_pattern(self) -> re.Pattern[str]:
        if self._seen_pattern is None:
            self._seen_pattern = re.compile(rf"(?<![\w-])(?:{trie_pattern(self.seen)})(?![\w-])")
        return self._seen_pattern

    def curated(self, entry: Entry, evidence: Evidence | None = None,
                proposed: bool = False) -> str:
        """The id of a lexicon entry; a reference one (an ISO country, a capital) is in the
        release's graph as found there, with the evidence of its first mention. A proposal
        named after the act it became was adopted is the act (Lexicon.stage), unless the
        text calls it proposed (`proposed`)."""
        if not proposed:
            entry = self.lexicon.stage(entry, self.published)
        kinds = list(entry.kinds) or CATEGORY_KINDS.get(entry.category, [])
        entity_id = f"{entry.category}/{entry.key}"
        known = self.entities.get(entity_id)
        if known is not None and not known.curated and known.evidence is None:
            known.evidence = evidence
        if entity_id not in self.entities:
            reference = bool(entry.extra.get("reference"))
            self.entities[entity_id] = Entity(
                entity_id, entry.label, kinds, not reference, list(entry.aliases),
                evidence=evidence if reference else None,
                identifiers=[f"ISO 3166-1:{entry.extra['iso3166']}"]
                if entry.extra.get("iso3166") else [])
        return entity_id

    def named(self, name: str, kinds: list[str], evidence: Evidence,
              category: str | None = None) -> str:
        """The id of the thing called `name`: the lexicon's entry if it knows the name,
        otherwise a discovered entity with this evidence."""
        entry = self.lexicon.lookup(name)
        if entry is not None and (category is None or entry.category == category):
            return self.curated(entry)
        return self.discovered(name, kinds, evidence, slug=slugify(name), category=category)

    def discovered(self, label: str, kinds: list[str], evidence: Evidence, slug: str,
                   category: str | None = None) -> str:
        genre = self.lexicon.genre
        words = label.split()
        if genre["proposal_kind"] in kinds and any(
                genre["name_heads"].get(w) in genre["law_kinds"] for w in words[:1] + words[-1:]):
            # "the proposed X Act": not the act it may become, which a later release names
            # alike; one IRI per stage keeps the two apart (pk:Law, pk:LegislativeProposal)
            slug = f"{slug}-{genre['proposal_slug_suffix']}"
        entity_id = f"{category or path_of(kinds)}/{slug}"
        entry = self.lexicon.get(*entity_id.split("/", 1))
        if entry is not None:  # a curated thing under another spelling: the curated one
            return self.curated(entry)
        if entity_id not in self.entities:
            self.entities[entity_id] = Entity(entity_id, label, kinds, False, [], evidence)
        return entity_id

    def kinds(self, entity_id: str) -> set[str]:
        return set(self.entities[entity_id].kinds)

    def is_actor(self, entity_id: str) -> bool:
        return entity_id.startswith(("actor/", "person/"))
