"""The dumps and the dataset's description, as the build left them (docs/endpoint.md).

`GET /dumps/` lists the build's dump files (HTML for browsers, the DCAT description for
RDF clients); `GET /dumps/<file>` streams one (gzip bytes as they are: a `.gz` download,
no `Content-Encoding`; HEAD, Range, ETag = its SHA-256, Content-Length);
`GET /.well-known/void` answers the VoID + DCAT description from the metadata graph.
Nothing here runs the pipeline: it reads the store directory the link points to.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_file

from graph.dumps import DUMPS_DIR, LICENSE, DumpFile, read_manifest
from graph.iris import DCAT, DCTERMS, PROV, RDF, RDFS, VOID, XSD
from graph.void import FOAF, SPDX

from .negotiate import DESCRIPTIONS, HTML, Format
from .respond import html, pick, rdf
from .respond import opened as current_store

bp = Blueprint("dumps", __name__)
PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "prov": PROV, "rdf": RDF,
            "rdfs": RDFS, "xsd": XSD, "foaf": FOAF, "spdx": SPDX}


def _describe(opened, sparql: str, fmt: Format) -> Response:
    if not opened.base:
        abort(404, "this store has no dataset description (not built by policykg)")
    return rdf(list(opened.store.query(sparql)), fmt, opened, PREFIXES)  # small: metadata


def _metadata_graph(opened) -> str:
    return f"{opened.base}graph/metadata"


def _void_query(opened) -> str:
    graph = _metadata_graph(opened)
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"


def _dcat_query(opened) -> str:
    """The dataset, its distributions and their checksums, without the VoID partitions."""
    base = opened.base
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_metadata_graph(opened)}> {{ ?s ?p ?o
      FILTER(?s = <{base}dataset> || STRSTARTS(STR(?s), "{base}dataset/distribution/")
             || STRSTARTS(STR(?s), "{base}dataset/service/"))
      FILTER(?p NOT IN (<{VOID}classPartition>, <{VOID}propertyPartition>)) }} }}"""



def attribution(opened) -> tuple[str | None, list[str]]:
    """The dataset's rights statement and its sources, from the metadata graph."""
    if not opened.base:
        return None, []
    rights = None
    dataset = f"<{opened.base}dataset>"
    for row in opened.store.query(f"SELECT ?r WHERE {{ GRAPH ?g {{ {dataset} "
                                  f"<{DCTERMS}rights> ?r }} }} LIMIT 1"):
        rights = row["r"].value
    sources = [row["s"].value for row in opened.store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{_metadata_graph(opened)}> {{ {dataset} "
        f"<{DCTERMS}source> ?s }} }} ORDER BY ?s")]
    return rights, sources


@bp.route("/dumps/")
def listing() -> Response:
    opened = current_store()
    fmt = pick((HTML, *DESCRIPTIONS))
    if fmt is not HTML:
        return _describe(opened, _dcat_query(opened), fmt)
    files = read_manifest(Path(opened.target) / DUMPS_DIR)
    rights, sources = attribution(opened)
    return html("dumps.html", opened, files=files, rights=rights, sources=sources or [],
                license=LICENSE, base=opened.base)


@bp.route("/dumps")
def listing_slash() -> Response:
    return Response(status=308, headers={"Location": "/dumps/"})


@bp.route("/dumps/<name>")
def download(name: str) -> Response:
    opened = current_store()
    directory = Path(opened.target) / DUMPS_DIR
    listed = {f.file: f for f in read_manifest(directory)}
    if name not in listed:  # only the files the manifest lists: no path from the request
        abort(404, f"no dump {name!r} in this build; see /dumps/")
    entry = listed[name]
    damage = _damage(directory / entry.file, entry)
    if damage:
        current_app.logger.error("dump %s: %s", directory / entry.file, damage)
        return Response(f"the dump {name} is damaged on the server; {damage}: it is not "
                        "served until the store is rebuilt\n", 503,
                        {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "3600",
                         "Cache-Control": "no-store"})
    response = send_file(directory / entry.file, mimetype="application/gzip",
                         as_attachment=True, download_name=entry.file, conditional=True,
                         etag=entry.sha256, max_age=None)
    response.headers.pop("Content-Encoding", None)
    response.headers["Cache-Control"] = "no-cache"
    # RFC 9530: the digest of the whole file, also on a 206 (a part of it)
    response.headers["Repr-Digest"] = f"sha-256=:{_b64(entry.sha256)}:"
    return response


_verified: set[tuple] = set()  # files whose digest this process has checked, by identity


def _damage(path: Path, entry: DumpFile) -> str | None:
    """What is wrong with a dump file against its manifest entry, if anything: its size is
    looked at on every request (a truncated file), its SHA-256 once per process per file
    (an altered one; a file replaced or rewritten is a new file, checked again)."""
    try:
        stat = path.stat()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if stat.st_size != entry.bytes:
        return f"{stat.st_size} bytes where the manifest says {entry.bytes}"
    identity = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if identity not in _verified:
        digest = hashlib.sha256()
        try:
            with path.open("rb") as data:
                while chunk := data.read(1 << 20):
                    digest.update(chunk)
        except OSError as exc:
            return f"it cannot be read ({exc.strerror})"
        if digest.hexdigest() != entry.sha256:
            return "its SHA-256 is not the manifest's"
        _verified.add(identity)
    return None


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


@bp.route("/.well-known/void")
def void() -> Response:
    opened = current_store()
    return _describe(opened, _void_query(opened), pick(DESCRIPTIONS))

