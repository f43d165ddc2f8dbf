"""`policykg`: build, extract, query, validate and dump the knowledge graph, and serve it.

Every sub-command takes --store and exits non-zero with one line saying what is wrong and
where. This module only assembles the pipeline's commands (graph.cli) and the server's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from graph import cli as pipeline_cli
from graph import pipeline
from graph.errors import PolicykgError
from graph.interrupts import Stopped
from graph.iris import base_from_env, check_base
from graph.source import bundled_releases
from graph.store import default_store_path

# `policykg serve`'s default worker processes: one per core, as granian advises (it warns
# above that); queries run in evaluator processes of their own, not in the workers
SERVE_WORKERS = os.cpu_count() or 1
SERVE_THREADS = 4  # and app threads per worker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policykg", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--store", type=Path, default=default_store_path(),
                       help="store directory (default: $POLICYKG_STORE or "
                            "~/.local/share/policykg/store)")
        return p

    pipeline_cli.add_commands(command)
    p = command("pages", "render every entity page ahead of time into the store's build "
                         "(served from there; a rebuild starts without them)")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                   help="rendering processes (default: one per core)")
    s = command("serve", "serve the SPARQL endpoint (builds the store first if there is none)")
    s.add_argument("--host", default=os.environ.get("POLICYKG_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("POLICYKG_PORT", "8000")))
    s.add_argument("--workers", type=int, default=SERVE_WORKERS,
                   help=f"worker processes (default: one per core, {SERVE_WORKERS})")
    s.add_argument("--threads", type=int, default=SERVE_THREADS,
                   help=f"app threads per worker (default {SERVE_THREADS})")
    s.add_argument("--access-log", choices=("json", "off"),
                   help="json: one JSON line per request on standard error (default: off, "
                        "or $POLICYKG_ACCESS_LOG)")
    s.add_argument("--metrics", choices=("on", "off"),
                   help="answer Prometheus metrics at /metrics (default: on, or "
                        "$POLICYKG_METRICS)")
    s.add_argument("--timeout", type=float, help="seconds a query may run (default 30)")
    s.add_argument("--body-timeout", type=float,
                   help="seconds a client has to send a request body, or 408 (default 10)")
    s.add_argument("--max-rows", type=int, help="cap on result rows (default: none)")
    s.add_argument("--engine", metavar="URL",
                   help="answer from the SPARQL engine `policykg publish --to URL` wrote to, "
                        "not from the store (docs/deploy.md says what works then)")
    return parser


def _serve(args) -> int:
    from server.allocator import rerun_with_jemalloc
    from server.page_files import ready

    rerun_with_jemalloc(args.argv)
    if args.engine:  # the engine holds the data; no store is read
        _serve_from(args, {"engine": args.engine})
        return 0
    if not args.store.exists():
        built = pipeline.build(bundled_releases(), args.store, check_base(base_from_env()))
        print(f"built {built.result.path} (version {built.result.version})", file=sys.stderr)
        _render_pages(args.store, os.cpu_count() or 1)
    elif args.store.is_symlink() and not ready(args.store):  # a store policykg built
        print(f"policykg: {args.store} has no pages rendered ahead: each page is rendered on "
              "request (`policykg pages` renders them all)", file=sys.stderr)
    _serve_from(args, {"store": args.store})
    return 0


def _serve_from(args, overrides: dict) -> None:
    from server.serve import serve

    if args.access_log is not None:
        overrides["access_log"] = args.access_log
    if args.metrics is not None:
        overrides["metrics"] = args.metrics == "on"
    if args.timeout is not None:
        overrides["query_timeout"] = args.timeout
    if args.max_rows is not None:
        overrides["max_rows"] = args.max_rows
    if args.body_timeout is not None:
        overrides["body_timeout"] = args.body_timeout
    serve(args.host, args.port, args.workers, args.threads, overrides)


def _change(args) -> int:
    """`add`/`remove`, then the pages rendered ahead again if the build it started from had
    them (after the swap: until they are, the server renders each page on request)."""
    from server.page_files import PAGES_DIR

    previous = args.store.resolve()
    code = pipeline_cli.COMMANDS[args.command](args)
    changed = args.store.resolve()
    if changed != previous and (previous / PAGES_DIR).is_dir():
        _render_pages(args.store, os.cpu_count() or 1)
    return code


def _pages(args) -> int:
    _render_pages(args.store, args.processes)
    return 0


def _render_pages(store: Path, processes: int) -> None:
    from server.page_files import render_all

    started = time.perf_counter()
    directory, count = render_all(store, processes)
    print(f"rendered {count} pages into {directory} in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)


COMMANDS = {**pipeline_cli.COMMANDS, "add": _change, "remove": _change, "pages": _pages,
            "serve": _serve}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    args.argv = argv  # `serve` may run itself again (server/allocator.py)
    store_before = os.path.realpath(args.store)
    try:
        return COMMANDS[args.command](args)
    except PolicykgError as exc:
        return _fail(args.command, str(exc), 1)
    except SyntaxError as exc:
        return _fail(args.command, f"SPARQL syntax {exc}", 2)
    except (ValueError, OSError) as exc:
        return _fail(args.command, str(exc), 2)
    except KeyboardInterrupt:  # Ctrl-C: a build removes what it had written, as on failure
        return _fail(args.command, _stopped(args, "interrupted", store_before), 130)
    except Stopped as stop:  # SIGTERM, during a build (graph/interrupts.py)
        return _fail(args.command, _stopped(args, f"stopped by {stop}", store_before),
                     128 + stop.signum)


def _stopped(args, how: str, store_before: str) -> str:
    """What a stopped command left: a build's old store, unless it was already swapped."""
    if args.command not in ("build", "add", "remove"):
        return how
    if os.path.realpath(args.store) != store_before:
        return f"{how} after the new store was swapped in"
    if not os.path.exists(store_before):
        return f"{how}; no store was written"
    return f"{how}; the old store is kept"


def _fail(command: str, message: str, code: int, limit: int = 300) -> int:
    """One line on stderr, however long or multi-line the underlying message."""
    line = " ".join(message.split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    print(f"policykg {command}: {line}", file=sys.stderr)
    return code
