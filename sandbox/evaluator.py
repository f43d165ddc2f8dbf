"""An evaluator process: `python -m sandbox.evaluator FD MEMORY_BYTES`. It confines itself
(sandbox/confine.py), then answers jobs from the worker that started it over the Unix
socket FD, one at a time, until that socket closes.

Two kinds of job, both under the query's deadline and memory limit:
- `shape`: what the query is (graph/sparql_shape.py: rdflib's parser). Parsing is done
  here, not in the server: a text crafted to parse slowly (thousands of operands) would
  otherwise hold a server thread, and rdflib's parser is one at a time per process.
- `evaluate`: the results, with the row cap if one is asked (the query wrapped in a
  sub-select, and a probe counting whether rows were cut).

A job is JSON; the answer is a JSON head, then (for results) the serialised results: as
bytes on the socket when small, as the open file descriptor of a temporary file when
large (SCM_RIGHTS), so a big result never sits whole in memory and no file name is left
behind to clean up.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle

from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store

from graph.sparql_shape import QuerySyntaxError, QueryTooDeep, capped, shape

from .confine import Unconfined, confine

INLINE_MAX = 8 << 20  # results up to this size go through the socket


def main(argv: list[str]) -> int:
    conn = Connection(int(argv[0]))
    try:
        return _serve(conn, int(argv[1]))
    except (BrokenPipeError, ConnectionResetError):
        return 0  # the worker died (killed, say) while we wrote to it: nobody to answer


def _serve(conn: Connection, memory_bytes: int) -> int:
    try:
        applied = confine(memory_bytes)
    except Unconfined as exc:
        conn.send_bytes(json.dumps({"refused": str(exc)}).encode())
        return 1
    shape("ASK {}")  # builds the parser's grammar (~0.4 s) before the first query
    conn.send_bytes(json.dumps({"ready": applied, "pid": os.getpid()}).encode())
    stores: dict[str, Store] = {}
    while True:
        try:
            job = json.loads(conn.recv_bytes())
        except EOFError:  # the worker is gone or done with us
            return 0
        if job["kind"] == "shape":
            conn.send_bytes(json.dumps(_shape(job["query"])).encode())
        else:
            _answer(conn, job, stores)


def _shape(text: str) -> dict:
    try:
        decided = shape(text)
    except QueryTooDeep as exc:
        return {"error": "deep", "message": str(exc)}
    except QuerySyntaxError as exc:
        return {"error": "syntax", "message": str(exc)}
    return {"shape": {"form": decided.form, "update": decided.update,
                      "service": decided.service, "dataset": decided.dataset}}


def _answer(conn: Connection, job: dict, stores: dict[str, Store]) -> None:
    try:
        store = stores.get(job["target"])
        if store is None:  # a rebuild swapped the store: the older one is not needed
            stores.clear()
            store = stores[job["target"]] = Store.read_only(job["target"])
        head, query = _capped(store, job)
        spool = tempfile.SpooledTemporaryFile(max_size=INLINE_MAX)  # noqa: SIM115 (closed below)
        with spool:
            _query(store, job, query).serialize(spool, _writer(job))
            size = spool.tell()
            head["size"] = size
            if size <= INLINE_MAX:
                spool.seek(0)
                conn.send_bytes(json.dumps(head).encode())
                conn.send_bytes(spool.read())
            else:
                head["file"] = True
                conn.send_bytes(json.dumps(head).encode())
                send_handle(conn, spool.fileno(), os.getppid())
    except SyntaxError as exc:
        conn.send_bytes(json.dumps({"error": "syntax", "message": str(exc)}).encode())
    except ValueError as exc:
        conn.send_bytes(json.dumps({"error": "invalid", "message": str(exc)}).encode())
    except OSError as exc:  # the disk under the spool, say
        conn.send_bytes(json.dumps({"error": "write", "message": str(exc)}).encode())
    except MemoryError:  # Python's own allocations hit the limit: end as Rust's would
        os.abort()


def _capped(store: Store, job: dict) -> tuple[dict, str]:
    """The query to run, cut to the row cap when one is asked, and what the answer says
    about the cap: the cap and whether rows were cut (counted by a probe), or why it was
    not applied (FROM clauses cannot stand in a sub-query)."""
    cap = job["cap"]
    if not cap:
        return {}, job["query"]
    wrapped = capped(job["query"], cap)
    if wrapped is None:
        return {"cap": "not applied"}, job["query"]
    limited, probe = wrapped
    try:
        rows = int(next(iter(_query(store, job, probe)))["n"].value)
    except (SyntaxError, ValueError):
        return {"cap": "not applied (query form)"}, job["query"]
    return {"cap": str(cap), "truncated": rows > cap}, limited


def _query(store: Store, job: dict, text: str):
    options: dict = {"base_iri": job["base"] or None, "prefixes": job["prefixes"]}
    if job["default_graphs"] is not None:
        options["default_graph"] = [NamedNode(iri) for iri in job["default_graphs"]]
        options["named_graphs"] = [NamedNode(iri) for iri in job["named_graphs"]]
    elif job["union"]:
        options["use_default_graph_as_union"] = True
    return store.query(text, **options)


def _writer(job: dict) -> RdfFormat | QueryResultsFormat | None:
    kind = RdfFormat if job["graph"] else QueryResultsFormat
    return kind.from_media_type(job["media_type"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
