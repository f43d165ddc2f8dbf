"""Candidate duplicates across releases: two IRIs a build minted for what may be one thing
("Beyond 5G Promotion Strategy" and "Beyond 5G R&D Promotion Strategy"; "NOTICE project"
and "NOTICE"). Found by string similarity (rapidfuzz) among the discovered entities of one
kind, and by a discovered label that is a curated alias; reported, never merged: a person
decides, and adds an alias to the lexicon."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .lexicon import Lexicon

SIMILAR = 90  # token-sort ratio (0–100) from which two labels are reported


@dataclass(frozen=True)
class Candidate:
    first: str
    second: str
    score: float


def _key(label: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", label.lower()))


def _edition_of(a: str, b: str) -> bool:
    """"…-forum", "…-forum-2024", "…-forum-2025": an event and its occurrences of a year,
    not duplicates."""
    return re.sub(r"-\d{4}$", "", a) == re.sub(r"-\d{4}$", "", b)


def candidates(labels: dict[str, str], lexicon: Lexicon) -> list[Candidate]:
    """Pairs of discovered entities (id → label) of the same kind with similar labels, and
    discovered entities whose label a curated entry of the same kind has as an alias."""
    curated = {(e.category, _key(a)): f"{e.category}/{e.key}" for e in lexicon.entries.values()
               for a in e.aliases}
    found = []
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entity, label in labels.items():
        kind = entity.split("/", 1)[0]
        key = _key(label)
        same = curated.get((kind, key))
        if same and same != entity:
            found.append(Candidate(same, entity, 100.0))
        words = key.split()
        if words:  # compared within a kind and a first word: linear, not quadratic, in practice
            groups[(kind, words[0])].append(entity)
    for members in groups.values():
        if len(members) < 2:
            continue
        keys = [_key(labels[m]) for m in members]
        scores = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR)
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                if scores[i][j] and not _edition_of(members[i], members[j]):
                    found.append(Candidate(members[i], members[j], float(scores[i][j])))
    return sorted(found, key=lambda c: (-c.score, c.first, c.second))
