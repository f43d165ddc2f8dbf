"""Static files under versioned URLs: `url_for('static', …)` adds `?v=` and the first 12
hex digits of the file's SHA-256, and only a URL whose `v` is the digest of the file served
is cached for a year as immutable (a changed file gets a new URL, so nothing stale is
kept). Any other static URL is revalidated on each use."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, request

VERSION = "v"
FOREVER = "public, max-age=31536000, immutable"


@cache
def digest(path: Path) -> str:
    """A file's version (read once per process, as the code is)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:  # no such file: url_for still makes its URL, which answers 404
        return ""


def version(app: Flask, filename: str) -> str:
    return digest(Path(app.static_folder, filename).resolve())


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
            response.headers["Cache-Control"] = (
                FOREVER if wanted and wanted == version(app, filename) else "no-cache")
        return response
