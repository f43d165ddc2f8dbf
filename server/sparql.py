"""The SPARQL 1.1 Protocol, read-only, as one blueprint (docs/endpoint.md is the contract).

Requests are checked before anything is evaluated (form, dataset, update, SERVICE, format);
a query is evaluated and its results serialised by pyoxigraph's writers into a spool
(memory, then disk), under a deadline that ends the process if it passes; only then is the
response sent, streamed from the spool.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request
from pyoxigraph import NamedNode

from .conditional import unchanged
from .dataset import Opened
from .deadline import ENVIRON_KEY as DEADLINE_KEY
from .deadline import Deadline
from .description import service_description
from .front_cache import mark
from .negotiate import DESCRIPTIONS, FORMAT_PARAMETERS, GRAPHS, HTML, SOLUTIONS, Format, choose
from .respond import content_type
from .respond import opened as current_store
from .sparql_text import capped, shape, words
from .workbench import page as workbench_page
from .workbench import prefers_html

bp = Blueprint("sparql", __name__)

SPOOL_MEMORY = 8 << 20  # results up to this size stay in memory
CHUNK = 1 << 16
QUERY_TYPES = ("application/sparql-query",)
FORM_TYPES = ("application/x-www-form-urlencoded",)


class Refused(Exception):
    """A request the endpoint answers with an error status and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass(frozen=True)
class Request:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    return Response(exc.message + "\n", exc.status, {"Content-Type": "text/plain; charset=utf-8",
                                                     **exc.headers})


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    if request.method == "OPTIONS":
        preflight = Response(status=204)
        del preflight.headers["Content-Type"]  # no body, so no type
        return preflight
    parsed = _parse_request()
    opened = current_store()
    if parsed is None:
        return _no_query(opened)
    if request.method in ("GET", "HEAD") and prefers_html(request.headers.get("Accept")):
        return workbench_page(opened, parsed.query)  # a browser following a permalink
    return _answer(parsed, opened)


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise Refused(400, f"the request has {len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _parse_request() -> Request | None:
    """The query and dataset of a GET or POST request (SPARQL 1.1 Protocol §2.1)."""
    args = request.args
    reading = request.method in ("GET", "HEAD")  # no body: the form is not parsed
    if "update" in args or (not reading and ("update" in request.form or request.mimetype
                                             == "application/sparql-update")):
        raise Refused(400, "this endpoint is read-only: SPARQL Update is not accepted")
    if reading:
        query = _one(args.getlist("query"), "query")
        if query is None:
            if any(k in args for k in ("default-graph-uri", "named-graph-uri")):
                raise Refused(400, "missing 'query' parameter")
            return None
        return Request(query, tuple(args.getlist("default-graph-uri")),
                       tuple(args.getlist("named-graph-uri")))
    mimetype = request.mimetype
    if mimetype in FORM_TYPES:
        query = _one(request.form.getlist("query") + args.getlist("query"), "query")
        if query is None:
            raise Refused(400, "missing 'query' parameter in the form")
        return Request(query, tuple(request.form.getlist("default-graph-uri")
                                    + args.getlist("default-graph-uri")),
                       tuple(request.form.getlist("named-graph-uri")
                             + args.getlist("named-graph-uri")))
    if mimetype in QUERY_TYPES:
        if "query" in args:
            raise Refused(400, "the query is both in the URL and in the body; send one")
        charset = (request.mimetype_params.get("charset") or "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise Refused(400, f"the query must be UTF-8, not {charset}")
        try:
            query = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused(400, "the query is not valid UTF-8") from exc
        return Request(query, tuple(args.getlist("default-graph-uri")),
                       tuple(args.getlist("named-graph-uri")))
    what = f"'{mimetype}'" if mimetype else "no Content-Type"
    raise Refused(400, f"a POST query needs Content-Type application/x-www-form-urlencoded "
                       f"or application/sparql-query, not {what}")


def _no_query(opened: Opened) -> Response:
    """GET /sparql alone: the workbench for browsers, the service description otherwise."""
    accept = request.headers.get("Accept", "")
    override = _param("format")
    if not override and "text/html" in accept and choose((HTML, *DESCRIPTIONS), accept) is HTML:
        return workbench_page(opened)
    fmt = choose(DESCRIPTIONS, accept, override)
    if fmt is None:
        raise _not_acceptable(DESCRIPTIONS)
    body = service_description(request.url_root + "sparql", opened, current_app, fmt)
    return Response(body, headers={"Content-Type": content_type(fmt), "Vary": "Accept"})


def _not_acceptable(offered: tuple[Format, ...]) -> Refused:
    names = ", ".join(f.media_type for f in offered)
    return Refused(406, f"none of the requested media types can be produced; offered: {names}")


def _answer(parsed: Request, opened: Opened) -> Response:
    kind = shape(parsed.query)
    if kind.update:
        raise Refused(400, "this endpoint is read-only: SPARQL Update is not accepted")
    if kind.service:
        raise Refused(400, "federated queries (SERVICE) are not allowed on this endpoint")
    offered = GRAPHS if kind.graph_result else SOLUTIONS
    fmt = choose(offered, request.headers.get("Accept"), _param("format"))
    if fmt is None:
        raise _not_acceptable(offered)
    key = hashlib.sha256("\x00".join((parsed.query, *parsed.default_graphs, "\x01",
                                      *parsed.named_graphs, fmt.name)).encode()).hexdigest()
    etag = f'"{opened.version}-{key[:20]}"'
    headers = {"Content-Type": content_type(fmt), "Vary": "Accept", "ETag": etag,
               "Last-Modified": opened.last_modified,
               "Cache-Control": "public, max-age=0, must-revalidate"}
    if _param("download"):
        headers["Content-Disposition"] = f'attachment; filename="policykg-results.{fmt.name}"'
    if _not_modified(etag, opened):
        return Response(status=304, headers=headers)
    state = current_app.extensions["policykg"]
    spool, extra = _evaluate(parsed, opened, fmt, state, cap=kind.form == "select")
    size = spool.tell()
    spool.seek(0)
    headers.update(extra)
    if size <= state.config.cache_entry_bytes:
        body = spool.read()
        spool.close()
        mark(request.environ, opened.version)
        return Response(body, headers=headers)
    return Response(_stream(spool), headers={**headers, "Content-Length": str(size)})


def _cap(parsed: Request, opened: Opened, cap: int) -> tuple[Request, dict[str, str]]:
    """The row cap, announced: the query cut to `cap` rows, and headers saying the cap and
    whether rows were dropped (counted by a probe query). A query that cannot be wrapped
    (FROM clauses cannot stand in a sub-query) runs uncut, and the header says so."""
    wrapped = capped(parsed.query, cap)
    if wrapped is None:
        return parsed, {"X-Policykg-Row-Limit": "not applied"}
    limited, probe = wrapped
    try:
        counted = _query(Request(probe, parsed.default_graphs, parsed.named_graphs), opened)
        rows = int(next(iter(counted))["n"].value)
    except Refused:
        return parsed, {"X-Policykg-Row-Limit": "not applied (query form)"}
    headers = {"X-Policykg-Row-Limit": str(cap), "X-Policykg-Truncated":
               "true" if rows > cap else "false"}
    return Request(limited, parsed.default_graphs, parsed.named_graphs), headers


# The names a parameter also goes by (`output=` is Fuseki's and Virtuoso's `format=`).
PARAMETER_NAMES = {"format": FORMAT_PARAMETERS}


def _param(name: str) -> str | None:
    """A parameter from the URL, or from the form of a POST (a GET has no form to parse),
    under its own name or an alias."""
    sources = [request.args] + ([request.form] if request.method == "POST" else [])
    return next((source[key] for key in PARAMETER_NAMES.get(name, (name,))
                 for source in sources if source.get(key)), None)


def _not_modified(etag: str, opened: Opened) -> bool:
    """A GET or HEAD whose client holds this answer (server/conditional.py)."""
    return unchanged(etag, opened.modified)


def _evaluate(parsed: Request, opened: Opened, fmt: Format, state, cap: bool
              ) -> tuple[tempfile.SpooledTemporaryFile, dict[str, str]]:
    """Evaluate (with the row cap, if any) and serialise into a spool, all under the
    deadline when `policykg serve` serves the request."""
    deadline: Deadline | None = request.environ.get(DEADLINE_KEY)
    timeout = state.config.query_timeout
    if deadline is not None and timeout > 0:
        deadline.arm(timeout, f"the query ran longer than the {timeout:g} s limit of this "
                     "endpoint and was stopped; narrow it, add a LIMIT, or download a dump")
    try:
        extra: dict[str, str] = {}
        if cap and state.config.max_rows > 0:
            parsed, extra = _cap(parsed, opened, state.config.max_rows)
        return _run(parsed, opened, fmt), extra
    finally:
        if deadline is not None:
            deadline.disarm()


def _query(parsed: Request, opened: Opened):
    options: dict = {"base_iri": opened.base or None, "prefixes": opened.prefixes}
    if parsed.default_graphs or parsed.named_graphs:
        options["default_graph"] = _graphs(parsed.default_graphs, "default-graph-uri")
        options["named_graphs"] = _graphs(parsed.named_graphs, "named-graph-uri")
    elif "FROM" not in words(parsed.query):
        # the union is the default dataset; a query's FROM / FROM NAMED define its own
        options["use_default_graph_as_union"] = True
    try:
        return opened.store.query(parsed.query, **options)
    except SyntaxError as exc:
        raise Refused(400, f"SPARQL syntax error: {_brief(str(exc))}") from exc
    except ValueError as exc:
        raise Refused(400, f"invalid request: {_brief(str(exc))}") from exc


def _graphs(iris: tuple[str, ...], parameter: str) -> list[NamedNode]:
    graphs = []
    for iri in iris:
        try:
            graphs.append(NamedNode(iri))
        except ValueError as exc:
            raise Refused(400, f"'{parameter}' must be an IRI, not '{_brief(iri, 80)}': "
                               f"{_brief(str(exc))}") from exc
    return graphs


def _run(parsed: Request, opened: Opened, fmt: Format) -> tempfile.SpooledTemporaryFile:
    result = _query(parsed, opened)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 (closed by the response)
    try:
        result.serialize(spool, fmt.writer)
    except OSError as exc:
        spool.close()
        raise Refused(500, f"the results could not be written: {exc}") from exc
    return spool


def _brief(message: str, limit: int = 240) -> str:
    """The parser's message on one line; its long lists of expected characters cut."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _stream(spool) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()
