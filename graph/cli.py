"""The pipeline's sub-commands of `policykg`: build, add, remove, list, extract, query,
validate, dump, publish.

Every sub-command takes --store and exits non-zero with one line saying what is wrong and
where; nothing here knows how extraction or storage work inside.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import dumps, incremental, pipeline
from .engine import Engine, parse_auth
from .errors import StoreError
from .extract import extract
from .extract.gaps import report_lines
from .interrupts import stoppable
from .iris import Iris, base_from_env, check_base, store_base
from .lexicon import load_lexicon
from .publish import publish
from .query import read_query, render, run
from .source import (
    MAX_RELEASE_BYTES_ENV,
    bundled_releases,
    check_size,
    expand,
    max_release_bytes_from_env,
    positive_bytes,
    read_source,
)
from .store import open_held
from .validate import validate_store


def add_commands(command) -> None:
    """Declare the pipeline's sub-commands; `command(name, help)` makes a sub-parser that
    already has --store."""
    b = command("build", "(re)build the store from release files or directories of them "
                         "(default: the bundled releases); a failure leaves the old store")
    b.add_argument("releases", nargs="*", type=Path)
    b.add_argument("--base-iri", default=base_from_env(),
                   help="base of every IRI (default: $POLICYKG_BASE_IRI or %(default)s)")
    b.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    b.add_argument("--no-dumps", action="store_true",
                   help="skip writing the RDF dumps (policykg dump still works)")
    b.add_argument("--quiet", action="store_true", help="no summary line per release")
    _size_limit(b)

    a = command("add", "add release files or directories of them to the store, or replace "
                       "the releases they are new versions of; a failure leaves the old store")
    a.add_argument("releases", nargs="+", type=Path)
    _change_options(a)
    _size_limit(a)

    r = command("remove", "remove one release from the store; a failure leaves the old store")
    r.add_argument("release", help="its IRI, slug (as `policykg list` shows), or the name of "
                                   "the file it was added from")
    _change_options(r)

    li = command("list", "list the store's releases: slug, date, title, triples, statements")
    li.add_argument("--json", action="store_true", help="a JSON array instead")

    e = command("extract", "print the facts extracted from one release as JSON")
    e.add_argument("release", type=Path)
    _size_limit(e)
    e.add_argument("--with-text", action="store_true", help="include the release's full text")
    e.add_argument("--report", action="store_true",
                   help="say what was not understood instead of printing the facts")

    q = command("query", "run a SPARQL query (text, .rq file, or - for stdin)")
    q.add_argument("query")
    q.add_argument("--format", choices=["table", "json", "csv", "tsv", "xml", "ttl", "nt"])

    command("validate", "SHACL-validate the store; non-zero exit when it does not conform")

    p = command("publish", "write the store's named graphs to a SPARQL 1.1 engine and switch "
                           "its readers to them at once (graph/publish.py)")
    p.add_argument("--to", required=True, metavar="URL",
                   help="the engine's root URL, e.g. http://localhost:7878/ (oxigraph serve) "
                        "or http://localhost:8890/ (Virtuoso)")
    p.add_argument("--auth", type=_auth, metavar="USER:PASSWORD",
                   help="credentials for the engine's write services")

    d = command("dump", "write the store as RDF")
    d.add_argument("--format", choices=list(dumps.BY_KEY), default="nq")
    d.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")


def _change_options(parser) -> None:
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    parser.add_argument("--no-dumps", action="store_true", help="skip writing the RDF dumps")


def _size_limit(parser) -> None:
    parser.add_argument("--max-release-bytes", type=_bytes, metavar="N",
                        help=f"refuse a release file larger than this (default: "
                             f"${MAX_RELEASE_BYTES_ENV} or 5000000)")


def _bytes(value: str) -> int:
    try:
        return positive_bytes(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _auth(value: str) -> tuple[str, str]:
    try:
        return parse_auth(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _limit(args) -> int:
    return args.max_release_bytes or max_release_bytes_from_env()


_SHOWN = 20  # possible duplicates printed by build


def _build(args) -> int:
    releases = expand(args.releases) if args.releases else bundled_releases()
    with stoppable():  # SIGINT/SIGTERM: workers ended, the new build removed
        built = pipeline.build(releases, args.store, check_base(args.base_iri),
                               validate=not args.no_validate, dumps=not args.no_dumps,
                               max_release_bytes=_limit(args))
    statements = sum(r.statements for r in built.releases)
    if not args.quiet:
        for release in built.releases:
            print(f"{release.path}: {release.gaps}")
        for pair in built.duplicates[:_SHOWN]:
            print(f"possible duplicate: {pair.first} ~ {pair.second} ({pair.score:.0f})")
        if len(built.duplicates) > _SHOWN:
            print(f"… and {len(built.duplicates) - _SHOWN} more possible duplicates")
    print(f"built {built.result.path} (version {built.result.version}): "
          f"{len(built.releases)} release{'' if len(built.releases) == 1 else 's'}, "
          f"{statements} statements, "
          f"{built.result.quads} quads{'' if args.no_validate else ', SHACL-valid'}")
    return 0


def _add(args) -> int:
    with stoppable():
        change = incremental.add(expand(args.releases), args.store, not args.no_validate,
                                 not args.no_dumps, _limit(args))
    return _changed(args, change)


def _remove(args) -> int:
    with stoppable():
        change = incremental.remove(args.release, args.store, not args.no_validate,
                                    not args.no_dumps)
    return _changed(args, change)


def _changed(args, change: incremental.Change) -> int:
    for file in change.unchanged:
        print(f"{file}: held already, unchanged")
    for how, entries in (("added", change.added), ("replaced", change.replaced),
                         ("removed", change.removed), ("relabelled", change.relabelled)):
        for entry in entries:
            print(f"{how} {entry.slug} ({entry.file})")
    result = change.result
    if result is None:
        print(f"{args.store}: unchanged")
        return 0
    count = len(incremental.releases(args.store))
    print(f"changed {result.path} (version {result.version}): {count} "
          f"release{'' if count == 1 else 's'}, {result.quads} quads"
          f"{'' if args.no_validate else ', SHACL-valid'}")
    return 0


def _list(args) -> int:
    entries = incremental.releases(args.store)
    if args.json:
        json.dump([{"slug": e.slug, "date": e.published, "title": e.title,
                    "triples": e.graph.quads, "statements": e.statements, "file": e.file}
                   for e in entries], sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for e in entries:
        print(f"{e.slug}\t{e.published}\t{e.title}\t{e.graph.quads}\t{e.statements}")
    return 0


def _extract(args) -> int:
    check_size(args.release, _limit(args))
    facts = extract(read_source(args.release), load_lexicon())
    if args.report:
        print("\n".join(report_lines(facts)))
        return 0
    json.dump(facts.to_json_dict(include_text=args.with_text), sys.stdout, indent=2,
              ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _open(args):
    """The store, its base IRI, and the hold on its build (keep it while reading)."""
    store, held = open_held(args.store)
    base = store_base(store)
    if base is None:
        raise StoreError(f"{args.store}: not a policykg store (no metadata graph)")
    return store, base, held


def _query(args) -> int:
    store, base, _held = _open(args)
    result = run(store, read_query(args.query), base)
    sys.stdout.buffer.write(render(result, args.format, base))
    return 0


def _validate(args) -> int:
    store, base, _held = _open(args)
    report = validate_store(store, Iris(base))
    print(report.text.strip())
    return 0 if report.conforms else 1


def _dump(args) -> int:
    store, base, _held = _open(args)
    out = args.output.open("wb") if args.output else sys.stdout.buffer
    try:
        dumps.write_rdf(store, out, dumps.BY_KEY[args.format])
    finally:
        if args.output:
            out.close()
    return 0


def _publish(args) -> int:
    store, _base, _held = _open(args)
    with Engine(args.to, args.auth) as engine:
        done = publish(store, engine)
        print(f"published {args.store} (version {done.version}) to {engine.services.engine} at "
              f"{engine.url}: {done.graphs} graphs, {done.triples} triples, "
              f"{done.removed} old graphs removed, in {done.seconds:.1f} s")
    return 0


COMMANDS = {"build": _build, "add": _add, "remove": _remove, "list": _list,
            "extract": _extract, "query": _query, "validate": _validate,
            "dump": _dump, "publish": _publish}
