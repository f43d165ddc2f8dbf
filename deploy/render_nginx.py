"""Render deploy/nginx.conf for a set of `policykg serve` front-ends (docs/deploy.md):

    python deploy/render_nginx.py --listen 80 --upstream 127.0.0.1:8001 \\
        --upstream 127.0.0.1:8002 --prefix /var/lib/policykg-nginx > nginx.conf

The prefix holds nginx's pid, logs, temporary files and cache, so the configuration needs
no directory of its own elsewhere and runs as an unprivileged user as well.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE = Path(__file__).with_name("nginx.conf")


def render(upstreams: list[str], listen: str, prefix: Path, **settings) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATE.parent),
                              undefined=StrictUndefined, keep_trailing_newline=True)
    return environment.get_template(TEMPLATE.name).render(
        upstreams=upstreams, listen=listen, prefix=prefix.resolve(), **settings)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", action="append", required=True, metavar="HOST:PORT",
                   help="a `policykg serve` front-end (give it once per front-end)")
    p.add_argument("--listen", default="8080", help="nginx's listen address (default 8080)")
    p.add_argument("--prefix", type=Path, required=True,
                   help="directory for nginx's pid, logs, temporary files and cache")
    p.add_argument("--user", help="user nginx's workers run as (only when started as root)")
    p.add_argument("--cache-seconds", type=int, default=2,
                   help="how long a 200 is reused before it is revalidated (default 2)")
    p.add_argument("--cache-size", default="1g", help="proxy cache size (default 1g)")
    p.add_argument("--header-timeout", type=int, default=10,
                   help="seconds a client may take to send a request head (default 10)")
    p.add_argument("--body-timeout", type=int, default=10,
                   help="seconds between two reads of a request body (default 10)")
    p.add_argument("--max-body", default="1m", help="largest request body (default 1m, as "
                                                    "`policykg serve`)")
    p.add_argument("--read-timeout", type=int, default=60,
                   help="seconds to wait for a front-end's answer (default 60: past the "
                        "query time limit)")
    p.add_argument("--tries", type=int, default=3,
                   help="front-ends a request is tried on, at most (default 3)")
    p.add_argument("--max-fails", type=int, default=3)
    p.add_argument("--fail-timeout", type=int, default=5,
                   help="seconds a failing front-end is rested (default 5)")
    p.add_argument("--metrics-from", action="append", default=None, metavar="ADDRESS",
                   help="address or CIDR allowed to read /metrics (default 127.0.0.1)")
    p.add_argument("--access-log", default="off",
                   help="nginx's access log: 'off' (default) or a file, one JSON line per "
                        "request (`FILE policykg_json`)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.prefix.mkdir(parents=True, exist_ok=True)
    access_log = "off" if args.access_log == "off" else f"{args.access_log} policykg_json"
    sys.stdout.write(render(
        args.upstream, args.listen, args.prefix, user=args.user,
        cache_seconds=args.cache_seconds, cache_size=args.cache_size,
        header_timeout=args.header_timeout, body_timeout=args.body_timeout,
        max_body=args.max_body, read_timeout=args.read_timeout, tries=args.tries,
        max_fails=args.max_fails, fail_timeout=args.fail_timeout,
        metrics_from=args.metrics_from or ["127.0.0.1"], access_log=access_log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
