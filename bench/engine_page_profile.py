"""What one page costs on a cold worker in front of an engine (not a test): its requests to
the engine, what each asked, and how long each took there (issue #15: the hub actor page).

An engine that `policykg publish --to URL` wrote to is read in-process (`create_app` with
`engine=URL`, as `policykg serve --engine URL` makes each worker): the version's files are
made first (server/engine_files.py, not timed), then each page is asked for once, on a
fresh app (nothing kept from an earlier page, no response cache hit), and every request the
page makes to the engine is timed where graph/engine.py sends it. The slowest requests are
printed with the start of their text, so a page's cost can be laid at the query that makes it.
With --store, the same page from that store (the one published) on a fresh embedded app
is timed beside it, in the same run.

    python bench/engine_page_profile.py URL /page/actor/japan [PATH ...] [--base IRI]
                                        [--store DIR] [--show 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.engine import Engine  # noqa: E402


@dataclass
class Asked:
    """The requests one page made to the engine."""

    seconds: list[tuple[float, int, str]] = field(default_factory=list)  # time, bytes, text

    def record(self, seconds: float, size: int, text: str) -> None:
        self.seconds.append((seconds, size, text))


def timed(asked: Asked) -> None:
    """Engine.query timed, and its text kept, for every request it sends."""
    original = Engine.query

    def query(self, sparql, *args, **kwargs):
        started = time.perf_counter()
        body = original(self, sparql, *args, **kwargs)
        asked.record(time.perf_counter() - started, len(body), sparql)
        return body

    Engine.query = query


def _gist(text: str) -> str:
    """A query's text without our prologue (BASE and PREFIX lines), on one line."""
    lines = [line for line in text.splitlines()
             if not line.startswith(("BASE ", "PREFIX "))]
    return " ".join(" ".join(lines).split())[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default=os.environ.get("POLICYKG_BASE_IRI"))
    parser.add_argument("--store", type=Path, help="the published store, timed beside it")
    parser.add_argument("--show", type=int, default=8, help="slowest requests shown per page")
    parser.add_argument("--rounds", type=int, default=2, help="fresh apps per page")
    args = parser.parse_args()
    if args.base:
        os.environ["POLICYKG_BASE_IRI"] = args.base
    from server import create_app

    asked = Asked()
    timed(asked)
    create_app({"engine": args.engine}).test_client().get("/readyz")  # the version's files
    print(f"load average {os.getloadavg()[0]:.1f}")
    for path in args.paths:
        for round_ in range(args.rounds):
            client = create_app({"engine": args.engine, "cache_bytes": 0}).test_client()
            client.get("/readyz")  # the version looked up: what a worker does before a page
            asked.seconds.clear()
            started = time.perf_counter()
            response = client.get(path)
            total = time.perf_counter() - started
            engine = sum(s for s, _, _ in asked.seconds)
            print(f"{path} (fresh app {round_ + 1}): {response.status_code}, {total:.2f} s, "
                  f"{len(asked.seconds)} requests to the engine taking {engine:.2f} s, "
                  f"{sum(b for _, b, _ in asked.seconds) / 1e3:.0f} kB")
            for seconds, size, text in sorted(asked.seconds, reverse=True)[:args.show]:
                print(f"  {seconds * 1e3:7.1f} ms {size / 1e3:7.1f} kB  {_gist(text)}")
            if args.store is not None:
                embedded = create_app({"store": args.store, "cache_bytes": 0,
                                       "page_files": False}).test_client()
                embedded.get("/readyz")
                started = time.perf_counter()
                status = embedded.get(path).status_code
                print(f"{path} (embedded, fresh app {round_ + 1}): {status}, "
                      f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
