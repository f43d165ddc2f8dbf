"""Reference markers ("Dialogue¹", "Plan 2030[1]", "Strategy (*3)") hidden from extraction.

A marker glued to a word makes it another word to every pattern ("Aires²" is no city,
"application¹" no naming noun), and one inside a name splits it. Extraction therefore reads
the release with each marker (genre.yaml ``reference_markers``) replaced by spaces of its
length: offsets stay those of the release, and the facts' evidence is quoted again from the
release as written, so quotes keep the markers and names do not.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from functools import lru_cache

from ..facts import Evidence, ReleaseFacts


@lru_cache(maxsize=4)
def _pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{m})" for m in markers))


def mask_markers(text: str, markers: list[str]) -> str:
    """The text with each marker's characters (not its line breaks) as spaces."""
    if not markers:
        return text
    return _pattern(tuple(markers)).sub(
        lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def quoted_from(facts: ReleaseFacts, text: str) -> ReleaseFacts:
    """The facts with every evidence quote taken from `text` (the release as written) and
    the release's text set to it."""
    return replace(_requote(facts, text), text=text)


def _requote(value, text: str):
    if isinstance(value, Evidence):
        return Evidence(value.start, value.end, text[value.start:value.end])
    if isinstance(value, list):
        return [_requote(v, text) for v in value]
    if isinstance(value, dict):
        return {k: _requote(v, text) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _requote(getattr(value, f.name), text)
                                 for f in fields(value) if f.init})
    return value
