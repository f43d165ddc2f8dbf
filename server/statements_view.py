"""`/statements`: every statement as one table, the way Datasette shows a table — facets
with counts, filters in the URL, sorting, paging — and the same view as CSV and JSON (by
`Accept`, or `/statements.csv`, `/statements.json`). Entity pages link into it filtered
(`entity_links`).

The table is in memory (server/statements_table.py); the request's filters are looked up
in it (server/statements_filter.py) and never reach a query."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import quote_plus, urlencode

from flask import Blueprint, Response, abort, request
from markupsafe import Markup, escape
from pyoxigraph import NamedNode

from ontology import PK

from . import describe
from .dataset import Opened
from .entity_view import Value
from .links import Links, span
from .respond import cached, html, kept_files, opened
from .statements_filter import Malformed, Result, Selection, parse, run
from .statements_table import FACETS, Table, table

bp = Blueprint("statements", __name__)

TITLES = {"series": "Series", "meeting": "Meeting", "year": "Year", "speaker": "Speaker",
          "side": "Side", "act": "Speech act", "topic": "Topic", "mentions": "Mentions"}
# How the link to a facet's every value names them: "all 98 speakers".
PLURALS = {"series": "series", "meeting": "meetings", "year": "years", "speaker": "speakers",
           "side": "sides", "act": "speech acts", "topic": "topics",
           "mentions": "things mentioned"}
FACET_SHOWN = 10  # values of a facet on the page (and in the JSON): the most frequent, unless
# the view asks for all of a facet's (`all=speaker`)
MEDIA = {"html": "text/html", "csv": "text/csv", "json": "application/json"}
# The columns of the CSV: a thing's label, then its IRI (several: " | " and " ").
CSV_COLUMNS = ("date", "meeting", "meeting_iri", "series", "series_iri", "speakers",
               "speaker_iris", "sides", "side_iris", "act", "act_iri", "topics", "topic_iris",
               "quote", "quote_url", "mentions", "mention_iris", "statement_iri",
               "statement_url")
# Entity pages' links into the table: the property that links a statement to the thing,
# the facet that filters by it, and how the link reads ("all 14 statements by the EU").
ENTITY_LINKS = (("statedBy", "speaker", "by"), ("madeAt", "meeting", "at"),
                ("onTopic", "topic", "on"), ("mentions", "mentions", "mentioning"))


@dataclass
class RowView:
    statement: Value
    date: str
    meeting: Value | None
    series: Value | None
    speakers: list[Value]
    sides: list[Value]
    act: Value | None
    topics: list[Value]
    quote: str
    quote_href: str | None
    mentions: list[Value]


# The rows of the page's table. Written here rather than in the template: a page has 50
# rows of seven cells, and the template's per-value escaping and finalizing of ~400 pieces
# cost more than the rest of the page. Each piece is escaped as it is put in, and the rows
# still pass the template's finalize (server/visible.py) as one piece.
ROW = ('\n<tr>\n<td data-label="Date" class="date">{}</td>\n'
       '<td data-label="Meeting" class="meeting">{}</td>\n'
       '<td data-label="Speaker">{}{}</td>\n'
       '<td data-label="Act" class="act">{}</td>\n'
       '<td data-label="Topic" class="topic">{}</td>\n'
       '<td data-label="What was said" class="quote">{}</td>\n'
       '<td data-label="Mentions" class="mentions">{}</td>\n</tr>')
SIDES = ' <span class="side">({} side)</span>'  # the side(s) spoken for, if not the speakers
STATEMENT = ' <a class="st" href="{}" aria-label="the statement’s page">statement</a>'
CELLS = ("meeting", "speaker", "act", "topic", "mentions")  # the columns of linked things


def _anchors(found: Table, links: Links, name: str) -> list[str]:
    """The link to each value of a facet (by code), written once per table and mount point
    (links are root-relative)."""
    kept = found.rendered.get((links.root, name))
    if kept is None:
        kept = []
        for key in found.facets[name].keys:
            href, text = links.href(key), escape(found.label(key))
            external = "" if links.ours(key) else ' class="ext"'
            kept.append(str(text) if href is None
                        else f'<a href="{escape(href)}"{external}>{text}</a>')
        found.rendered[(links.root, name)] = kept
    return kept


def _page_href(found: Table, links: Links, iri: str) -> str:
    """The escaped link to a statement's or a release's page, kept with the table per mount
    point (only for the table's own IRIs: rows are all this is asked for)."""
    kept = found.rendered.setdefault((links.root, "pages"), {})
    href = kept.get(iri)
    if href is None:
        href = kept[iri] = str(escape(links.href(iri)))
    return href


def _html_rows(found: Table, links: Links, rows: list[int]) -> Markup:
    """The page's rows: their things linked, each quote linked to its sentence."""
    columns = [(_anchors(found, links, name), found.facets[name].cells) for name in CELLS]
    speaker, side = found.facets["speaker"], found.facets["side"]
    written = []
    for row in rows:
        meeting, speakers, act, topics, mentions = [
            ", ".join([anchors[code] for code in cells[row]]) for anchors, cells in columns]
        spoken = ""
        if side.cells[row]:
            sides = [side.keys[code] for code in side.cells[row]]
            if sides != [speaker.keys[code] for code in speaker.cells[row]]:
                spoken = SIDES.format(escape(", ".join(map(found.label, sides))))
        release, start = found.releases[row], found.starts[row]
        quote = escape(f"“{found.quotes[row]}”")
        if release is not None and start is not None:
            here = _page_href(found, links, release) + span(start, found.ends[row])
            quote = f'<a href="{here}">{quote}</a>'
        quote += STATEMENT.format(_page_href(found, links, found.statements[row]))
        written.append(ROW.format(escape(found.dates[row]), meeting, speakers, spoken, act,
                                  topics, quote, mentions))
    return Markup("".join(written))


@dataclass
class FacetValue:
    value: str  # as the URL writes it
    label: str
    count: int
    count_text: str  # as the page writes it: 1,744
    selected: bool
    href: str  # the table with this value chosen, or no longer chosen


# A facet's values as the page lists them; written here for the reason the rows are (a page
# lists ~80 values).
VALUE = '\n<li><a href="{}">{}</a>\n  <span class="n">{}</span></li>'
CHOSEN_VALUE = ('\n<li class="selected"><a href="{0}" aria-label="{1}, {2} statements, chosen: '
                'remove it"><span aria-hidden="true">✓ </span>{1}</a>\n  '
                '<span class="n">{3}</span></li>')


@dataclass
class FacetView:
    name: str
    title: str
    values: list[FacetValue]
    distinct: int  # values of the facet among the rows the other facets select
    whole: bool  # all its values are listed (the view asked for them)
    toggle: str | None  # the view with all its values, or its first few only (when not all fit)

    @property
    def toggle_text(self) -> str:
        return (f"Only the top {FACET_SHOWN}" if self.whole
                else f"All {self.distinct:,} {PLURALS[self.name]}")

    @property
    def items(self) -> Markup:
        """The values as the page lists them, each linked."""
        return Markup("".join(
            CHOSEN_VALUE.format(escape(v.href), escape(v.label), v.count, escape(v.count_text))
            if v.selected else VALUE.format(escape(v.href), escape(v.label), escape(v.count_text))
            for v in self.values))


@dataclass
class EntityLink:
    count: int
    word: str  # by, at, on, mentioning
    href: str


@bp.route("/statements", defaults={"ext": None})
@bp.route("/statements.<ext>")
@cached
def statements(ext: str | None) -> Response:
    current = opened()
    if not current.base:
        abort(404, "this store was not built by policykg: it has no statements table")
    fmt = ext if ext is not None else _negotiated()
    if fmt not in MEDIA:
        abort(404, "the statements are at /statements, /statements.csv and /statements.json")
    try:
        selection = parse(request.args, partial(_iri, current.base), downloads=fmt != "html")
    except Malformed as exc:
        abort(400, str(exc))
    found = table(current, kept_files())
    result = run(found, selection, FACET_SHOWN if fmt != "csv" else 0)
    links = Links(current.base, request.script_root)
    last = _last_page(selection, result)
    if selection.page > last and fmt != "html":
        abort(404, f"this view has {last} page{'s' if last > 1 else ''} ({result.total:,} "
                   f"row{'s' if result.total != 1 else ''}"
                   f"{f', {selection.size} a page' if selection.size else ''}): "
                   f"there is no page {selection.page}")
    # a download named after what it holds; saved as a file when asked for by its
    # extension (the page's download links), shown in place when asked for by Accept
    # (a program reading the table over HTTP: the body is all it wants)
    named = (_file_name(current.base, selection, last), "attachment" if ext else "inline")
    if fmt == "csv":
        rows = [_row(found, links, r) for r in result.rows]
        return _download(_csv(rows), "text/csv; charset=utf-8", "csv", *named)
    facets = [_facet(found, links, selection, name, result) for name in FACETS]
    pages = _pages(selection, result)
    if fmt == "json":
        rows = [_row(found, links, r) for r in result.rows]
        return _download(_json(selection, result, rows, facets, pages),
                         "application/json", "json", *named)
    # a page past the last is no page: the view says how many it has, and links the last
    return html("statements.html", current, 404 if selection.page > last else 200,
                headers={"Vary": "Accept"},
                rows=_html_rows(found, links, result.rows),
                facets=facets, selection=selection, total=result.total, pages=pages,
                chosen=_chosen(found, selection), sorts=_sort_links(selection),
                downloads=_downloads(selection), table_size=len(found),
                here=f"{request.script_root}/statements",
                hidden=_written_pairs(current.base, selection, sort=None, size=None, page=None))


def _negotiated() -> str:
    """HTML, CSV or JSON by the Accept header (q-values, wildcards); HTML without one."""
    if not request.headers.get("Accept", "").strip():
        return "html"
    best = request.accept_mimetypes.best_match(list(MEDIA.values()))
    if best is None:
        abort(406, "offered: " + ", ".join(MEDIA.values()))
    return next(name for name, media in MEDIA.items() if media == best)


def _iri(base: str, written: str) -> str:
    """A facet value as the URL gives it (`actor/eu`, or a whole IRI) → the table's key."""
    return written if written.startswith(("http://", "https://")) else f"{base}id/{written}"


def _written(base: str, key: str) -> str:
    """The table's key as the URL gives it: our IRIs by their path after `{base}id/`."""
    return key[len(base) + 3:] if key.startswith(f"{base}id/") else key


def _value(found: Table, links: Links, key: str) -> Value:
    return Value(found.label(key), links.href(key), key, internal=links.ours(key))


def _row(found: Table, links: Links, row: int) -> RowView:
    def cell(name: str) -> list[Value]:
        facet = found.facets[name]
        return [_value(found, links, facet.keys[code]) for code in facet.cells[row]]

    single = {name: next(iter(cell(name)), None) for name in ("meeting", "series", "act")}
    release, start = found.releases[row], found.starts[row]
    return RowView(_value(found, links, found.statements[row]), found.dates[row],
                   single["meeting"], single["series"], cell("speaker"), cell("side"),
                   single["act"], cell("topic"), found.quotes[row],
                   links.in_release(release, start, found.ends[row])
                   if release is not None and start is not None else None,
                   cell("mentions"))


def _query(pairs: list[tuple[str, str]]) -> str:
    """The table's URL with these parameters (url_for costs more than the rest: ~90 a page)."""
    here = f"{request.script_root}/statements"
    return f"{here}?{urlencode(pairs, safe='/')}" if pairs else here


def _written_pairs(base: str, selection: Selection, **changes) -> list[tuple[str, str]]:
    return [(name, value if name in ("all", "sort", "size", "page", "year")
             else _written(base, value))
            for name, value in selection.parameters(**changes)]


def _facet(found: Table, links: Links, selection: Selection, name: str, result: Result
           ) -> FacetView:
    """A facet's values, each linking to the table with it chosen or no longer chosen. The
    parameters of the other facets, the order and the size are encoded once for all the
    facet's links (each value's own encoding is the rest: ~80 links a page)."""
    base = links.base
    chosen = selection.filters.get(name, ())
    without = replace(selection, filters={n: v for n, v in selection.filters.items()
                                          if n != name}, page=1)
    pairs = _written_pairs(base, without)
    place = FACETS.index(name)
    before = urlencode([p for p in pairs if p[0] in FACETS[:place]], safe="/")
    after = urlencode([p for p in pairs if p[0] not in FACETS[:place]], safe="/")
    # each value as the query writes it: kept with the table for its own values (not for a
    # request's unknown ones)
    kept = found.rendered.setdefault(("encoded", name), {})
    encoded = {}
    for key in (*chosen, *(k for k, _ in result.counts[name])):
        encoded[key] = kept.get(key) or quote_plus(_written(base, key), safe="/")
        if key in found.facets[name].index:
            kept[key] = encoded[key]
    here = f"{request.script_root}/statements"

    def link(key: str) -> str:
        own = [k for k in chosen if k != key] if key in chosen else [*chosen, key]
        query = "&".join(filter(None, (before, "&".join(f"{name}={encoded[k]}" for k in own),
                                       after)))
        return f"{here}?{query}" if query else here

    values = [FacetValue(_written(base, key), found.label(key), count, f"{count:,}", key in chosen,
                         link(key))
              for key, count in result.counts[name]]
    whole = name in selection.whole
    toggle = None  # (back at the facet: `#facet-…`, where the keyboard goes on from)
    if result.distinct[name] > FACET_SHOWN:
        toggle = _query(_written_pairs(base, selection.shown_whole(name, not whole))) \
            + f"#facet-{name}"
    return FacetView(name, TITLES[name], values, result.distinct[name], whole, toggle)


def _chosen(found: Table, selection: Selection) -> list[tuple[str, str, str]]:
    """(facet, value, the table without it) for each filter in use, known to the table or
    not (an unknown value selects nothing: the reader sees why)."""
    base = opened().base
    return [(TITLES[name], found.labels.get(key) or _written(base, key),
             _query(_written_pairs(base, selection.toggled(name, key))))
            for name, keys in selection.filters.items() for key in keys]


def _sort_links(selection: Selection) -> dict[str, tuple[str, str | None]]:
    """Per sortable column: the link that sorts by it (reversing the order it is in), and
    the order it is in now (for aria-sort), if any."""
    base = opened().base
    found = {}
    for name in ("date", "meeting", "speaker"):
        now = None
        if selection.sort.removeprefix("-") == name:
            now = "descending" if selection.reverse else "ascending"
        target = f"-{name}" if now == "ascending" else name
        found[name] = (_query(_written_pairs(base, selection, sort=target, page=None)), now)
    return found


def _last_page(selection: Selection, result: Result) -> int:
    """The view's last page (1 when it is empty or on one page)."""
    return max(1, -(-result.total // selection.size)) if selection.size else 1


def _pages(selection: Selection, result: Result) -> dict:
    base = opened().base
    size = selection.size or max(result.total, 1)
    last = _last_page(selection, result)
    past = selection.page > last
    return {"number": selection.page, "last": last, "size": selection.size, "past": past,
            "last_href": _query(_written_pairs(base, selection, page=last if last > 1 else None)),
            "first_row": (selection.page - 1) * size + 1 if result.rows else 0,
            "last_row": (selection.page - 1) * size + len(result.rows),
            "first": _query(_written_pairs(base, selection, page=None)),
            "prev": _query(_written_pairs(base, selection, page=selection.page - 1))
            if 1 < selection.page <= last else None,
            "next": _query(_written_pairs(base, selection, page=selection.page + 1))
            if selection.page < last else None}


def _downloads(selection: Selection) -> dict[str, str]:
    base = opened().base
    found = {}
    for ext in ("csv", "json"):
        for label, changes in (("page", {}), ("all", {"size": "all", "page": None})):
            pairs = _written_pairs(base, selection, **changes)
            target = f"{request.script_root}/statements.{ext}"
            found[f"{ext}-{label}"] = f"{target}?{urlencode(pairs, safe='/')}" if pairs else target
    return found


def _absolute(href: str | None) -> str:
    if not href:
        return ""
    return request.host_url.rstrip("/") + href if href.startswith("/") else href


def _csv(rows: list[RowView]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    def labels(values: list[Value]) -> str:
        return " | ".join(v.text for v in values)

    def iris(values: list[Value]) -> str:
        return " ".join(v.iri or "" for v in values)

    for r in rows:
        one = {name: [v] if v else [] for name, v in
               (("meeting", r.meeting), ("series", r.series), ("act", r.act))}
        writer.writerow((
            r.date, labels(one["meeting"]), iris(one["meeting"]), labels(one["series"]),
            iris(one["series"]), labels(r.speakers), iris(r.speakers), labels(r.sides),
            iris(r.sides), labels(one["act"]), iris(one["act"]), labels(r.topics),
            iris(r.topics), r.quote, _absolute(r.quote_href), labels(r.mentions),
            iris(r.mentions), r.statement.iri, _absolute(r.statement.href)))
    return out.getvalue()


def _thing(value: Value | None) -> dict | None:
    return {"iri": value.iri, "label": value.text} if value else None


def _json(selection: Selection, result: Result, rows: list[RowView],
          facets: list[FacetView], pages: dict) -> str:
    base = opened().base
    return json.dumps({
        "total": result.total, "page": selection.page, "size": selection.size,
        "sort": selection.sort,
        "filters": {name: [_written(base, k) if name != "year" else k for k in keys]
                    for name, keys in selection.filters.items()},
        "next": _absolute(pages["next"]) or None, "prev": _absolute(pages["prev"]) or None,
        "rows": [{"statement": r.statement.iri, "page": _absolute(r.statement.href),
                  "date": r.date or None, "meeting": _thing(r.meeting),
                  "series": _thing(r.series), "speakers": [_thing(v) for v in r.speakers],
                  "sides": [_thing(v) for v in r.sides], "act": _thing(r.act),
                  "topics": [_thing(v) for v in r.topics], "quote": r.quote,
                  "quote_url": _absolute(r.quote_href) or None,
                  "mentions": [_thing(v) for v in r.mentions]} for r in rows],
        "facets": {f.name: {"distinct": f.distinct, "whole": f.whole, "values": [
            {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected,
             "href": _absolute(v.href)} for v in f.values]} for f in facets},
    }, ensure_ascii=False, indent=1)


# A download's name: what the view holds, in letters, digits and hyphens only.
FILE_NAME_LENGTH = 120


def _file_name(base: str, selection: Selection, last: int) -> str:
    """policykg-statements, then each filter with its values (speaker-eu-japan, year-2023),
    then the page when the view has several: policykg-statements-speaker-eu-page-2."""
    parts = ["policykg-statements"]
    for name, keys in selection.filters.items():  # (in the facets' order)
        parts.append("-".join([name, *(_safe(re.split(r"[/#]", _written(base, key))[-1])
                                       for key in keys)]))
    if selection.size is not None and last > 1:
        parts.append(f"page-{selection.page}")
    name = re.sub(r"-+", "-", "-".join(parts))
    return name[:FILE_NAME_LENGTH].rstrip("-")


def _safe(text: str) -> str:
    """Lower-case ASCII letters and digits, other characters a hyphen."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _download(body: str, content_type: str, ext: str, name: str, disposition: str
              ) -> Response:
    return Response(body, headers={
        "Content-Type": content_type, "Vary": "Accept", "Cache-Control": "no-cache",
        "Content-Disposition": f'{disposition}; filename="{name}.{ext}"'})


def entity_links(current: Opened, links: Links, node: NamedNode) -> list[EntityLink]:
    """The thing's links into the table, each with the true number of statements it gives:
    by it, at it, on it, mentioning it (those it has)."""
    found = []
    for local, facet, word in ENTITY_LINKS:
        count = sum(1 for _ in describe.subjects(current.store, NamedNode(PK + local), node))
        if count:
            found.append(EntityLink(count, word, filtered(links, [(facet, node.value)])))
    return found


def filtered(links: Links, filters: list[tuple[str, str]]) -> str:
    """The table's URL filtered by (facet, IRI) pairs, for pages that link into it."""
    pairs = [(facet, _written(links.base, iri)) for facet, iri in filters]
    return f"{links.root}/statements?{urlencode(pairs, safe='/')}"
