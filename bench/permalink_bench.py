"""Permalink store benchmark (not a test): what keeping one new query costs when the store
holds nearly MAX_ENTRIES (server/permalinks.py), before and after the count was kept.

- before: the folder counted with a glob on every new entry (what `keep` did until the
  count file), then the entry written;
- after: `server.permalinks.keep` as it is (the count read from its file, under a lock).

Each case keeps `--repeat` new queries in a data home of its own, filled with `-n` files
first, and reports the median and the worst milliseconds per entry (after: the worst is
the first entry, which counts the folder once, there being no count file yet).

    python bench/permalink_bench.py [-n 49900] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=49_900, help="files in the store first")
    parser.add_argument("--repeat", type=int, default=20, help="new entries kept, each case")
    args = parser.parse_args()
    for name, case in (("before: glob", _globbed), ("after: count file", _counted)):
        with tempfile.TemporaryDirectory(prefix="permalink-bench-") as home:
            os.environ["XDG_DATA_HOME"] = home
            from server.permalinks import folder

            folder().mkdir(parents=True)
            for i in range(args.n):
                (folder() / f"filler{i}.rq").touch()
            times = []
            for i in range(args.repeat):
                start = time.perf_counter()
                assert case(f"ASK {{}} # {name} {i}") is not None
                times.append((time.perf_counter() - start) * 1000)
            print(f"{name:18} {args.n} files: median {statistics.median(times):7.3f} ms, "
                  f"worst {max(times):7.3f} ms per new entry")


def _globbed(text: str) -> str | None:
    """The count as `keep` made it before: a glob of the folder, then the entry written."""
    from server.permalinks import MAX_ENTRIES, _write, folder, key

    if sum(1 for _ in folder().glob("*.rq")) >= MAX_ENTRIES:
        return None
    _write(folder() / f"{key(text)}.rq", text.encode("utf-8"))
    return key(text)


def _counted(text: str) -> str | None:
    from server.permalinks import keep

    return keep(text)


if __name__ == "__main__":
    main()
