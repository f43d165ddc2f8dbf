"""How every blueprint answers: the store of this request, an HTML page, an RDF graph in
the negotiated format, the format itself (406 when nothing offered is acceptable)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import wraps

from flask import Response, abort, current_app, g, render_template, request
from pyoxigraph import NamedNode, Triple, serialize

from graph.query import prefixes

from .conditional import unchanged
from .dataset import Opened
from .front_cache import mark
from .negotiate import FORMAT_PARAMETERS, Format, choose


def opened() -> Opened:
    """The store this request reads, the same from its first use to the last header: a
    rebuild may swap the store link meanwhile, and an answer must not mix two versions
    (its body from one, its X-Policykg-Version or ETag from the next)."""
    if "policykg_opened" not in g:
        g.policykg_opened = current_app.extensions["policykg"].dataset.current()
    return g.policykg_opened


def ours(current: Opened, path: str) -> NamedNode:
    """The IRI `{base}{path}` of a request path; a path that makes no IRI (a space, `<`,
    `%ZZ`, a control character) names nothing here: 404."""
    try:
        return NamedNode(f"{current.base}{path}")
    except ValueError:
        abort(404, "this path names no resource: it does not make an IRI")


def kept_files() -> bool:
    """Whether this server answers from what `policykg pages` kept (server/page_files.py)."""
    return current_app.extensions["policykg"].config.page_files


def format_override() -> str | None:
    """`format=` of the URL, or its alias `output=` (what Fuseki and Virtuoso clients send)."""
    return next((request.args[name] for name in FORMAT_PARAMETERS if request.args.get(name)),
                None)


def pick(offered: tuple[Format, ...]) -> Format:
    """The format the request asks for (Accept, or a `format=` override), or 406."""
    fmt = choose(offered, request.headers.get("Accept"), format_override())
    if fmt is None:
        abort(406, "offered: " + ", ".join(f.media_type for f in offered))
    return fmt


def content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith(("text/", "application/sparql-results+",
                                         "application/n-"))
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type


HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache",
                "Vary": "Accept"}


def html(template: str, current: Opened, status: int = 200, headers: dict | None = None,
         **context) -> Response:
    body = render_template(template, version=current.version, **context)
    return Response(body, status, {**HTML_HEADERS, **(headers or {})})


def rdf(triples: Iterable[Triple], fmt: Format, current: Opened,
        namespaces: dict[str, str] | None = None, headers: dict | None = None) -> Response:
    """A graph, with validators from the store's version (it changes only on a rebuild)."""
    body = serialize(triples, format=fmt.writer,
                     prefixes=namespaces or (prefixes(current.base) if current.base else {}))
    return Response(body, headers={
        "Content-Type": content_type(fmt), "Vary": "Accept", "Cache-Control": "no-cache",
        "ETag": f'"{current.version}-{fmt.name}"', "Last-Modified": current.last_modified,
        **(headers or {})})


def cached(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answers that depend only on the store version and the request (pages, descriptions,
    search) get an ETag, a 304 when the client has them, and are marked for the server's
    front cache (server/front_cache.py): the store does not change between builds."""

    @wraps(view)
    def answer(*args, **kwargs) -> Response:
        current = opened()
        accept = request.headers.get("Accept", "")
        digest = hashlib.sha1(f"{request.full_path}\n{accept}".encode()).hexdigest()[:16]
        etag = f'"{current.version}-{digest}"'
        if unchanged(etag):
            return Response(status=304, headers={"ETag": etag, "Vary": "Accept"})
        response = view(*args, **kwargs)
        if response.status_code == 200 and not response.is_streamed and current.complete:
            response.headers["ETag"] = etag
            mark(request.environ, current.version)
        return response

    return answer
