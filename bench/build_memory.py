"""Build memory benchmark (not a test): peak RSS of `policykg build` per MB of release text.

Why: a build must take memory linear in the text with a small constant (issue #13: a
2 MB release once peaked at 3.3 GB). A single large release is the hard case: a build of
many small releases holds one batch at a time, while one release's graph (~450k quads per
MB of text) must be made, loaded, validated and dumped without being held whole.

Each case writes one synthetic release of about SIZE MB, in the genre's layout: the head
and contact block of a release from bench/generate_releases.py around its numbered topic
sections repeated (renumbered) until the size is reached; then runs `policykg build` on it
in a subprocess (with validation and dumps, as users run it) and reads that process's
peak resident set (wait4's rusage: the largest of the process and its children, such as
the dump writers). The fixed cost is measured on the smallest release; the slope (MB of
peak per MB of text) and intercept are fitted by least squares over the sizes.

With `--against REF` the same releases are built by the code of the git ref REF too (a
temporary worktree, removed afterwards), and the two are printed side by side. With
`--write DIR` the releases are only written there (tests/test_build_hardening.py builds
one).

    python bench/build_memory.py [--sizes 0.25 0.5 1 2] [--against HEAD~1] [--workdir DIR]
    python bench/build_memory.py --write DIR --sizes 1
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPIC = re.compile(r"^\(\d+\) ", re.MULTILINE)


def write_release(model: Path, out: Path, megabytes: float) -> int:
    """A release of about `megabytes` MB made of `model`'s topic sections, repeated."""
    text = model.read_text(encoding="utf-8")
    head, rest = text.split("(1) ", 1)
    body, contact = rest.split("\nContact\n", 1)
    sections = [s.strip() for s in TOPIC.split("(1) " + body) if s.strip()]
    parts, size, number = [head], len(head), 0
    while size < megabytes * 1e6:
        section = f"({number + 1}) {sections[number % len(sections)]}\n\n"
        parts.append(section)
        size += len(section)
        number += 1
    out.write_text("".join(parts) + "Contact\n" + contact, encoding="utf-8")
    meta = model.with_name(model.name.replace(".txt", ".meta.yaml"))
    out.with_name(out.name.replace(".txt", ".meta.yaml")).write_text(meta.read_text())
    return out.stat().st_size


def peak_rss(code: Path, release: Path, store: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `policykg build` of the code at `code`."""
    command = [sys.executable, "-m", "policykg", "build", "--quiet", "--store", str(store),
               "--max-release-bytes", str(10**10), str(release)]
    environment = {**os.environ, "PYTHONPATH": str(code)}
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=code,
                                   env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if status != 0:
            err.seek(0)
            sys.exit(f"build failed ({code}): {err.read().decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope and intercept of (text MB, peak MB)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return slope, mean_y - slope * mean_x


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The code of git ref `ref` in a temporary worktree, removed on leaving."""
    directory = Path(tempfile.mkdtemp(prefix="policykg-memory-ref-")) / "code"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(directory),
                    ref], check=True, capture_output=True)
    try:
        yield directory
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                        str(directory)], check=False, capture_output=True)


def model_release(work: Path) -> Path:
    """A generated release whose sections the large ones repeat."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(work / "model"), "-n", "2"], check=True, capture_output=True)
    return sorted((work / "model").glob("*.txt"))[-1]


def measure(codes: dict[str, Path], work: Path, sizes: list[float]) -> None:
    model = model_release(work)
    base_release = work / "base.txt"
    write_release(model, base_release, 0)
    base = {name: peak_rss(code, base_release, work / f"store-{name}-base")[1]
            for name, code in codes.items()}
    print(f"fixed cost (a release of {base_release.stat().st_size:,} bytes): "
          + ", ".join(f"{name} {peak:.0f} MB" for name, peak in base.items()))
    print(f"{'text MB':>8}" + "".join(f" {name + ' s':>10} {name + ' peak':>12} "
                                       f"{name + ' /MB':>10}" for name in codes))
    points: dict[str, list[tuple[float, float]]] = {name: [] for name in codes}
    for megabytes in sizes:
        release = work / f"release-{megabytes:g}MB.txt"
        size = write_release(model, release, megabytes) / 1e6
        row = f"{size:8.2f}"
        for name, code in codes.items():
            elapsed, peak = peak_rss(code, release, work / f"store-{name}-{megabytes:g}")
            points[name].append((size, peak))
            row += f" {elapsed:10.1f} {peak:12.0f} {(peak - base[name]) / size:10.0f}"
        print(row, flush=True)
    if len(sizes) > 1:
        for name, found in points.items():
            slope, intercept = fit(found)
            print(f"{name}: peak ≈ {intercept:.0f} MB + {slope:.0f} MB per MB of text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.25, 0.5, 1, 2],
                        help="release sizes in MB (default: 0.25 0.5 1 2)")
    parser.add_argument("--against", metavar="REF",
                        help="also build with the code of this git ref, side by side")
    parser.add_argument("--workdir", type=Path, help="keep the releases and stores here")
    parser.add_argument("--write", type=Path, metavar="DIR",
                        help="only write the releases of --sizes into DIR (no builds)")
    args = parser.parse_args()
    if args.write:
        model = model_release(args.write)
        for megabytes in args.sizes:
            print(write_release(model, args.write / f"release-{megabytes:g}MB.txt",
                                megabytes))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-memory-"))
    with contextlib.ExitStack() as stack:
        codes = {"now": ROOT}
        if args.against:
            codes = {args.against: stack.enter_context(checkout(args.against)), **codes}
        measure(codes, work, args.sizes)


if __name__ == "__main__":
    main()
