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
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from email.utils import format_datetime
from functools import cache, lru_cache
from pathlib import Path

import yaml
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)

from graph.engine import Engine, EngineError, EngineTimeout, prologue
from graph.publish import reader_dataset, recorded_version, union_graph
from graph.query import prefixes
from graph.sparql_shape import capped, own_base, shape, where_opens
from graph.store import Held

from .dataset import METADATA_QUERY, RECHECK, Opened
from .engine_files import complete, directory_for, prepare_later
from .evaluators import Failed, Job, Outcome, Stopped

ASKED = {False: "application/sparql-results+json", True: "application/n-triples"}
KEPT_BYTES = 64 << 20  # answers a worker keeps per published version (RemoteStore)
# The quads of some things, and of the blank nodes they point to. Where the version has a
# union graph (graph/publish.py) only that graph is read: it holds each of the version's
# triples once, where the release graphs repeat a hub's (a topic's label and provenance are
# in every release that names it: at 100 releases, 43 % of a hub page's rows came from the
# union graph and most of the rest were such repeats), and it is asked for triples
# (CONSTRUCT, N-Triples: a third of the bytes of JSON rows, parsed into terms by pyoxigraph
# rather than row by row in Python). Else no dataset is named: the engine reads every graph
# and rows outside the version's graphs are dropped here (naming 2 x 100 graphs in each
# request cost ~5 ms of the engine's time per request).
FETCHED = {True: """CONSTRUCT { ?x ?p ?o . ?o ?bp ?bo } WHERE { VALUES ?x { $SUBJECTS }
  GRAPH $GRAPH { ?x ?p ?o OPTIONAL { ?o ?bp ?bo FILTER(isBlank(?o)) } } }""",
           False: """SELECT ?x ?p ?o ?g ?bp ?bo WHERE { VALUES ?x { $SUBJECTS }
  GRAPH ?g { ?x ?p ?o OPTIONAL { ?o ?bp ?bo FILTER(isBlank(?o)) } } }"""}
# the properties a prefetch follows beyond its first step (server/prefetch.yaml)
PREFETCH = Path(__file__).with_name("prefetch.yaml")
POINTING = "SELECT ?s ?p ?g WHERE { GRAPH $GRAPH { ?s ?p $OBJECT } } LIMIT $LIMIT"
QUAD_BYTES = 200  # what a kept quad is counted as: about its N-Triples line, with the object
POINTING_KEPT = 2000  # links into one thing fetched whole (RemoteStore._pointing)
TOO_MANY: list = []  # kept for a thing with more: ask pattern by pattern


class RemoteDataset:
    """The published version an engine serves, looked at again once a second (as the store
    link is): its base, version and date from its metadata graph, and its graphs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine | None = None
        self.opened: Opened | None = None
        self.dataset: tuple[list[str], list[str]] | None = None
        self.graphs: frozenset[NamedNode] | None = None  # the version's graphs, as terms
        self.union: NamedNode | None = None  # the version's union graph, where it has one
        self.checked = 0.0
        self.lock = threading.Lock()
        self.making: set[str] = set()  # versions whose files a process of ours makes

    def connected(self) -> Engine:
        with self.lock:
            if self.engine is None:
                self.engine = Engine(self.url)
            return self.engine

    def current(self) -> Opened:
        """The version the engine's record names (graph/publish.py), not whichever
        metadata graph the engine holds first: a publish under way holds the next
        version's, under a staging name."""
        now = time.monotonic()
        if self.opened is None or now - self.checked >= RECHECK:
            engine = self.connected()
            rows = engine.select(METADATA_QUERY)
            version = recorded_version(engine, rows[0]["base"]) if rows else None
            if version is None:
                raise EngineError(f"{self.url}: holds no version published by policykg; "
                                  "run `policykg publish --to` first")
            if self.opened is None or self.opened.version != version:
                self.opened = self._opened(engine, rows[0]["base"], version,
                                           wait=self.opened is None)
            elif not self.opened.complete and complete(Path(self.opened.target)):
                # the version's files are made: a fresh memo reads them
                self.opened = replace(self.opened, memo={}, complete=True)
            self.checked = now
        return self.opened

    def _opened(self, engine: Engine, base: str, version: str, wait: bool) -> Opened:
        """The version, its files made first if `wait` (the first version a process
        serves), else by a process while it is served (server/engine_files.py)."""
        self.dataset = reader_dataset(engine, base)
        self.graphs = None if self.dataset is None else \
            frozenset(NamedNode(g) for g in self.dataset[1])
        self.union = union_graph(base) if self.dataset is not None \
            and self.dataset[0] == [union_graph(base).value] else None
        found = next((row for row in _parsed(engine.query(METADATA_QUERY,
                                                          dataset=self.dataset),
                                             False)), None)
        when = dt.datetime.fromisoformat(found["modified"].value.replace("Z", "+00:00")) \
            if found is not None else dt.datetime.now(dt.UTC)
        files = directory_for(engine.url, version)
        if not complete(files) and version not in self.making:
            self.making.add(version)
            maker = prepare_later(engine, base, version)
            if wait:
                maker.wait()
        return Opened(RemoteStore(self, base), str(files), base, version, when,
                      format_datetime(when, usegmt=True), prefixes(base),
                      Held(Path(self.url), None), complete=complete(files))


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
        base, query = own_base(query)  # the query's BASE first: before our prefixes
        try:
            return _parsed(engine.query(prologue(base or job.base) + query, ASKED[graph], dataset,
                                        timeout=left), graph)
        except EngineTimeout:
            raise Stopped("time", messages["time"]) from None
        except EngineError as exc:
            raise Failed("invalid", f"the engine refused the query: {exc}") from None


def _parsed(body: bytes, graph: bool):
    if graph:
        return list(parse(body, format=RdfFormat.N_TRIPLES))
    return parse_query_results(body, format=QueryResultsFormat.JSON)


class RemoteStore:
    """What the server's readers call on an embedded store (`query`, `quads_for_pattern`),
    answered by the engine over the published version's graphs: the seam that lets the
    service description, readiness and pages read either.

    A page asks the store for a few quads at a time, hundreds of times (a label here, an
    evidence's selector there): against an engine each ask would be an HTTP request. A
    published version never changes (a new one is a new RemoteStore), so answers are kept:
    a subject's quads are fetched whole, then those of the things it points to (one step:
    a statement's evidence, its speaker, its topics) in one more request, and every query's
    answer is kept by its text, both up to KEPT_BYTES per worker."""

    def __init__(self, source: RemoteDataset, base: str) -> None:
        self.source = source
        self.base = base
        self.subjects: Kept = Kept(KEPT_BYTES)  # subject (its SPARQL form) -> its quads
        self.answers: Kept = Kept(KEPT_BYTES)  # (query text, graph form) -> the answer

    def query(self, query: str, base_iri: str | None = None,
              prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = True, substitutions: dict | None = None):
        """As Store.query; `substitutions` (variables bound before evaluation) become a
        VALUES clause first in the WHERE group (at the end where there is none), which
        binds them in the answer's every solution: the same for the server's queries,
        whose bound variables are not read before they are bound."""
        sparql = query
        if substitutions:
            names = " ".join(str(variable) for variable in substitutions)
            terms = " ".join(str(term) for term in substitutions.values())
            values = f" VALUES ({names}) {{ ({terms}) }} "
            at = _where_opens(sparql)
            sparql = sparql + "\n" + values if at is None else sparql[:at] + values + sparql[at:]
        text = prologue(base_iri or self.base) + "".join(
            f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items()) + sparql
        return self._asked(text, _graph_form(query))

    def _asked(self, text: str, graph: bool):
        body = self.answers.get((text, graph))
        if body is None:
            body = self.source.connected().query(text, ASKED[graph],
                                                 self.source.dataset)
            self.answers.put((text, graph), body, len(body))
        return _parsed(body, graph)

    def quads_for_pattern(self, subject, predicate, obj, graph_name=None) -> Iterator[Quad]:
        quads = None
        if subject is not None and graph_name is None:
            quads = self._described(subject)
        elif obj is not None and graph_name is None and not isinstance(obj, Literal):
            quads = self._pointing(obj)
        if quads is None:
            quads = self._matching(subject, predicate, obj, graph_name)
        return (q for q in quads if (predicate is None or q.predicate == predicate)
                and (obj is None or q.object == obj))

    def _matching(self, subject, predicate, obj, graph_name) -> list[Quad]:
        terms = {name: term for name, term in {"s": subject, "p": predicate, "o": obj,
                                                "g": graph_name}.items() if term is not None}
        # the terms are pyoxigraph's, written by it (str of a term is its SPARQL form)
        bound = (f"VALUES ({' '.join('?' + n for n in terms)}) "
                 f"{{ ({' '.join(str(t) for t in terms.values())}) }}") if terms else ""
        query = f"SELECT ?s ?p ?o ?g WHERE {{ {bound} GRAPH ?g {{ ?s ?p ?o }} }}"
        return [Quad(row["s"], row["p"], row["o"], row["g"])
                for row in self._asked(prologue(self.base) + query, False)]

    def _described(self, subject) -> list[Quad]:
        """The subject's quads, fetched with those of its objects when not yet kept."""
        found = self.subjects.get(str(subject))
        if found is None:
            if isinstance(subject, BlankNode):  # a blank node cannot be named in a query:
                return []  # only those fetched as a neighbour are known
            self.prefetch([subject], hops=1)
            found = self.subjects.get(str(subject)) or []
        return found

    def prefetch(self, subjects: list, hops: int = 2) -> None:
        """Fetch the quads of the subjects not yet kept and of what they point to up to
        `hops` steps on (a page's statements, their evidence and its selectors, their
        speakers, meetings and topics): what a page is about to read. One request per step,
        for every thing of that step at once; beyond the first step only the properties of
        server/prefetch.yaml are followed. (One request for every step, with the steps as
        sub-queries in a UNION, was answered with no rows by Virtuoso 7.2.)"""
        follow = None
        for _ in range(hops + 1):
            wanted = list(dict.fromkeys(s for s in subjects if isinstance(s, NamedNode)
                                        and self.subjects.get(str(s)) is None))
            if not wanted:
                return
            fetched = self._fetch(wanted)
            subjects = [q.object for quads in fetched for q in quads
                        if not isinstance(q.object, Literal)
                        and (follow is None or q.predicate in follow)]
            follow = _second_step()

    def _fetch(self, wanted: list[NamedNode]) -> list[list[Quad]]:
        """The quads of these things, kept, with those of the blank nodes they point to."""
        union = self.source.union
        query = FETCHED[union is not None].replace(
            "$SUBJECTS", " ".join(str(s) for s in wanted)).replace("$GRAPH", str(union))
        answer = self.source.connected().query(prologue(self.base) + query,
                                               ASKED[union is not None])
        fetched: dict[str, list[Quad]] = {str(s): [] for s in wanted}
        if union is not None:
            for triple in _parsed(answer, True):
                fetched.setdefault(str(triple.subject), []).append(
                    Quad(triple.subject, triple.predicate, triple.object, union))
        else:
            kept = self.source.graphs
            for row in _parsed(answer, False):
                if kept is None or row["g"] in kept:
                    fetched[str(row["x"])].append(Quad(row["x"], row["p"], row["o"], row["g"]))
                    if row["bp"] is not None:
                        fetched.setdefault(str(row["o"]), []).append(
                            Quad(row["o"], row["bp"], row["bo"], row["g"]))
        for name, quads in fetched.items():
            # once each (a blank node's may be met twice), in one order whatever order the
            # engine sent them in (Virtuoso's varies): a page lists a statement's speakers,
            # say, in the order of its quads, and two renderings must be the same
            quads[:] = sorted(dict.fromkeys(quads), key=_order)
            self.subjects.put(name, quads, QUAD_BYTES * len(quads) + 64)
        return list(fetched.values())

    def _pointing(self, obj) -> list[Quad] | None:
        """The quads whose object is `obj`, when there are at most POINTING_KEPT (an
        index page counts the links into each thing it lists, by property after property);
        None for a thing more point to (a class), asked pattern by pattern instead."""
        key = ("into", str(obj))
        found = self.subjects.get(key)
        if found is None and not isinstance(obj, BlankNode):
            union = self.source.union
            query = POINTING.replace("$OBJECT", str(obj)).replace(
                "$LIMIT", str(POINTING_KEPT + 1)).replace("$GRAPH", str(union or "?g"))
            rows = list(_parsed(self.source.connected().query(prologue(self.base)
                                                              + query), False))
            kept = self.source.graphs
            # the limit counts the rows of every graph, before those of other versions
            # are dropped: past it, the rows kept would not be all
            found = TOO_MANY if len(rows) > POINTING_KEPT else \
                sorted((Quad(row["s"], row["p"], obj, row["g"] or union) for row in rows
                        if union is not None or kept is None or row["g"] in kept), key=_order)
            self.subjects.put(key, found, QUAD_BYTES * len(found) + 64)
        return None if found is TOO_MANY else found

    def named_graphs(self) -> Iterator[NamedNode]:
        for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            yield row["g"]


class Kept:
    """A worker's answers for one version, least recently used dropped past `limit` bytes
    (threads of a worker share it)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found[0]
            return None

    def put(self, key, value, size: int) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (value, size)
            self.size += size
            while self.size > self.limit and len(self.entries) > 1:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped


_where_opens = lru_cache(maxsize=1024)(where_opens)


def _order(quad: Quad) -> tuple[str, str, str]:
    return quad.subject.value, quad.predicate.value, str(quad.object)


@cache
def _second_step() -> frozenset[NamedNode]:
    """The properties a prefetch follows beyond its first step (their prefixed names
    expanded with our prefixes)."""
    names = yaml.safe_load(PREFETCH.read_text(encoding="utf-8"))["second_step"]
    known = prefixes("")  # the vocabularies' prefixes: none of these depends on the base
    return frozenset(NamedNode(known[prefix] + local)
                     for prefix, _, local in (name.partition(":") for name in names))


@lru_cache(maxsize=1024)
def _graph_form(sparql: str) -> bool:
    """Whether the server's query (a constant text: its bound values come apart) answers a
    graph; remembered, as parsing is what a page's many small queries spent most on."""
    return shape(sparql).graph_result
