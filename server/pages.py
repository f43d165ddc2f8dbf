"""Dereferencing and browsing (DESIGN.md §2, Cool URIs for the Semantic Web):
`/id/…` answers 303 to the page or the RDF description the client asks for; `/page/…` is
the page for people, `/data/….{ttl,nt,jsonld,rdf}` the description for machines, and
`/page/{kind}/` lists the things of a kind."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from pyoxigraph import NamedNode

from ontology import PK

from . import (
    claims_view,
    describe,
    diagram,
    indexes,
    page_files,
    release_view,
    series_view,
    statements_view,
)
from .dataset import Opened
from .entity_view import SAID_PAGE, Viewer, entity_view
from .links import Links
from .negotiate import DESCRIPTIONS, EXTENSIONS, HTML, extension
from .respond import HTML_HEADERS, cached, html, kept_files, opened, ours, pick, rdf

bp = Blueprint("pages", __name__)

LIST_PAGE = 100  # resources per page on a property's list and on an index
MEETING_STATEMENTS = 1000
PAGE_PARAMETERS = {"rel", "said", "about"}  # what changes a thing's page (others are ignored)
# The workbench query a page links to for all the relations stated about its thing (the
# thing's IRI, one the store holds, goes in; nothing from the request does).
RELATIONS_QUERY = f"PREFIX pk: <{PK}>\n" + """\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?subject ?predicate ?object ?quote WHERE {
  VALUES ?thing { <$THING> }
  { ?fact rdf:subject ?thing } UNION { ?fact rdf:object ?thing }
  ?fact rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object ;
        pk:evidence/oa:hasSelector/oa:exact ?quote .
}"""


def links_for(current: Opened) -> Links:
    return Links(current.base, request.script_root)


def _alternates(links: Links, iri: str) -> str:
    """The Link header naming a thing's page and descriptions."""
    entries = [f'<{links.href(iri)}>; rel="alternate"; type="text/html"']
    entries += [f'<{links.data(iri, ext)}>; rel="alternate"; type="{fmt.media_type}"'
                for ext, fmt in EXTENSIONS.items()]
    return ", ".join(entries)


def _thing(current: Opened, rest: str) -> NamedNode:
    """The IRI a request path names; 404 (with suggestions) unless the store knows it."""
    if not current.base:
        abort(404, "this store was not built by policykg: it has no pages")
    node = ours(current, f"id/{rest}")
    if not describe.exists(current.store, node):
        abort(404, f"this graph has no {node.value}")
    return node


@bp.route("/id/<path:rest>")
def dereference(rest: str) -> Response:
    current = opened()
    if rest.endswith("/") and rest.strip("/") in indexes.KINDS:
        return redirect(_index_url(rest.strip("/")), 303)
    node = _thing(current, rest)
    links = links_for(current)
    fmt = pick((HTML, *DESCRIPTIONS))
    target = links.href(node.value) if fmt is HTML else links.data(node.value, extension(fmt))
    response = redirect(target, 303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _alternates(links, node.value)
    return response


@bp.route("/data/<path:rest>")
@cached
def data(rest: str) -> Response:
    current = opened()
    stem, _, suffix = rest.rpartition(".")
    if suffix not in EXTENSIONS or not stem:
        abort(404, "a description is at /data/{kind}/{name}.{ttl,nt,jsonld,rdf}")
    node = _thing(current, stem)
    number = _page_number()
    found = describe.description(current.store, current.base, node, number)
    if number > 1 and (number - 1) * describe.INCOMING_CAP >= found.incoming:
        abort(404, f"this description has {found.incoming} links into its thing: no page "
                   f"{number}")
    links = [_alternates(links_for(current), node.value)]
    here = f"{request.script_root}{request.path}"
    if found.more:
        links.append(f'<{here}?page={number + 1}>; rel="next"')
    if number > 1:
        links.append(f'<{here}?page={number - 1}>; rel="prev"')
        links.append(f'<{here}>; rel="first"')
    return rdf(found.triples, EXTENSIONS[suffix], current,
               headers={"Link": ", ".join(links)})


def _index_url(kind: str) -> str:
    """Where a kind's things are listed: its index page, or the view that is its index."""
    elsewhere = indexes.ELSEWHERE.get(kind)
    return url_for(elsewhere) if elsewhere else f"{request.script_root}/page/{kind}/"


@bp.route("/page/<kind>/")
@cached
def index(kind: str) -> Response:
    current = opened()
    if kind not in indexes.KINDS or not current.base:
        abort(404, f"there is no index of {kind}: the kinds are {', '.join(indexes.KINDS)}")
    if kind in indexes.ELSEWHERE:  # (for good: a bookmark may be updated)
        return redirect(_index_url(kind), 301)
    page = _page_number()
    try:
        listing = indexes.listing(current, links_for(current), kind, (page - 1) * LIST_PAGE,
                                  LIST_PAGE, request.args.get("kind"))
    except indexes.UnknownKind as exc:
        abort(400, str(exc))
    return html("index.html", current, kind=kind, listing=listing, page=page,
                per_page=LIST_PAGE,
                pager_extra={"kind": listing.chosen.name} if listing.chosen else {})


@bp.route("/page/<path:rest>")
@cached
def page(rest: str) -> Response:
    current = opened()
    if rest.startswith("series/") and series_view.wants_csv():
        return _series_csv(current, rest)
    ahead = _rendered_ahead(current, rest)
    if ahead is not None:
        return ahead
    node = _thing(current, rest)
    links = links_for(current)
    predicate = request.args.get("rel")
    if predicate:
        return _linked_from(current, links, node, predicate)
    said_page, about_page = _page_number("said"), _page_number("about")
    meeting = describe.is_a(current.store, node, PK + "Meeting")
    # a meeting's page shows all it heard, by agenda topic; other pages a page at a time
    view = entity_view(current.store, current.base, links, node, (said_page - 1) * SAID_PAGE,
                       (about_page - 1) * SAID_PAGE,
                       MEETING_STATEMENTS if meeting else SAID_PAGE)
    extra = {}
    if describe.is_a(current.store, node, PK + "Release"):
        extra["release"] = release_view.annotated(current.store, current.base, links, node)
        # the text is on the page, annotated: not again as a value
        view.groups = [g for g in view.groups if g.predicate.iri != release_view.TEXT.value]
    if meeting:
        extra["agenda"] = indexes.agenda(current.store, current.base, links, node)
        extra["by_topic"] = _by_topic(extra["agenda"],
                                      [s for _, said in view.about for s in said])
    if series_view.is_series(current.store, node):
        extra["series"] = series_view.series_view(current.store, current.base, links, node)
        extra["matrix_csv"] = f"{links.href(node.value)}.csv"
    return html("entity.html", current, headers={"Link": _alternates(links, node.value),
                                                 "Vary": "Accept"},
                view=view, said_page=said_page, about_page=about_page,
                claims=claims_view.claims(current.store, current.base, links, node),
                actor_editions=series_view.actor_editions(current.store, current.base,
                                                          links, node),
                said_per_page=SAID_PAGE, picture=diagram.picture(view),
                data_links={ext: links.data(node.value, ext) for ext in EXTENSIONS},
                describe_query=f"DESCRIBE <{node.value}>",
                relations_query=RELATIONS_QUERY.replace("$THING", node.value),
                statement_links=statements_view.entity_links(current, links, node), **extra)


@bp.route("/page/series/<path:name>.csv")
@cached
def series_csv(name: str) -> Response:
    return _series_csv(opened(), f"series/{name}")


def _series_csv(current: Opened, rest: str) -> Response:
    """A series' topic × edition matrix as CSV (`/page/series/{name}.csv`, or its page
    asked for with Accept: text/csv)."""
    node = _thing(current, rest)
    if not series_view.is_series(current.store, node):
        abort(404, f"{rest} is not a series: it has no topic matrix")
    links = links_for(current)
    view = series_view.series_view(current.store, current.base, links, node)
    body = series_view.matrix_csv(view, request.host_url.rstrip("/"))
    return Response(body, headers={
        "Content-Type": "text/csv; charset=utf-8", "Vary": "Accept",
        "Content-Disposition": f'inline; filename="{rest.rsplit("/", 1)[-1]}-topics.csv"',
        "Link": _alternates(links, node.value)})


def _rendered_ahead(current: Opened, rest: str) -> Response | None:
    """The page as `policykg pages` rendered it, when this request would render the same:
    its first page of statements, the app mounted at the root (links are root-relative)."""
    if (not kept_files() or request.script_root
            or not current.base or request.args.keys() & PAGE_PARAMETERS):
        return None
    body = page_files.read(current.target, rest)
    if body is None:
        return None
    links = links_for(current)
    return Response(body, headers={**HTML_HEADERS, "Vary": "Accept",
                                   "Link": _alternates(links, f"{current.base}id/{rest}")})


def _by_topic(agenda: list[indexes.AgendaItem], said: list) -> list[tuple]:
    """A meeting's statements under the agenda item of their topic (the first agenda
    topic they are on, so a statement on a topic and its sub-topic appears once)."""
    grouped: dict[int, list] = {item.position: [] for item in agenda}
    others = []
    for s in said:
        topics = {t.iri for t in s.topics}
        item = next((i for i in agenda if i.topic.iri in topics), None)
        (grouped[item.position] if item else others).append(s)
    return [(item, grouped[item.position]) for item in agenda] + \
        ([(None, others)] if others else [])


def _linked_from(current: Opened, links: Links, node: NamedNode, predicate: str
                 ) -> Response:
    """Everything that links to the thing by one property, a page at a time."""
    number = _page_number()
    viewer = Viewer(current.store, current.base, links)
    try:
        prop = NamedNode(predicate) if predicate.startswith(("http://", "https://")) else None
    except ValueError:
        prop = None
    if prop is None:
        abort(400, "rel= must be the IRI of a property")
    total = dict(describe.incoming_counts(current.store, current.base, node)).get(prop, 0)
    subjects = describe.in_order(current.store, node, prop, (number - 1) * LIST_PAGE,
                                 LIST_PAGE)
    return html("linked.html", current, thing=viewer.value(node), predicate=viewer.value(prop),
                values=[viewer.value(s) for s in subjects], total=total, page=number,
                per_page=LIST_PAGE, rel=predicate)


def _page_number(name: str = "page") -> int:
    raw = request.args.get(name, "1")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        abort(400, f"{name}= must be a whole number from 1")
    return int(raw)
