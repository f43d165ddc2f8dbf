"""The example queries: one .rq file each, with `# title:` and `# description:` header
lines. Our terms have their stable namespace (``PREFIX pk: <https://w3id.org/policykg/ontology#>``);
things are written relative to the knowledge graph's base (``<id/actor/japan>``), so that one
file works under every base. Run them with the base as the query's base IRI."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    text: str


def _parse(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    header = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        header[key.strip()] = value.strip()
    return Example(path.stem, header.get("title", path.stem), header.get("description", ""),
                   text)


@cache
def examples() -> tuple[Example, ...]:
    """Read once per process: the files are the package's own, and the home page and the
    workbench list them on every request they render."""
    return tuple(_parse(p) for p in sorted(DIRECTORY.glob("*.rq")))


def example(name: str) -> Example:
    path = DIRECTORY / f"{name}.rq"
    if not path.is_file():
        raise KeyError(f"no example query named {name!r}")
    return _parse(path)
