"""Build memory benchmark (not a test): peak RSS of `policykg build` per MB of release text.

Why: a build must take memory linear in the text with a small constant (issue #13: a
2 MB release once peaked at 3.3 GB). A single large release is the hard case: a build of
many small releases holds one batch at a time, but a release's graph (~450k quads and
~140 MB of N-Quads per MB of text) is made whole before it is loaded.

Each case writes one synthetic release of about SIZE MB, in the genre's layout: the head
and contact block of a release from bench/generate_releases.py around its numbered topic
sections repeated (renumbered) until the size is reached; then runs `policykg build` on it
in a subprocess (with validation and dumps, as users run it) and reads that process's
peak resident set (wait4's rusage). The fixed cost (interpreter, libraries, lexicon and
ontology) is measured once on the smallest release and subtracted to give MB per MB.

    python bench/build_memory.py [--sizes 0.5 1 2] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
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


def peak_rss(release: Path, store: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `policykg build` on one release."""
    command = [sys.executable, "-m", "policykg", "build", "--quiet", "--store", str(store),
               "--max-release-bytes", str(10**10), str(release)]
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if status != 0:
            err.seek(0)
            sys.exit(f"build failed: {err.read().decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.5, 1, 2],
                        help="release sizes in MB (default: 0.5 1 2)")
    parser.add_argument("--workdir", type=Path, help="keep the releases and stores here")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="policykg-memory-"))
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(work / "model"), "-n", "2"], check=True, capture_output=True)
    model = sorted((work / "model").glob("*.txt"))[-1]
    base_release = work / "base.txt"
    write_release(model, base_release, 0)
    _, base = peak_rss(base_release, work / "store-base")
    print(f"fixed cost (a release of {base_release.stat().st_size:,} bytes): {base:.0f} MB")
    print(f"{'text MB':>8} {'seconds':>8} {'peak MB':>8} {'MB per MB':>10}")
    for megabytes in args.sizes:
        release = work / f"release-{megabytes:g}MB.txt"
        size = write_release(model, release, megabytes) / 1e6
        elapsed, peak = peak_rss(release, work / f"store-{megabytes:g}")
        print(f"{size:8.2f} {elapsed:8.1f} {peak:8.0f} {(peak - base) / size:10.0f}", flush=True)


if __name__ == "__main__":
    main()
