"""Reasoner timing (not a test): how long HermiT (a complete OWL 2 DL reasoner, through
owlready2 and Java) and owlrl (OWL 2 RL, pure Python) take on the ontology plus one
release, and how many triples OWL 2 RL adds (issue #16, "Measured in the note").

Cases, each the named graphs of a built store written as one N-Triples file:
- the bundled release's store: ontology, lexicon, metadata and the release;
- a store of N generated releases (bench/generate_releases.py; default 1,000): its
  ontology and lexicon graphs plus one release graph (what a reasoner sees when it checks
  one new release against the store's vocabulary);
- with --whole, that whole store (HermiT only: owlrl is pure Python and would take hours).

Each reasoner runs in this process on a fresh copy; times are wall clock, on whatever
else the machine is doing, so compare rows of one run.

    python bench/reasoner_timing.py [--releases 1000] [--store DIR] [--workdir DIR] [--whole]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import owlrl  # noqa: E402
from pyoxigraph import NamedNode, Quad, RdfFormat, serialize  # noqa: E402
from rdflib import Graph  # noqa: E402

from graph.source import bundled_releases  # noqa: E402
from graph.store import open_store  # noqa: E402
from tests.reasoners import hermit_consistent  # noqa: E402

BASE = "https://kg.test/"


@dataclass
class Row:
    case: str
    triples: int
    hermit_s: float
    hermit_consistent: bool
    owlrl_s: float | None = None
    closed_triples: int | None = None


def build(store: Path, releases: list[Path]) -> None:
    subprocess.run([sys.executable, "-m", "policykg", "build", "--store", str(store),
                    "--base-iri", BASE, "--no-dumps", "--quiet", *map(str, releases)],
                   check=True, cwd=ROOT)


def export(store_dir: Path, out: Path, graphs: list[str] | None) -> Path:
    """The named graphs (all when None) of the store, as one N-Triples file."""
    store = open_store(store_dir)
    names = [NamedNode(BASE + "graph/" + g) for g in graphs] if graphs else \
        list(store.named_graphs())
    triples = [Quad(q.subject, q.predicate, q.object)
               for name in names for q in store.quads_for_pattern(None, None, None, name)]
    serialize(triples, output=str(out), format=RdfFormat.N_TRIPLES)
    return out


def one_release(store_dir: Path) -> str:
    names = sorted(g.value for g in open_store(store_dir).named_graphs())
    return next(n for n in names if "/graph/release/" in n).removeprefix(BASE + "graph/")


def measure(case: str, path: Path, with_owlrl: bool = True) -> Row:
    graph = Graph().parse(path, format="nt")
    start = time.perf_counter()
    consistent = hermit_consistent(path)
    row = Row(case, len(graph), time.perf_counter() - start, consistent)
    if with_owlrl:
        start = time.perf_counter()
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
        row.owlrl_s, row.closed_triples = time.perf_counter() - start, len(graph)
    print(row, file=sys.stderr)
    return row


def table(rows: list[Row]) -> str:
    lines = ["| case | triples | HermiT s | consistent | owlrl s | after owlrl | inferred |",
             "|---|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        owl = (f"{r.owlrl_s:.1f} | {r.closed_triples:,} | {r.closed_triples - r.triples:,}"
               if r.owlrl_s is not None else "— | — | —")
        lines.append(f"| {r.case} | {r.triples:,} | {r.hermit_s:.1f} | "
                     f"{'yes' if r.hermit_consistent else 'NO'} | {owl} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=1000)
    parser.add_argument("--store", type=Path, help="a built store of generated releases")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--whole", action="store_true", help="also HermiT on the whole store")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="reasoner-timing-"))
    work.mkdir(parents=True, exist_ok=True)

    bundled = work / "bundled-store"
    if not bundled.exists():
        build(bundled, bundled_releases())
    rows = [measure("ontology + bundled release", export(bundled, work / "bundled.nt", None))]

    store = args.store or work / f"store-{args.releases}"
    if not store.exists():
        generated = work / f"releases-{args.releases}"
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                        str(generated), "-n", str(args.releases)], check=True)
        build(store, [generated])
    n = sum(1 for g in open_store(store).named_graphs() if "/graph/release/" in g.value)
    graphs = ["ontology", "lexicon", one_release(store)]
    rows.append(measure(f"{n:,}-release store: ontology + lexicon + one release",
                        export(store, work / "one-of-many.nt", graphs)))
    if args.whole:
        rows.append(measure(f"{n:,}-release store, whole",
                            export(store, work / "whole.nt", None), with_owlrl=False))
    print(table(rows))


if __name__ == "__main__":
    main()
