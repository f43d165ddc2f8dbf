"""The on-disk Oxigraph store: built whole into a new directory, validated, then swapped in
atomically, so readers never see a half-built store and a failed build changes nothing.

Layout: the store path is a symbolic link to ``<path>.builds/<build-id>``; a build writes a
new directory beside the others, then replaces the link with ``os.replace`` (atomic on
POSIX). The previous build is kept so a server that still reads it is not pulled from
under its feet; older ones are removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, serialize

from .errors import StoreError
from .iris import DCAT, DCTERMS, PROV, RDF, VOID, XSD, Iris, ns

KEEP_BUILDS = 2


def default_store_path() -> Path:
    """$POLICYKG_STORE, else $XDG_DATA_HOME/policykg/store (~/.local/share/policykg/store)."""
    if os.environ.get("POLICYKG_STORE"):
        return Path(os.environ["POLICYKG_STORE"])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "policykg" / "store"


@dataclass(frozen=True)
class BuildResult:
    path: Path
    directory: Path
    version: str
    quads: int


def canonical_nquads(quads: Iterable[Quad]) -> bytes:
    """Sorted N-Quads: a canonical form (the data has no blank nodes)."""
    lines = serialize(list(quads), format=RdfFormat.N_QUADS).splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


def write_store(path: Path, quads: list[Quad], iris: Iris) -> BuildResult:
    """Write `quads` and a metadata graph into a fresh store and swap it in. On any
    failure the old store stays."""
    path = path.absolute()
    if path.exists() and not path.is_symlink():
        raise StoreError(f"{path}: exists and is not a store built by policykg "
                         "(expected a symbolic link); move it away or choose another --store")
    canonical = canonical_nquads(quads)
    digest = hashlib.sha256(canonical).hexdigest()[:16]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    builds = path.with_name(path.name + ".builds")
    builds.mkdir(parents=True, exist_ok=True)
    directory = builds / f"{now:%Y%m%dT%H%M%SZ}-{digest}-{os.getpid()}"
    try:
        store = Store(str(directory))
        store.bulk_extend(quads)
        store.bulk_extend(_metadata(iris, digest, now, len(quads)))
        store.flush()
        del store
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    link = builds / f".link-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(os.path.relpath(directory, path.parent))
    os.replace(link, path)
    _prune(builds, directory, path)
    return BuildResult(path, directory, f"{now:%Y-%m-%d}-{digest}", len(quads))


def _metadata(iris: Iris, digest: str, now: dt.datetime, count: int) -> list[Quad]:
    graph = iris.graph("metadata")
    dataset = NamedNode(f"{iris.base}dataset")
    return [
        Quad(dataset, ns(RDF, "type"), ns(PROV, "Entity"), graph),
        Quad(dataset, ns(DCTERMS, "modified"), Literal(now.isoformat().replace("+00:00", "Z"),
             datatype=ns(XSD, "dateTime")), graph),
        Quad(dataset, ns(VOID, "uriSpace"), Literal(iris.base), graph),
        Quad(dataset, ns(DCTERMS, "identifier"), Literal(f"sha256:{digest}"), graph),
        Quad(dataset, ns(DCAT, "version"), Literal(f"{now:%Y-%m-%d}-{digest}"), graph),
        Quad(dataset, ns(VOID, "triples"), Literal(str(count), datatype=ns(XSD, "integer")),
             graph),
    ]


def _prune(builds: Path, current: Path, link: Path) -> None:
    others = sorted((d for d in builds.iterdir() if d.is_dir() and d != current),
                    key=lambda d: d.name, reverse=True)
    for old in others[KEEP_BUILDS - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def open_store(path: Path) -> Store:
    """Open a built store read-only; a clear error if there is none."""
    target = path.resolve()
    if not target.is_dir():
        raise StoreError(f"{path}: no store here; run `policykg build` first")
    try:
        return Store.read_only(str(target))
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the store ({exc})") from exc



STORE_BASE_QUERY = f"SELECT ?base WHERE {{ GRAPH ?g {{ ?d <{VOID}uriSpace> ?base }} }} LIMIT 1"


def store_base(store: Store) -> str | None:
    """The base IRI a store was built with (recorded in its metadata graph)."""
    for row in store.query(STORE_BASE_QUERY):
        return row["base"].value
    return None
