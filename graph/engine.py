"""A remote SPARQL 1.1 engine reached over HTTP: its query, update and Graph Store services,
found from the engine's Server header (graph/engines.yaml), and every failure to reach or
use it turned into one line (EngineError) naming the service and what it answered.

One httpx client per Engine: its connection pool keeps the TCP connections of the many
requests a publish or a server makes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
import yaml

from .errors import PolicykgError
from .query import prefixes

ENGINES = Path(__file__).with_name("engines.yaml")
CONNECT_SECONDS = 10.0
READ_SECONDS = 300.0  # a large graph's upload, or a MOVE of every graph, takes a while
RESULTS_JSON = "application/sparql-results+json"
# N-Triples is a subset of Turtle, which every Graph Store service takes (Virtuoso's has no
# N-Triples parser of its own)
GRAPH_TYPE = "text/turtle"
TAG = re.compile(r"<[^>]*>")  # error pages in HTML (Virtuoso's) read as their text


class EngineError(PolicykgError):
    """An engine that cannot be reached, refuses the credentials, or answers with an error."""


class EngineTimeout(EngineError):
    """No answer in time: the request was dropped."""


@dataclass(frozen=True)
class Services:
    """Where one engine's SPARQL services are."""

    engine: str  # its name in engines.yaml
    query: str
    update: str
    store: str
    named: bool  # readers name the published graphs rather than query the union of all
    ask_variable: str | None = None  # an ASK answered as rows of this variable (engines.yaml)
    bnode_prefix: str | None = None  # what the engine writes before a blank node's label
    uploads: int | None = None  # Graph Store PUTs at once that it takes (None: publish's own)


@cache
def _profiles() -> dict:
    return yaml.safe_load(ENGINES.read_text(encoding="utf-8"))


def prologue(base: str) -> str:
    """What a query sent to an engine starts with, so that it means what it means in the
    embedded store: the store's base IRI and our predeclared prefixes (graph/query.py); a
    query's own declarations come after and win."""
    return f"BASE <{base}>\n" + "".join(f"PREFIX {name}: <{iri}>\n"
                                        for name, iri in prefixes(base).items())


def parse_auth(text: str) -> tuple[str, str]:
    """`user:password` (the password may hold colons)."""
    user, colon, password = text.partition(":")
    if not colon or not user:
        raise ValueError("--auth must be user:password")
    return user, password


class Engine:
    """A connection pool to one engine, with its services found (`services`)."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None,
                 read_seconds: float = READ_SECONDS, connections: int = 10) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.client = httpx.Client(
            timeout=httpx.Timeout(read_seconds, connect=CONNECT_SECONDS),
            limits=httpx.Limits(max_connections=connections,
                                max_keepalive_connections=connections))
        try:
            self.services = self._discover(auth)
        except BaseException:
            self.client.close()
            raise

    def _discover(self, auth: tuple[str, str] | None) -> Services:
        # any answer names its server, an error page too (Virtuoso's root may have none)
        server = self._send("GET", self.url, check=False).headers.get("server", "")
        for name, profile in _profiles().items():
            if server.startswith(profile["server"]):
                paths = {**profile, **(profile.get("authenticated", {}) if auth else {})}
                if auth:
                    scheme = httpx.DigestAuth if profile["auth"] == "digest" else httpx.BasicAuth
                    self.client.auth = scheme(*auth)
                return Services(name, *(self.url + paths[k] for k in ("query", "update",
                                                                       "store")),
                                named=profile["dataset"] == "named",
                                ask_variable=profile.get("ask_variable"),
                                bnode_prefix=profile.get("bnode_prefix"),
                                uploads=profile.get("uploads"))
        known = ", ".join(_profiles())
        raise EngineError(f"{self.url}: not an engine policykg knows (Server: {server or 'none'}"
                          f"; known: {known}, in {ENGINES.name})")

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, check: bool = True, **kwargs) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise EngineTimeout(f"{url}: no answer within the timeout") from None
        except httpx.TransportError as exc:
            raise EngineError(f"cannot reach the engine at {url}: {exc}") from None
        if not check:
            return response
        if response.status_code == 401:
            raise EngineError(f"{url}: 401 Unauthorized: the engine wants credentials "
                              "(--auth user:password) or refused the ones given")
        if response.status_code >= 400:
            body = " ".join(TAG.sub(" ", response.text).split())[:200]
            raise EngineError(f"{url}: {response.status_code} {response.reason_phrase}"
                              f"{': ' + body if body else ''}")
        return response

    def query(self, sparql: str, accept: str = RESULTS_JSON,
              dataset: tuple[list[str], list[str]] | None = None,
              timeout: float | None = None) -> bytes:
        """A query's answer, by POST (SPARQL 1.1 Protocol, URL-encoded); `dataset` is the
        protocol's default-graph-uri and named-graph-uri lists."""
        form: dict[str, str | list[str]] = {"query": sparql}
        if dataset is not None:
            form |= {"default-graph-uri": dataset[0], "named-graph-uri": dataset[1]}
        body = self._send("POST", self.services.query, data=form, headers={"Accept": accept},
                          **({} if timeout is None else {"timeout": timeout})).content
        return self._standard(body) if accept == RESULTS_JSON else body

    def _standard(self, body: bytes) -> bytes:
        """A JSON answer as SPARQL writes it, from an engine that does not (engines.yaml):
        blank node labels without the engine's prefix (Virtuoso's `nodeID://b1` is no
        label a SPARQL results parser takes), and an ASK's answer as a boolean."""
        prefix = self.services.bnode_prefix
        if prefix is not None:
            body = body.replace(b'"bnode", "value": "' + prefix.encode(), b'"bnode", "value": "')
        return self._boolean(body)

    def _boolean(self, body: bytes) -> bytes:
        """An ASK's answer as a boolean, from an engine that writes it as a SELECT's
        (Virtuoso 7.2: one row of `__ASK_RETVAL`, 1 or 0, or no row for false); any other
        answer as it came. The variable is looked for in the head, the first bytes."""
        variable = self.services.ask_variable
        if variable is None or f'"{variable}"'.encode() not in body[:256]:
            return body
        head = json.loads(body)
        if head["head"].get("vars") != [variable]:
            return body
        rows = head["results"]["bindings"]
        answer = any(row.get(variable, {}).get("value") not in (None, "0") for row in rows)
        return json.dumps({"head": {}, "boolean": answer}).encode()

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT's rows as {variable: value} (unbound variables left out)."""
        rows = json.loads(self.query(sparql))["results"]["bindings"]
        return [{name: cell["value"] for name, cell in row.items()} for row in rows]

    def ask(self, sparql: str) -> bool:
        return bool(json.loads(self.query(sparql))["boolean"])

    def update(self, sparql: str) -> None:
        """One SPARQL Update request: engines apply it as one transaction (Oxigraph: always;
        Virtuoso: in its default, logged mode)."""
        self._send("POST", self.services.update, data={"update": sparql})

    def put_graph(self, graph: str, turtle: bytes) -> None:
        """Replace one named graph (Graph Store HTTP Protocol, indirect identification)."""
        self._send("PUT", self.services.store, params={"graph": graph}, content=turtle,
                   headers={"Content-Type": GRAPH_TYPE})

    def get_graph(self, graph: str) -> httpx.Response:
        """One named graph (Graph Store HTTP Protocol GET, indirect identification), as
        N-Triples where the engine offers it: its Content-Type says what it sent."""
        return self._send("GET", self.services.store, params={"graph": graph},
                          headers={"Accept": "application/n-triples, text/turtle;q=0.9"})
