"""A dialogue series over time: its editions in date order (a timeline) and which topics
each edition discussed (a topic × edition matrix, each cell linked to the statements it
counts in the /statements table), and the same matrix as CSV. An actor's statements per
edition, for its page. The pages are series_editions.html and
actor_editions.html (only the matrix's cells are written here, for speed)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import request
from markupsafe import Markup
from pyoxigraph import NamedNode, Store

from graph.iris import SCHEMA
from ontology import PK

from . import describe
from .entity_view import Value, Viewer
from .links import Links
from .statements_view import filtered

CSV_MEDIA = "text/csv"
SERIES_LINK, EDITION = NamedNode(PK + "series"), NamedNode(PK + "edition")
START = NamedNode(SCHEMA + "startDate")
SERIES = PK + "EventSeries"  # a dialogue series and any other recurring event
ACTOR = PK + "Actor"


@dataclass
class Edition:
    meeting: Value
    number: int | None  # the edition's ordinal ("28th")
    date: str  # the meeting's first day, else the date of the release reporting it, else ""
    places: list[Value]
    releases: list[Value]
    statements: int
    statements_href: str | None  # the table filtered by the meeting


@dataclass
class Cell:
    statements: int
    on_agenda: bool
    href: str | None  # the table filtered by the meeting and the topic, when it has rows


@dataclass
class TopicRow:
    topic: Value
    statements: int
    editions: int  # how many editions discussed it (on the agenda or in a statement)
    cells: list[Cell]  # one per edition, in the editions' order

    @property
    def cells_html(self) -> Markup:
        """The row's cells as markup, written here rather than by the template: a series
        of 128 editions has thousands of cells, and a template loop over them took about
        as long as reading the store (~200 ms a page, measured)."""
        return Markup("").join(_cell_html(c) for c in self.cells)


EMPTY = Markup("<td></td>")
AGENDA = Markup('<td class="agenda"><span class="visually-hidden">on the agenda: </span>{}</td>')
LINKED = Markup('<a href="{}">{}</a>')


def _cell_html(cell: Cell) -> Markup:
    shown = LINKED.format(cell.href, cell.statements) if cell.href else \
        ("0" if cell.on_agenda else "")
    if cell.on_agenda:
        return AGENDA.format(shown)
    return Markup("<td>{}</td>").format(shown) if shown else EMPTY


@dataclass
class SeriesView:
    editions: list[Edition]
    topics: list[TopicRow]


def is_series(store: Store, node: NamedNode) -> bool:
    return describe.is_a(store, node, SERIES) or \
        describe.is_a(store, node, PK + "DialogueSeries")


def series_view(store: Store, base: str, links: Links, series: NamedNode) -> SeriesView:
    viewer = Viewer(store, base, links)
    editions = _editions(viewer, series)
    column = {e.meeting.iri: i for i, e in enumerate(editions)}
    found: dict[str, list[Cell | None]] = {}
    # a cell's link is its edition's (the table filtered by the meeting) and its topic's
    # filter: each written once (a series of 128 editions has thousands of cells)
    by_topic: dict[str, str] = {}
    for row in describe.select(store, base, "series-matrix", s=series):
        meeting, topic = row["m"].value, row["topic"].value
        if meeting not in column:
            continue
        n = int(row["n"].value)
        if topic not in by_topic:
            by_topic[topic] = filtered(viewer.links, [("topic", topic)]).split("?", 1)[1]
        edition = editions[column[meeting]]
        href = f"{edition.statements_href}&{by_topic[topic]}" if n else None
        cells = found.setdefault(topic, [None] * len(editions))
        cells[column[meeting]] = Cell(n, row["agenda"].value == "true", href)
    topics = []
    for topic, cells in found.items():
        held = [c or Cell(0, False, None) for c in cells]
        topics.append(TopicRow(viewer.value(NamedNode(topic)), sum(c.statements for c in held),
                               sum(c is not None for c in cells), held))
    topics.sort(key=lambda t: (-t.editions, -t.statements, t.topic.text.casefold()))
    return SeriesView(editions, topics)


def _editions(viewer: Viewer, series: NamedNode) -> list[Edition]:
    """The series' meetings, one each though a meeting has several places or releases, by
    date then edition number."""
    base = viewer.base
    editions: dict[str, Edition] = {}
    for row in describe.select(viewer.store, base, "series-editions", s=series):
        meeting = row["m"]
        edition = editions.get(meeting.value)
        if edition is None:
            n = int(row["n"].value)
            number = row["edition"]
            edition = editions[meeting.value] = Edition(
                viewer.value(meeting), int(number.value) if number is not None else None,
                row["date"].value if row["date"] is not None else "", [], [], n,
                filtered(viewer.links, [("meeting", meeting.value)]) if n else None)
        if row["place"] is not None and row["place"].value not in _iris(edition.places):
            edition.places.append(viewer.value(row["place"]))
        release = row["release"]
        if release is not None and release.value not in _iris(edition.releases):
            edition.releases.append(viewer.value(release))
            if not edition.date and row["issued"] is not None:
                edition.date = row["issued"].value
    return sorted(editions.values(),
                  key=lambda e: (e.date or "9999", e.number or 0, e.meeting.text.casefold()))


def _iris(values: list[Value]) -> list[str | None]:
    return [v.iri for v in values]


def wants_csv() -> bool:
    """Whether the request prefers the matrix as CSV to the page (by its Accept header)."""
    accept = request.accept_mimetypes
    return CSV_MEDIA in accept.values() and \
        accept.best_match(["text/html", CSV_MEDIA]) == CSV_MEDIA


CSV_COLUMNS = ("topic", "topic_iri", "edition", "date", "meeting", "meeting_iri",
               "on_agenda", "statements", "statements_url")


def matrix_csv(view: SeriesView, absolute: str) -> str:
    """The matrix in long form: one line per topic and edition that discussed it (on the
    agenda or in a statement), with the table's URL for its statements (`absolute` is the
    site's root URL)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in view.topics:
        for edition, cell in zip(view.editions, row.cells, strict=True):
            if cell.statements or cell.on_agenda:
                writer.writerow((row.topic.text, row.topic.iri,
                                 edition.number if edition.number is not None else "",
                                 edition.date, edition.meeting.text, edition.meeting.iri,
                                 "yes" if cell.on_agenda else "no", cell.statements,
                                 absolute + cell.href if cell.href else ""))
    return out.getvalue()


@dataclass
class ActorEdition:
    meeting: Value
    number: int | None
    date: str
    statements: int
    href: str  # the table filtered by the actor and the meeting


@dataclass
class ActorSeries:
    series: Value | None  # None: meetings of no series
    editions: list[ActorEdition] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(e.statements for e in self.editions)


def actor_editions(store: Store, base: str, links: Links, actor: NamedNode
                   ) -> list[ActorSeries]:
    """The statements the actor made, per series and edition, the series it spoke most in
    first, each series' editions in date order."""
    viewer = Viewer(store, base, links)
    grouped: dict[str | None, ActorSeries] = {}
    rows = list(describe.select(store, base, "actor-meetings", a=actor))
    describe.prefetch(store, [row["m"] for row in rows])
    for row in rows:
        meeting, n = row["m"], int(row["n"].value)
        series = _first(store, meeting, SERIES_LINK)
        key = series.value if series is not None else None
        group = grouped.get(key)
        if group is None:
            group = grouped[key] = ActorSeries(viewer.value(series) if series else None)
        number, date = _first(store, meeting, EDITION), _first(store, meeting, START)
        group.editions.append(ActorEdition(
            viewer.value(meeting), int(number.value) if number is not None else None,
            date.value if date is not None else "", n,
            filtered(links, [("speaker", actor.value), ("meeting", meeting.value)])))
    for group in grouped.values():
        group.editions.sort(key=lambda e: (e.date or "9999", e.number or 0,
                                           e.meeting.text.casefold()))
    return sorted(grouped.values(),
                  key=lambda g: (g.series is None, -g.statements,
                                 g.series.text.casefold() if g.series else ""))


def _first(store: Store, node: NamedNode, predicate: NamedNode):
    return next((q.object for q in store.quads_for_pattern(node, predicate, None)), None)
