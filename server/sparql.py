"""The SPARQL 1.1 Protocol, read-only, as one blueprint (docs/endpoint.md is the contract).

Requests are checked before anything is evaluated (form, dataset, update, SERVICE,
nesting, format), from a parse of the query; a query is then evaluated and its results
serialised by pyoxigraph's writers in a confined evaluator process (server/evaluators.py),
killed at the deadline or the memory limit; only then is the response sent, whole: a client
gets the complete answer or a clear 503, never a truncated 200.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from pyoxigraph import NamedNode

from graph.sparql_shape import Shape

from .admission import Admission, Limits, Refusal, client_address, directory, slots
from .conditional import unchanged
from .config import Config
from .dataset import Opened
from .description import service_description
from .evaluators import Failed, Job, Outcome, Pool, Stopped
from .front_cache import mark
from .negotiate import DESCRIPTIONS, FORMAT_PARAMETERS, GRAPHS, HTML, SOLUTIONS, Format, choose
from .remote import Remote
from .respond import content_type
from .respond import opened as current_store
from .workbench import page as workbench_page
from .workbench import prefers_html

bp = Blueprint("sparql", __name__)

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
    if fmt is None:  # most likely a client that meant to send a query
        names = ", ".join(f.media_type for f in DESCRIPTIONS)
        raise Refused(406, f"no query was sent (the 'query' parameter), and without one "
                           f"GET /sparql answers its service description, offered as: {names}")
    body = service_description(request.url_root + "sparql", opened, current_app, fmt)
    return Response(body, headers={"Content-Type": content_type(fmt), "Vary": "Accept"})


def _not_acceptable(offered: tuple[Format, ...]) -> Refused:
    names = ", ".join(f.media_type for f in offered)
    return Refused(406, f"none of the requested media types can be produced; offered: {names}")


def _answer(parsed: Request, opened: Opened) -> Response:
    """The answer, once admission control lets the query in (server/admission.py): not a
    query stopped lately, a client within its share, a slot of the memory budget."""
    config = current_app.extensions["policykg"].config
    admission = _admission(config)
    deadline = _deadline(config)
    try:
        admission.cooling(parsed.query)
        with admission.client(requester(config)):
            return _admitted(parsed, opened, config, deadline)
    except Refusal as exc:
        raise Refused(exc.status, exc.message, {"Retry-After": str(exc.retry_after)}) from exc


def checked(text: str) -> Shape:
    """The shape of `text` if this endpoint takes it as a query, refused (Refused) as
    /sparql refuses it otherwise, under the same per-client share: what /q checks before
    it keeps a text (server/permalinks.py), so that only queries get a permalink."""
    config = current_app.extensions["policykg"].config
    try:
        with _admission(config).client(requester(config)):
            return _shape(text, config, _deadline(config))
    except Refusal as exc:
        raise Refused(exc.status, exc.message, {"Retry-After": str(exc.retry_after)}) from exc


def requester(config: Config) -> str:
    """The client of this request (server/admission.py client_address)."""
    trusted = frozenset(filter(None, (p.strip() for p in config.trusted_proxies.split(","))))
    return client_address(request.environ, trusted)


def _deadline(config: Config) -> float | None:
    return time.monotonic() + config.query_timeout if config.query_timeout > 0 else None


def _shape(text: str, config: Config, deadline: float | None) -> Shape:
    """What the query is, from a parse; refused if it is no read-only, local query."""
    kind = Shape(**_pooled(lambda pool, messages: pool.shape(text, deadline, messages),
                           config))
    if kind.update:
        raise Refused(400, "this endpoint is read-only: SPARQL Update is not accepted")
    if kind.service:
        raise Refused(400, "federated queries (SERVICE) are not allowed on this endpoint")
    return kind


def _admitted(parsed: Request, opened: Opened, config: Config, deadline: float | None
              ) -> Response:
    kind = _shape(parsed.query, config, deadline)
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
        headers["Content-Disposition"] = f'attachment; filename="{_download_name()}.{fmt.name}"'
    if _not_modified(etag, opened):
        return Response(status=304, headers=headers)
    outcome = _evaluate(parsed, opened, kind, fmt, config, deadline)
    if outcome.cap is not None:
        headers["X-Policykg-Row-Limit"] = outcome.cap
    if outcome.truncated is not None:
        headers["X-Policykg-Truncated"] = "true" if outcome.truncated else "false"
    if isinstance(outcome.body, bytes):
        if outcome.size <= config.cache_entry_bytes:
            mark(request.environ, opened.version)
        return Response(outcome.body, headers=headers)
    return Response(_stream(outcome.body), headers={**headers,
                                                    "Content-Length": str(outcome.size)})


# The names a parameter also goes by (`output=` is Fuseki's and Virtuoso's `format=`).
PARAMETER_NAMES = {"format": FORMAT_PARAMETERS}


# `download=NAME` names the file NAME.csv (…): the workbench sends the example's name
# (05-eu-cybersecurity); a value that is no plain name (or `1`) gives policykg-results.
DOWNLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{0,79}[A-Za-z][A-Za-z0-9_-]{0,79}")


def _download_name() -> str:
    name = _param("download") or ""
    return name if len(name) <= 80 and DOWNLOAD_NAME.fullmatch(name) else "policykg-results"


def _param(name: str) -> str | None:
    """A parameter from the URL, or from the form of a POST (a GET has no form to parse),
    under its own name or an alias."""
    sources = [request.args] + ([request.form] if request.method == "POST" else [])
    return next((source[key] for key in PARAMETER_NAMES.get(name, (name,))
                 for source in sources if source.get(key)), None)


def _not_modified(etag: str, opened: Opened) -> bool:
    """A GET or HEAD whose client holds this answer (server/conditional.py)."""
    return unchanged(etag, opened.modified)


def _evaluate(parsed: Request, opened: Opened, kind: Shape, fmt: Format, config: Config,
              deadline: float | None) -> Outcome:
    """Evaluate in an evaluator process (server/evaluators.py), with the row cap if any
    (a SELECT cut to the cap; the answer says the cap and whether rows were dropped)."""
    given = bool(parsed.default_graphs or parsed.named_graphs)
    job = Job(target=opened.target, query=parsed.query, base=opened.base,
              prefixes=opened.prefixes,
              default_graphs=tuple(_graphs(parsed.default_graphs, "default-graph-uri"))
              if given else None,
              named_graphs=tuple(_graphs(parsed.named_graphs, "named-graph-uri")),
              # the union is the default dataset; a query's FROM / FROM NAMED define its own
              union=not given and not kind.dataset,
              graph=kind.graph_result, media_type=fmt.media_type,
              cap=config.max_rows if kind.form == "select" and config.max_rows > 0 else 0)
    if config.engine:  # the query goes to the engine (server/remote.py)
        source = Remote(current_app.extensions["policykg"].dataset)
        return _pooled(lambda _pool, messages: source.run(job, deadline, messages), config)
    return _pooled(lambda pool, messages: pool.run(job, deadline, messages), config)


def _pooled(call, config: Config):
    """`call(pool, messages)` on this process's evaluators, its failures as answers."""
    try:
        return call(_pool(config), _stop_messages(config))
    except Failed as exc:
        if exc.kind == "deep":
            raise Refused(400, exc.message) from exc
        if exc.kind == "syntax":
            raise Refused(400, f"SPARQL syntax error: {_brief(exc.message)}") from exc
        if exc.kind == "invalid":
            raise Refused(400, f"invalid request: {_brief(exc.message)}") from exc
        raise Refused(500, f"the results could not be written: {exc.message}") from exc
    except Stopped as exc:
        retry = {"Retry-After": "5"} if exc.reason in ("busy", "crash", "unavailable") else {}
        raise Refused(503, exc.message, retry) from exc


_POOL: list[Pool] = []  # this process's, made on its first query
_ADMISSION: list[Admission] = []  # and its admission control
_POOL_LOCK = threading.Lock()


def _pool(config: Config) -> Pool:
    admission = _admission(config)
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(Pool(config.evaluators, config.query_memory_mb << 20,
                              admission.evaluation))
        return _POOL[0]


def _admission(config: Config) -> Admission:
    with _POOL_LOCK:
        if not _ADMISSION:
            limits = Limits(slots(config.memory_budget_mb, config.query_memory_mb),
                            config.client_queries, config.queue, config.queue_wait,
                            config.cooloff)
            _ADMISSION.append(Admission(directory(config.admission_dir), limits))
        return _ADMISSION[0]


def shared_directory(config: Config) -> Path:
    """The directory the server's worker processes share their limits through (the
    admission directory): other per-client limits (server/quota.py) live there too."""
    return _admission(config).root


def _stop_messages(config: Config) -> dict[str, str]:
    advice = "narrow it, add a LIMIT, or download a dump"
    return {
        "time": f"the query ran longer than the {config.query_timeout:g} s limit of this "
                f"endpoint and was stopped; {advice}",
        "memory": f"the query needed more than the {config.query_memory_mb} MB of memory "
                  f"this endpoint allows a query and was stopped; {advice}",
        "crash": "the process evaluating the query ended unexpectedly; the query was not "
                 "answered (other requests were not affected)",
        "busy": "every query evaluator of this server stayed busy past the time limit; "
                "send the request again later",
        "unavailable": "queries cannot be evaluated right now",
    }


def _graphs(iris: tuple[str, ...], parameter: str) -> list[str]:
    """The IRIs, checked here so that a bad one is named in the answer."""
    graphs = []
    for iri in iris:
        try:
            graphs.append(NamedNode(iri).value)
        except ValueError as exc:
            raise Refused(400, f"'{parameter}' must be an IRI, not '{_brief(iri, 80)}': "
                               f"{_brief(str(exc))}") from exc
    return graphs


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
