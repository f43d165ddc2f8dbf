"""The contact block: which unit to contact (a chain "Division, Bureau, Ministry" is a
chain of units), telephone, fax, e-mail and web form."""

from __future__ import annotations

import re

from ..document import Document
from ..facts import Contact, Relation
from .names import evidence, find_names
from .registry import ORGANISATION_KINDS, Registry

_FIELDS = {
    "telephone": re.compile(r"^(?:TEL|Tel|Phone|Telephone)\.?\s*[:：]\s*(.+)$"),
    "fax": re.compile(r"^(?:FAX|Fax)\.?\s*[:：]\s*(.+)$"),
    "email": re.compile(r"^(?:E-?mail|e-?mail|E-?Mail)\.?\s*[:：]\s*(\S+@\S+)$"),
}
_URL = re.compile(r"https?://\S+")


def extract_contact(doc: Document, registry: Registry) -> tuple[Contact | None, list[Relation]]:
    if not doc.contact:
        return None, []
    text = doc.text
    values: dict[str, str | None] = {"telephone": None, "fax": None, "email": None, "url": None}
    organisation = None
    relations: list[Relation] = []
    for paragraph in doc.contact:
        line = text[paragraph.start:paragraph.end]
        for name, pattern in _FIELDS.items():
            m = pattern.match(line)
            if m and values[name] is None:
                values[name] = m.group(1).strip()
        url = _URL.fullmatch(line.strip())
        if url and values["url"] is None:
            values["url"] = url.group(0)
        if organisation is None and not any(p.match(line) for p in _FIELDS.values()):
            chain = _unit_chain(text, paragraph.start, paragraph.end, registry)
            if chain:
                organisation = chain[0]
                ev = evidence(text, paragraph.start, paragraph.end)
                relations += [Relation(a, "unitOf", ev, object=b) for a, b in zip(chain, chain[1:])]
    first, last = doc.contact[0], doc.contact[-1]
    contact = Contact(organisation, values["telephone"], values["fax"], values["url"],
                      values["email"], evidence(text, first.start, last.end))
    return contact, relations


def _unit_chain(text: str, start: int, end: int, registry: Registry) -> list[str]:
    """"Global Strategy Division, Global Strategy Bureau, MIC": each part a unit of the next."""
    parts = [p.strip() for p in text[start:end].split(",")]
    if len(parts) < 1 or any(not p or not p[0].isupper() for p in parts):
        return []
    names = [n for n in find_names(text, start, end, registry) if not n.nested]
    chain = [n.entity for n in names if registry.kinds(n.entity) & ORGANISATION_KINDS]
    return chain if len(chain) == len(parts) else []
