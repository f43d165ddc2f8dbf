"""What a SPARQL request is, read from its text without evaluating it: the query form
(for content negotiation before evaluation), and whether it is an update or uses
SERVICE (both refused by a public read-only endpoint before anything runs).

The text is scanned as SPARQL tokens, so a keyword inside a string, an IRI or a comment
(`"SERVICE"`, `<http://x/SERVICE>`, `# insert`) is not taken for the keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z0-9_.-]*)?)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)
_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
            "WITH"}


@dataclass(frozen=True)
class Shape:
    form: str | None  # select | ask | construct | describe, or None if not a query
    update: bool
    service: bool

    @property
    def graph_result(self) -> bool:
        return self.form in ("construct", "describe")


@lru_cache(maxsize=64)
def words(text: str) -> tuple[str, ...]:
    """The keywords and names of a SPARQL text, upper-cased, without strings, IRIs,
    variables and comments (cached: a request asks more than once)."""
    return tuple(m.group("word").upper() for m in _TOKENS.finditer(text) if m.group("word"))


def form_offset(text: str) -> int | None:
    """Where the query form keyword starts: everything before it is the prologue."""
    for m in _TOKENS.finditer(text):
        word = m.group("word")
        if word and word.upper() not in ("BASE", "PREFIX") and ":" not in word:
            return m.start()
    return None


def capped(text: str, cap: int) -> tuple[str, str] | None:
    """A SELECT query cut to `cap` rows, and a probe that counts up to cap + 1 rows (to say
    whether the cut dropped any); None if the text has no query form to wrap."""
    at = form_offset(text)
    if at is None:
        return None
    prologue, body = text[:at], text[at:]
    limited = f"{prologue}SELECT * WHERE {{ {body}\n}} LIMIT {cap}"
    probe = (f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * WHERE {{ {body}\n}} "
             f"LIMIT {cap + 1} }} }}")
    return limited, probe


def shape(text: str) -> Shape:
    tokens = words(text)
    first = next((w for w in tokens if w not in ("BASE", "PREFIX") and ":" not in w), None)
    return Shape(form=_FORMS.get(first or ""), update=first in _UPDATES or any(
        w in ("INSERT", "DELETE") and _is_update_op(tokens, i) for i, w in enumerate(tokens)),
        service="SERVICE" in tokens)


def _is_update_op(tokens: tuple[str, ...], index: int) -> bool:
    """INSERT/DELETE as an operation (INSERT DATA, DELETE WHERE, … ; after a ';' in a
    request of several operations), not a prefixed name or variable."""
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    return following in ("DATA", "WHERE") or index == 0
