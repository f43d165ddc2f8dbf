"""The contact block: whom to contact (a chain "Division, Bureau, Ministry" is a chain of
units, each part of the next), with the telephone, fax, e-mail and web form that follow.
A block naming several units gives one contact point each."""

from __future__ import annotations

import re

from ..document import Document
from ..facts import Contact, Relation
from .inference import UNIT_CHAIN_IN_ADDRESS
from .names import evidence, find_names
from .registry import ORGANISATION_KINDS, Registry

_FIELDS = {
    "telephone": re.compile(r"^(?:TEL|Tel|Phone|Telephone)\.?\s*[:：]\s*(.+)$"),
    "fax": re.compile(r"^(?:FAX|Fax)\.?\s*[:：]\s*(.+)$"),
    "email": re.compile(r"^(?:E-?mail|e-?mail|E-?Mail)\.?\s*[:：]\s*(\S+@\S+)$"),
}
_URL = re.compile(r"https?://\S+")


def extract_contacts(doc: Document, registry: Registry) -> tuple[list[Contact], list[Relation]]:
    text = doc.text
    contacts: list[Contact] = []
    relations: list[Relation] = []
    url: str | None = None
    for paragraph in doc.contact:
        line = text[paragraph.start:paragraph.end].strip()
        field = next(((name, m) for name, p in _FIELDS.items() if (m := p.match(line))), None)
        if field is not None:
            if contacts and getattr(contacts[-1], field[0]) is None:
                setattr(contacts[-1], field[0], field[1].group(1).strip())
                contacts[-1].evidence = evidence(text, contacts[-1].evidence.start, paragraph.end)
            continue
        if _URL.fullmatch(line):
            url = url or line
            continue
        chain = _unit_chain(text, paragraph.start, paragraph.end, registry)
        if chain:
            ev = evidence(text, paragraph.start, paragraph.end)
            relations += [Relation(a, "unitOf", ev, object=b, rule=UNIT_CHAIN_IN_ADDRESS)
                          for a, b in zip(chain, chain[1:], strict=False)]
            contacts.append(Contact(chain[0], None, None, None, None, ev))
    for contact in contacts:
        contact.url = url
    return contacts, relations


def _unit_chain(text: str, start: int, end: int, registry: Registry) -> list[str]:
    """"Global Strategy Division, Global Strategy Bureau, MIC": each part a unit of the next."""
    parts = [p.strip() for p in text[start:end].split(",")]
    if any(not p or not p[0].isupper() for p in parts):
        return []
    names = [n for n in find_names(text, start, end, registry) if not n.nested]
    chain = [n.entity for n in names if registry.kinds(n.entity) & ORGANISATION_KINDS]
    return chain if len(chain) == len(parts) else []
