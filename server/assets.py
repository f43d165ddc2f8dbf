"""Static files under versioned URLs: `url_for('static', …)` adds `?v=` and the first 12
hex digits of the file's SHA-256, and only a URL whose `v` is the digest of the file served
is cached for a year as immutable (a changed file gets a new URL, so nothing stale is
kept). Any other static URL is revalidated on each use. A versioned file's answer is
marked for the response cache (server/front_cache.py), so that the workbench's 1 MB script
is compressed once per encoding rather than on every request (36 ms with brotli)."""

from __future__ import annotations

import hashlib
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, request

from graph.errors import PolicykgError

from .front_cache import mark
from .respond import opened

VERSION = "v"
FOREVER = "public, max-age=31536000, immutable"


def digest(path: Path) -> str:
    """A file's version (read once per process and name, as the code is: `_version`)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:  # no such file: url_for still makes its URL, which answers 404
        return ""


def version(app: Flask, filename: str) -> str:
    return _version(app.static_folder, filename)


@lru_cache(maxsize=256)  # bounded: a request for a static file names any file it likes
def _version(folder: str, filename: str) -> str:
    """A file's version by its name, kept: the one cache of versions (resolving the path
    cost ~35 µs, three times a page; reading the file, more)."""
    return digest(Path(folder, filename).resolve())


def versioned(app: Flask) -> None:
    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION not in values:
            values[VERSION] = version(app, values["filename"])

    @app.after_request
    def _lifetime(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 206, 304):
            wanted = request.args.get(VERSION)
            filename = (request.view_args or {}).get("filename", "")
            current = bool(wanted) and wanted == version(app, filename)
            response.headers["Cache-Control"] = FOREVER if current else "no-cache"
            if current and response.status_code == 200:
                # kept by the response cache (compressed once, not on every request)
                with suppress(PolicykgError, OSError):
                    mark(request.environ, opened().version)
        return response
