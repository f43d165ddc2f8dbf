"""The store a server process reads: opened read-only, reopened when a rebuild swaps the
store link, with the facts every response needs (version, build time, base IRI). Each open
build is held (graph/store.py `hold`), so no later build removes it while a request, or a
query in an evaluator, may still read it."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path

from pyoxigraph import Store

from graph.query import prefixes
from graph.store import Held, open_held

RECHECK = 1.0  # seconds between looks at where the store link points

METADATA_QUERY = """
SELECT ?base ?version ?modified WHERE { GRAPH ?g {
  ?d <http://rdfs.org/ns/void#uriSpace> ?base ;
     <http://www.w3.org/ns/dcat#version> ?version ;
     <http://purl.org/dc/terms/modified> ?modified } } LIMIT 1
"""


@dataclass(frozen=True)
class Opened:
    store: Store
    target: str  # the build directory the store link pointed to
    base: str
    version: str
    modified: dt.datetime
    last_modified: str  # `modified` as an HTTP date
    prefixes: dict[str, str] | None  # predeclared for queries (None: a store of no base)
    held: Held  # let go when this Opened is collected: no request uses it any more
    # what a worker computes once per store version (the search index, the index pages'
    # lists); a rebuild opens a new Opened, so they go with the old version
    memo: dict = field(default_factory=dict)
    # whether the version's files (dumps, full-text index, statements table) are all there:
    # an engine's new version is served while a process makes them (server/engine_files.py),
    # and its answers are not kept by caches until they are
    complete: bool = True


class Dataset:
    """One per process: pyoxigraph results must stay on the thread that made them, and
    read-only opens see a snapshot, so each process opens its own and checks the link."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened: Opened | None = None
        self.checked = 0.0

    def current(self) -> Opened:
        """The open store, reopened if a rebuild has swapped the link (looked at no more
        than once a second: resolving the link costs more than a light query)."""
        now = time.monotonic()
        if self.opened is None or now - self.checked >= RECHECK:
            self.checked = now
            target = os.path.realpath(self.path)
            if self.opened is None or self.opened.target != target:
                self.opened = _open(self.path, target)
        return self.opened


def _open(path: Path, target: str) -> Opened:
    store, held = open_held(path)
    target = str(held.directory)
    base = version = modified = None
    for row in store.query(METADATA_QUERY):
        base, version, modified = row["base"].value, row["version"].value, row["modified"].value
    if base is None:
        # Any Oxigraph store (made by `oxigraph load`, say) can be served: no metadata.
        stat = os.stat(target)
        version = f"store-{int(stat.st_mtime)}"
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).isoformat()
        base = ""
    when = dt.datetime.fromisoformat(modified.replace("Z", "+00:00"))
    return Opened(store, target, base, version, when, format_datetime(when, usegmt=True),
                  prefixes(base) if base else None, held)
