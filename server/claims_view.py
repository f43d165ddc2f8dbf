"""A thing's dated claims as a page shows them: what a release said of it (a status, an
entry into force, a schedule, a post) holds as of the release's date, so each is shown
"as of <date>, per <release>", the latest of each kind first and the history after it
(docs/model.md, Dated claims). The latest is derived here from the claims' dates, as
queries/16-law-status-latest.rq derives it: it is never stored."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Store

from ontology import PK

from . import describe
from .entity_view import Value, Viewer
from .links import Links

# How a page heads each kind of claim (the ontology's labels name the property, not the fact)
HEADINGS = {PK + "statusClaim": "Status", PK + "entryIntoForceClaim": "Entry into force",
            PK + "scheduleClaim": "Scheduled for", PK + "postClaim": "Post"}


@dataclass
class ClaimView:
    claim: Value
    value: Value | None  # the status, for a status claim
    text: str  # a date claimed (an entry into force, a schedule) or a post's title
    organisation: Value | None  # a post's organisation, when named
    as_of: str
    release: Value | None
    issued: str


@dataclass
class ClaimGroup:
    """One kind of claim about the thing: the latest (two releases of one date that
    disagree: both) and every claim in date order."""

    heading: str
    property: Value
    latest: list[ClaimView]
    history: list[ClaimView]


def claims(store: Store, base: str, links: Links, node: NamedNode) -> list[ClaimGroup]:
    viewer = Viewer(store, base, links)
    grouped: dict[str, dict[str, ClaimView]] = {}
    for row in describe.select(store, base, "claims", thing=node):
        kept = grouped.setdefault(row["property"].value, {})
        if row["claim"].value in kept:  # a release of several titles or dates: the first
            continue
        text = row["dateValue"] if row["dateValue"] is not None else row["title"]
        kept[row["claim"].value] = ClaimView(
            viewer.value(row["claim"]), _value(viewer, row["value"]),
            text.value if text is not None else "", _value(viewer, row["organisation"]),
            row["asOf"].value, _value(viewer, row["release"]),
            row["issued"].value if row["issued"] is not None else "")
    groups = []
    for prop, found in grouped.items():
        history = sorted(found.values(), key=lambda c: (c.as_of, c.issued, c.claim.iri or ""))
        newest = history[-1].as_of
        groups.append(ClaimGroup(HEADINGS.get(prop, prop), viewer.value(NamedNode(prop)),
                                 [c for c in history if c.as_of == newest], history))
    return sorted(groups, key=lambda g: list(HEADINGS).index(g.property.iri))


def _value(viewer: Viewer, term) -> Value | None:
    return viewer.value(term) if term is not None else None
