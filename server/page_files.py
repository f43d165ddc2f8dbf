"""Entity pages rendered ahead of time, kept beside the store they were rendered from.

A store never changes once built, so neither does the page of any thing in it: rendering
it on every request spends ~3-30 ms of CPU (a hub page more) to produce the same bytes.
`policykg pages` renders each page once into `<build directory>/pages/`, and the page view
answers from there; the search's index of labels is kept there too. The files go with
their build (a rebuild starts without them, and pruning an old build removes them) and name
the code that rendered them: a server whose templates or page code differ ignores them and
renders. Nothing is ever served from a file that a render of the same request would not
give.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

from pyoxigraph import Store

from graph.errors import StoreError
from graph.interrupts import leave_to_parent

from . import diagram

PAGES_DIR = "pages"
MANIFEST = "manifest.json"
SEARCH_INDEX = "search.json.gz"  # the search's labels, read there once per worker
# Resources that only carry a span of text (seven in ten of the IRIs of a large graph):
# their pages are rendered on request, reached from the pages that show their text.
SPAN_KINDS = frozenset({"evidence", "mention", "fact"})
THINGS_QUERY = "SELECT DISTINCT ?thing WHERE { ?thing a ?kind }"
BATCH = 200  # pages a rendering process is given at a time
RECHECK = 1.0  # seconds between looks at a build whose pages are not (yet) usable


@cache
def renderer() -> str:
    """A digest of the code that renders a page (the server's modules and templates, and
    the static files, whose versions are in the pages' URLs): pages rendered by other code
    are not this code's pages. Read when the module is imported, as the code itself is:
    files changed on disk later are not the running code."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("*.py"), *root.glob("templates/*"), *root.glob("queries/*"),
                        *root.glob("static/*.*")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


renderer()


def file_of(directory: Path, rest: str) -> Path:
    """Where the page of `{base}id/{rest}` is kept in a build's pages directory (named by a
    digest: no request text ever becomes a path)."""
    name = hashlib.sha256(rest.encode()).hexdigest()
    return directory / name[:2] / f"{name[2:]}.html.gz"


_checked: dict[Path, tuple[bool, float]] = {}  # build's pages → (usable, when looked)


def _usable(directory: Path) -> bool:
    """Whether a build's pages were rendered by this code: the manifest, written after
    every page, says by which. Looked at again each RECHECK seconds until it says so."""
    usable, when = _checked.get(directory, (False, -RECHECK))
    now = time.monotonic()
    if not usable and now - when >= RECHECK:
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            usable = manifest.get("renderer") == renderer()
        except (OSError, ValueError):
            usable = False
        _checked[directory] = (usable, now)
    return usable


def ready(store: Path) -> bool:
    """Whether the store's current build has pages rendered by this code."""
    return _usable(store.resolve() / PAGES_DIR)


def read(target: str, rest: str) -> bytes | None:
    """The page rendered ahead of time for `{base}id/{rest}` in the build at `target`, if
    there is one this code would have rendered."""
    directory = Path(target) / PAGES_DIR
    if not _usable(directory):
        return None
    try:
        return gzip.decompress(file_of(directory, rest).read_bytes())
    except FileNotFoundError:
        return None


def read_search_index(target: str) -> list[tuple[str, str, bool]] | None:
    """The search index written beside the pages (see server/search.py), if they are this
    code's."""
    directory = Path(target) / PAGES_DIR
    if not _usable(directory):
        return None
    try:
        return [tuple(entry) for entry in
                json.loads(gzip.decompress((directory / SEARCH_INDEX).read_bytes()))]
    except FileNotFoundError:
        return None


def read_kept(target: str, name: str) -> bytes | None:
    """A file kept beside the pages (the statements table, server/statements_table.py), if
    they are this code's."""
    directory = Path(target) / PAGES_DIR
    if not _usable(directory):
        return None
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError:
        return None


def things(store: Store, base: str) -> list[str]:
    """The `rest` of every typed IRI under `{base}id/` whose page is kept, sorted."""
    prefix = f"{base}id/"
    found = (row["thing"].value for row in store.query(THINGS_QUERY,
                                                       use_default_graph_as_union=True))
    return sorted(iri[len(prefix):] for iri in found if iri.startswith(prefix)
                  and iri[len(prefix):].split("/", 1)[0] not in SPAN_KINDS)


def render_all(store_path: Path, processes: int) -> tuple[Path, int]:
    """Render the page of every kept thing of the store into its build directory (the
    manifest last, so a half-rendered directory is never used); (directory, pages)."""
    from .dataset import Dataset  # the app's own view of the store: base, build directory

    opened = Dataset(store_path).current()
    if not opened.base:
        raise StoreError(f"{store_path}: not built by policykg (no base IRI): it has no pages")
    directory = Path(opened.target) / PAGES_DIR
    (directory / MANIFEST).unlink(missing_ok=True)
    rests = things(opened.store, opened.base)
    batches = [rests[i:i + BATCH] for i in range(0, len(rests), BATCH)]
    with ProcessPoolExecutor(max(1, processes), initializer=_start_renderer,
                             initargs=(opened.target,)) as pool:
        for _ in pool.map(_render_batch, batches):
            pass
    write_kept(opened.store, opened.base, directory, len(rests))
    return directory, len(rests)


def write_kept(store: Store, base: str, directory: Path, pages: int) -> None:
    """What a worker would otherwise read from the store once per version, kept beside the
    pages: the search's labels and the statements table; then the manifest naming this
    code, which makes them (and the `pages` pages, if any) used."""
    from graph.iris import Iris
    from graph.search_index import labelled  # (the search reads them from here)

    from .statements_table import KEPT, dumps, read  # (and the statements table)

    _write(directory / SEARCH_INDEX,
           gzip.compress(json.dumps(labelled(store, Iris(base))).encode()))
    _write(directory / KEPT, dumps(read(store, base)))
    _write(directory / MANIFEST, json.dumps({"renderer": renderer(), "pages": pages})
           .encode())


_client = None  # the rendering process's app, made once (server/__init__.py's create_app)


def _start_renderer(target: str) -> None:
    """Open the build itself, not the store link: a rebuild meanwhile changes nothing."""
    from . import create_app

    leave_to_parent()

    global _client
    app = create_app({"store": target, "page_files": False})
    _client = app.test_client()
    diagram.defer()  # a batch's drawings are drawn together (server/diagram.py)


def _render_batch(rests: list[str]) -> int:
    opened = _client.application.extensions["policykg"].dataset.current()
    directory = Path(opened.target) / PAGES_DIR
    bodies = diagram.finish([_render(opened, rest) for rest in rests])
    for rest, body in zip(rests, bodies, strict=True):
        if body is None:  # its drawing was not made with the others': as a request would
            with diagram.undeferred():
                body = _render(opened, rest)
        _write(file_of(directory, rest), gzip.compress(body, compresslevel=6))
    return len(rests)


def _render(opened, rest: str) -> bytes:
    response = _client.get(f"/page/{rest}")
    if response.status_code != 200:
        raise StoreError(f"{opened.target}: /page/{rest} answered {response.status_code} "
                         "while its pages were rendered")
    return response.get_data()


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a server may read the directory while pages are rendered."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
