"""The query source of `policykg serve --engine URL`: a SPARQL engine that `policykg publish`
wrote to, in place of the embedded store. The endpoint's contract stays the server's: its
checks run on the query first (server/sparql.py), then the query goes to the engine through
the SPARQL 1.1 Protocol (httpx, one connection pool per worker process) with what the store
would have given it (the base IRI, our prefixes, the published version's graphs as the
dataset where the engine takes one), and the answer is written by pyoxigraph's writers in the
format the client asked for, whatever the engine writes.

The time limit is kept by dropping the request at the deadline (the engine may go on
evaluating; the client gets the same 503 as from the store). The row cap is the store's:
the query wrapped to the cap, with a probe counting up to one row more.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path

import httpx
from pyoxigraph import (
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)

from graph.engine import Engine, EngineError, EngineTimeout, prologue
from graph.publish import reader_dataset
from graph.query import prefixes
from graph.sparql_shape import capped, shape
from graph.store import Held

from .dataset import METADATA_QUERY, RECHECK, Opened
from .evaluators import Failed, Job, Outcome, Stopped

ASKED = {False: "application/sparql-results+json", True: "application/n-triples"}


class RemoteDataset:
    """The published version an engine serves, looked at again once a second (as the store
    link is): its base, version and date from its metadata graph, and its graphs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine | None = None
        self.opened: Opened | None = None
        self.dataset: tuple[list[str], list[str]] | None = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def connected(self) -> Engine:
        with self.lock:
            if self.engine is None:
                self.engine = Engine(self.url)
            return self.engine

    def current(self) -> Opened:
        now = time.monotonic()
        if self.opened is None or now - self.checked >= RECHECK:
            engine = self.connected()
            rows = engine.select(METADATA_QUERY)
            if not rows:
                raise EngineError(f"{self.url}: holds no policykg metadata graph; "
                                  "run `policykg publish --to` first")
            row = rows[0]
            if self.opened is None or self.opened.version != row["version"]:
                when = dt.datetime.fromisoformat(row["modified"].replace("Z", "+00:00"))
                self.dataset = reader_dataset(engine, row["base"])
                base = row["base"]
                self.opened = Opened(RemoteStore(self, base), self.url, base, row["version"],
                                     when, format_datetime(when, usegmt=True), prefixes(base),
                                     Held(Path(self.url), None))
            self.checked = now
        return self.opened


class Remote:
    """Runs the endpoint's jobs on the engine (what Pool.run does on the store)."""

    def __init__(self, dataset: RemoteDataset) -> None:
        self.dataset = dataset

    def run(self, job: Job, deadline: float | None, messages: dict[str, str]) -> Outcome:
        head: dict = {}
        query = job.query
        if job.cap:
            wrapped = capped(job.query, job.cap)
            if wrapped is None:
                head = {"cap": "not applied"}
            else:
                query, probe = wrapped
                counted = self._ask(job, probe, False, deadline, messages)
                rows = int(next(iter(counted))["n"].value)
                head = {"cap": str(job.cap), "truncated": rows > job.cap}
        result = self._ask(job, query, job.graph, deadline, messages)
        if job.graph:
            body = serialize(result, format=RdfFormat.from_media_type(job.media_type))
        else:
            body = result.serialize(format=QueryResultsFormat.from_media_type(job.media_type))
        return Outcome(body, len(body), head.get("cap"), head.get("truncated"))

    def _ask(self, job: Job, query: str, graph: bool, deadline: float | None,
             messages: dict[str, str]):
        engine = self.dataset.connected()
        if job.default_graphs is not None:
            dataset = (list(job.default_graphs), list(job.named_graphs))
        else:  # the union of the version's graphs, as the store's, unless FROM says
            dataset = self.dataset.dataset if job.union else None
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise Stopped("time", messages["time"])
        try:
            return _parsed(engine.query(prologue(job.base) + query, ASKED[graph], dataset,
                                        timeout=left), graph)
        except EngineTimeout:
            raise Stopped("time", messages["time"]) from None
        except EngineError as exc:
            raise Failed("invalid", f"the engine refused the query: {exc}") from None


def _parsed(response: httpx.Response, graph: bool):
    if graph:
        return list(parse(response.content, format=RdfFormat.N_TRIPLES))
    return parse_query_results(response.content, format=QueryResultsFormat.JSON)


class RemoteStore:
    """What the server's readers call on an embedded store (`query`, `quads_for_pattern`),
    answered by the engine over the published version's graphs: the seam that lets the
    service description, readiness and pages read either. Each call is one request."""

    def __init__(self, source: RemoteDataset, base: str) -> None:
        self.source = source
        self.base = base

    def query(self, sparql: str, base_iri: str | None = None,
              prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = True, substitutions: dict | None = None):
        """As Store.query; `substitutions` (variables bound before evaluation) become a
        trailing VALUES clause, which binds them in the answer's every solution: the same
        for the server's queries, whose bound variables are not read before they are
        bound."""
        text = prologue(base_iri or self.base) + sparql
        if substitutions:
            names = " ".join(str(variable) for variable in substitutions)
            terms = " ".join(str(term) for term in substitutions.values())
            text += f"\nVALUES ({names}) {{ ({terms}) }}"
        graph = _graph_form(sparql)
        return _parsed(self.source.connected().query(text, ASKED[graph], self.source.dataset),
                       graph)

    def quads_for_pattern(self, subject, predicate, obj, graph_name=None) -> Iterator[Quad]:
        terms = {name: term for name, term in {"s": subject, "p": predicate, "o": obj,
                                                "g": graph_name}.items() if term is not None}
        # the terms are pyoxigraph's, written by it (str of a term is its SPARQL form)
        bound = (f"VALUES ({' '.join('?' + n for n in terms)}) "
                 f"{{ ({' '.join(str(t) for t in terms.values())}) }}") if terms else ""
        query = f"SELECT ?s ?p ?o ?g WHERE {{ {bound} GRAPH ?g {{ ?s ?p ?o }} }}"
        for row in self.query(query):
            yield Quad(row["s"], row["p"], row["o"], row["g"])

    def named_graphs(self) -> Iterator[NamedNode]:
        for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            yield row["g"]


def _graph_form(sparql: str) -> bool:
    return shape(sparql).graph_result
