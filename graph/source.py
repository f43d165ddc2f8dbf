"""Reading a release file and its metadata into one frozen text.

The frozen text is what every evidence offset counts in (Unicode code points, NFC), so it
is made here and nowhere else. A release may be plain text or an HTML page; metadata about
where it came from (source URL, publisher, reuse terms) sits beside it in ``STEM.meta.yaml``.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InputError
from .htmltext import html_to_text

RELEASE_SUFFIXES = (".txt", ".html", ".htm")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10× faster
BUNDLED_DIR = Path(__file__).parent / "releases"
# A build's memory grows with the size of a release (its facts, a digest of each of its
# ~450k quads a MB of text, the validation's queries: ~90 MB a MB, bench/build_memory.py):
# a limit keeps a stray huge file from taking the machine's memory.
MAX_RELEASE_BYTES = 5_000_000
MAX_RELEASE_BYTES_ENV = "POLICYKG_MAX_RELEASE_BYTES"


@dataclass(frozen=True)
class SourceText:
    """A release's exact text and what is known about its origin."""

    path: str
    text: str
    meta: dict = field(default_factory=dict)


def releases_in(directory: Path) -> list[Path]:
    """The release files of a directory (by suffix), in a stable order."""
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in RELEASE_SUFFIXES)


def bundled_releases() -> list[Path]:
    """The releases shipped with policykg."""
    return releases_in(BUNDLED_DIR)


def expand(paths: list[Path]) -> list[Path]:
    """Release files, with each directory replaced by the releases it holds; a directory
    holding none is an error (building from nothing would empty the store)."""
    return [r for p in paths for r in (_releases_of(p) if p.is_dir() else [p])]


def _releases_of(directory: Path) -> list[Path]:
    found = releases_in(directory)
    if not found:
        raise InputError(str(directory), "no release files here "
                         f"({', '.join(RELEASE_SUFFIXES)}); the store is unchanged")
    return found


def max_release_bytes_from_env() -> int:
    """$POLICYKG_MAX_RELEASE_BYTES, else the default limit."""
    value = os.environ.get(MAX_RELEASE_BYTES_ENV)
    if value is None:
        return MAX_RELEASE_BYTES
    try:
        return positive_bytes(value)
    except ValueError as exc:
        raise InputError(MAX_RELEASE_BYTES_ENV, str(exc)) from None


def positive_bytes(value: str) -> int:
    """A size limit as given on the command line or in the environment."""
    if not value.strip().isdigit() or int(value) <= 0:
        raise ValueError(f"not a positive number of bytes: {value!r}")
    return int(value)


def check_size(path: Path, limit: int) -> None:
    """Refuse a release file larger than `limit` bytes, before anything reads it."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # read_source says what is wrong with it
    if size > limit:
        raise InputError(str(path), f"{size:,} bytes, over the limit of {limit:,} bytes a "
                         f"release (--max-release-bytes or {MAX_RELEASE_BYTES_ENV})")


def meta_path(path: Path) -> Path:
    return path.with_name(path.name[: -len(path.suffix)] + ".meta.yaml")


def read_source(path: Path) -> SourceText:
    """Read a release file, turning HTML into text; raise InputError saying what is wrong."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file ({exc.strerror})") from exc
    if not raw.strip():
        raise InputError(name, "the file is empty")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            name, f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x} at line {line}"
        ) from exc
    if path.suffix.lower() in (".html", ".htm") or _looks_like_html(decoded):
        decoded = html_to_text(decoded)
        if not decoded.strip():
            raise InputError(name, "the HTML page has no text content")
    text = unicodedata.normalize("NFC", decoded.replace("\r\n", "\n").replace("\r", "\n"))
    return SourceText(path=name, text=text.strip("\n") + "\n", meta=_read_meta(path))


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def _read_meta(path: Path) -> dict:
    meta_file = meta_path(path)
    if not meta_file.exists():
        return {}
    try:
        meta = yaml.load(meta_file.read_text(encoding="utf-8"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(str(meta_file), f"unreadable metadata ({exc})") from exc
    if not isinstance(meta, dict):
        raise InputError(str(meta_file), "metadata must be a YAML mapping")
    return {key: value for key, value in meta.items() if value is not None}
