"""gzip and brotli for the text this server sends (flask-compress): pages, scripts and
styles (the workbench's 1 MB editor script is 0.29 MB as brotli), query results and RDF.
Dumps are already gzip files and are sent as they are. Every answer says
`Vary: Accept-Encoding`, so a cache keeps one copy per encoding."""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

ENCODINGS = ("br", "gzip")  # preferred first when a client accepts both equally
TEXT_TYPES = (
    "text/html", "text/css", "text/javascript", "application/javascript", "text/plain",
    "image/svg+xml", "application/json",
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values",
    "text/turtle", "application/n-triples", "application/n-quads", "application/trig",
    "application/ld+json", "application/rdf+xml",
)


def compress(app: Flask) -> None:
    app.config.update(
        COMPRESS_MIMETYPES=list(TEXT_TYPES),
        COMPRESS_ALGORITHM=list(ENCODINGS),
        COMPRESS_ALGORITHM_STREAMING=list(ENCODINGS),  # large results stream, compressed
        COMPRESS_BR_LEVEL=4,  # 36 ms for the editor script; 11 takes 1.7 s
        COMPRESS_LEVEL=6,
    )
    Compress(app)
