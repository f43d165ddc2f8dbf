"""An evaluator process: `python -m sandbox.evaluator FD MEMORY_BYTES`. It confines itself
(sandbox/confine.py), then answers jobs from the worker that started it over the Unix
socket FD, one at a time, until that socket closes.

A job is JSON; the answer is a JSON head, then (for an answer that went well) the
serialised results: as bytes on the socket when small, as the open file descriptor of a
temporary file when large (SCM_RIGHTS), so a big result never sits whole in memory and
no file name is left behind to clean up.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle

from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store

from .confine import Unconfined, confine

INLINE_MAX = 8 << 20  # results up to this size go through the socket


def main(argv: list[str]) -> int:
    conn = Connection(int(argv[0]))
    try:
        applied = confine(int(argv[1]))
    except Unconfined as exc:
        conn.send_bytes(json.dumps({"refused": str(exc)}).encode())
        return 1
    conn.send_bytes(json.dumps({"ready": applied, "pid": os.getpid()}).encode())
    stores: dict[str, Store] = {}
    while True:
        try:
            job = json.loads(conn.recv_bytes())
        except EOFError:  # the worker is gone or done with us
            return 0
        _answer(conn, job, stores)


def _answer(conn: Connection, job: dict, stores: dict[str, Store]) -> None:
    try:
        store = stores.get(job["target"])
        if store is None:  # a rebuild swapped the store: the older one is not needed
            stores.clear()
            store = stores[job["target"]] = Store.read_only(job["target"])
        head: dict = {}
        if job.get("probe"):
            head["rows"] = int(next(iter(_query(store, job, job["probe"])))["n"].value)
        spool = tempfile.SpooledTemporaryFile(max_size=INLINE_MAX)  # noqa: SIM115 (closed below)
        with spool:
            _query(store, job, job["query"]).serialize(spool, _writer(job))
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
