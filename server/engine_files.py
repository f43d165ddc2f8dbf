"""What a build directory holds beside its store, made for a version served from an engine
(`policykg serve --engine URL`): the dumps and their manifest, the full-text index, and
the search's labels and the statements table kept as `policykg pages` keeps them. The
server reads them from there as from a build (server/dumps.py, server/fulltext.py,
server/search.py, server/statements_table.py), so engine mode answers /dumps/, full-text
search and the statements table as fast as the embedded store.

They are made once per published version, under the data home
($XDG_DATA_HOME/policykg/engines/<engine>/<version>.<code>/), from the version's graphs fetched
from the engine by Graph Store GET into a scratch store (removed after), through the same
writers a build uses: the same dump files (byte for byte: graph/dumps.py), index and table,
from RDF, never from releases.
Front-ends on one machine share the directory: one makes it under a lock, the others wait
for it; older versions' directories are removed once a newer one is complete. `serve`
makes the first version's before its workers start; a version published later is served
at once while a process makes its files (meanwhile the full-text search falls back to
names, the statements table is read from the engine, /dumps/ lists nothing, and no
answer is kept by a cache).
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, parse

from graph import search_index
from graph.dump_members import write_dumps
from graph.dumps import DUMPS_DIR, with_canonical_blank_nodes
from graph.engine import Engine
from graph.iris import Iris
from graph.publish import recorded_graphs
from graph.store import data_home
from graph.void import is_file_fact

from .page_files import PAGES_DIR, renderer, write_kept

ENGINES_DIR = "engines"
COMPLETE = ".complete"  # written last: a directory without it is remade
MAKER = "import sys; from server.engine_files import main; sys.exit(main(sys.argv[1:]))"


def directory_for(url: str, version: str) -> Path:
    """Where a version of an engine's files are: named by a digest of the engine's URL (no
    URL text becomes a path), the version, and the code that reads them (the renderer's
    digest, as pages rendered ahead are: files kept by other code would be ignored, and
    the table read from the engine on every start)."""
    engine = hashlib.sha256(url.encode()).hexdigest()[:16]
    return data_home() / ENGINES_DIR / engine / f"{version}.{renderer()}"


def complete(directory: Path) -> bool:
    return (directory / COMPLETE).exists()


def prepare_later(engine: Engine, base: str, version: str) -> subprocess.Popen:
    """`prepared`, in a process of its own (in the server's process group, so stopped with
    it): no request of a worker shares its CPU time with it, and a granian worker never
    makes them itself (made in a worker, by a thread or a request, they stalled at the
    first graph, holding the worker's requests). A failure is said on standard error, and
    the version is then served without the files."""
    return subprocess.Popen([sys.executable, "-c", MAKER, engine.url, base, version],
                            stdin=subprocess.DEVNULL)


def prepared(engine: Engine, base: str, version: str) -> Path:
    """The version's files, made first if no front-end has made them yet."""
    directory = directory_for(engine.url, version)
    if complete(directory):
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _locked(directory.parent / ".lock"):
        if not complete(directory):
            _make(engine, base, version, directory)
            for older in directory.parent.iterdir():
                if older.is_dir() and older != directory:
                    shutil.rmtree(older, ignore_errors=True)
    return directory


def _make(engine: Engine, base: str, version: str, directory: Path) -> None:
    scratch = directory.with_name(f".{version}.making")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(directory, ignore_errors=True)
    try:
        (scratch / "store").mkdir(parents=True)
        store = Store(str(scratch / "store"))
        for graph in recorded_graphs(engine, base):
            answer = engine.get_graph(graph)
            kind = answer.headers.get("content-type", "").split(";")[0].strip()
            _load(store, parse(answer.content, RdfFormat.from_media_type(kind)
                               or RdfFormat.N_TRIPLES), NamedNode(graph))
        # the dumps' sizes and digests, which the build added to the metadata graph after
        # writing them, are not in the dumps (graph/void.py)
        iris = Iris(base)
        for quad in [q for q in store.quads_for_pattern(None, None, None,
                                                        iris.graph("metadata"))
                     if is_file_fact(q, iris)]:
            store.remove(quad)
        write_dumps(store, scratch / DUMPS_DIR, version)
        search_index.write(store, iris, scratch)
        write_kept(store, base, scratch / PAGES_DIR, 0)
        del store
        shutil.rmtree(scratch / "store")
        (scratch / COMPLETE).write_text(directory.name)
        scratch.rename(directory)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _load(store: Store, triples: Iterable[Triple], graph: NamedNode) -> None:
    """Load a graph as the engine gave it, its blank nodes (the ontology's) labelled as the
    build labelled them (only the quads that hold one bear on their labels): the dumps are
    then the build's bytes, and their checksums those the metadata graph records."""
    blank: list[Quad] = []

    def plain() -> Iterator[Quad]:
        for triple in triples:
            quad = Quad(triple.subject, triple.predicate, triple.object, graph)
            if isinstance(triple.subject, BlankNode) or isinstance(triple.object, BlankNode):
                blank.append(quad)
            else:
                yield quad

    store.bulk_extend(plain())
    store.bulk_extend(with_canonical_blank_nodes(blank))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def main(arguments: list[str]) -> int:
    url, base, version = arguments
    try:
        with Engine(url) as engine:
            prepared(engine, base, version)
    except Exception as exc:  # noqa: BLE001 - said; the server goes on without the files
        print(f"policykg serve: the files of version {version} could not be made: {exc}",
              file=sys.stderr, flush=True)
        return 1
    return 0
