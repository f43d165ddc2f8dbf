"""The record a build keeps of the releases it holds, in its own directory: which ones, in
which order, each graph's content digest, and a copy of each release's source.

Why: `policykg add`/`remove` change a store release by release and must end where a whole
build of the same releases, in the same order, ends. For that they need what only the
build knew: the order (a discovered entity takes the label of the release that named it
first, graph/convert.py `harmonise`), the names each release wrote (to find the releases
whose labels a change moves), each graph's digest (the content hash, and a release added
twice is known by it), and the sources, to convert a kept release again when its labels
move. It sits beside the store's files, not in the RDF, so the graphs are what a build
makes; it comes and goes with its build, so it is swapped in with it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .convert import Converted
from .errors import StoreError
from .source import meta_path
from .store import Added as Graph

RECORD = "releases.json"  # in the build directory
SOURCES = "sources"  # the releases' files, in the build directory
VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One release of the store."""

    id: str  # release/<slug>
    file: str  # the name of the file it was added from
    source: str  # its copy under SOURCES
    title: str
    published: str
    statements: int
    graph: Graph
    names: tuple[tuple[str, str], ...]  # (id, label as written) of its discovered entities

    @property
    def slug(self) -> str:
        return self.id.split("/", 1)[1]


@dataclass
class Record:
    """What a build holds: its base IRI, the ontology's and the lexicon's graphs, then the
    releases in the order they were built or added."""

    base: str
    ontology: Graph
    lexicon: Graph
    releases: list[Entry] = field(default_factory=list)


def write(directory: Path, record: Record) -> None:
    (directory / RECORD).write_text(json.dumps(
        {"version": VERSION, **asdict(record)}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")


def read(directory: Path) -> Record:
    """The record of a build; a one-line error for a build made before there was one."""
    try:
        data = json.loads((directory / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{directory}: this build keeps no record of its releases (made "
                         "by an older policykg); run `policykg build` once") from None
    if data.get("version") != VERSION:
        raise StoreError(f"{directory / RECORD}: a record of another layout; "
                         "run `policykg build` once")
    return Record(data["base"], Graph(**data["ontology"]), Graph(**data["lexicon"]),
                  [_entry(e) for e in data["releases"]])


def _entry(data: dict) -> Entry:
    return Entry(**{**data, "graph": Graph(**data["graph"]),
                    "names": tuple(tuple(name) for name in data["names"])})


def entry(directory: Path, done: Converted, graph: Graph, file: str | None = None,
          kept: bool = False) -> Entry:
    """The entry of a release converted into the build in `directory`, its source kept
    there; `file`: the name it was first added from, when converted again from a copy."""
    slug = done.id.split("/", 1)[1]
    return Entry(done.id, file or done.path.name, keep_source(directory, done.path, slug, kept),
                 done.title, done.published, done.statements, graph, done.names)


def keep_source(directory: Path, path: Path, slug: str, kept: bool = False) -> str:
    """Copy a release file (and its .meta.yaml) under the build's SOURCES, named by its
    slug with its own suffix (the text's reading depends on it: HTML). A source `kept` by
    an earlier build, which nothing changes, is hard-linked instead; a user's file is
    copied, as it may be edited in place later. Returns its name there."""
    target = directory / SOURCES
    target.mkdir(exist_ok=True)
    name = slug + path.suffix.lower()
    for found, copy in ((path, target / name), (meta_path(path), meta_path(target / name))):
        if found.exists():
            _link(found, copy) if kept else shutil.copyfile(found, copy)
    return name


def source_path(directory: Path, entry: Entry) -> Path:
    return directory / SOURCES / entry.source


def _link(found: Path, copy: Path) -> None:
    try:
        os.link(found, copy)
    except OSError:  # links not allowed here
        shutil.copyfile(found, copy)
