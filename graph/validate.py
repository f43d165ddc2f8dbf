"""SHACL validation of a store against policykg's shapes.

The shapes are compiled to SPARQL (graph/shacl_sparql.py) and run by Oxigraph over the
union of all graphs, so validation sees cross-release facts and costs seconds for a
million triples. pySHACL, the reference implementation, is ~100× slower here; the tests
(tests/test_shacl_sparql.py) run both and require them to agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Store

from .iris import Iris
from .shacl_sparql import conforms, report_text, run_checks, shape_checks


@dataclass(frozen=True)
class Report:
    conforms: bool
    text: str


def validate_store(store: Store, iris: Iris) -> Report:
    violations = run_checks(store, shape_checks(), iris.base)
    return Report(conforms(violations), report_text(violations))


def summary(report: Report, limit: int = 5) -> str:
    """The first violation messages, joined on one line for the CLI's error."""
    messages = [line.strip().removeprefix("Message: ") for line in report.text.splitlines()
                if line.strip().startswith("Message:")]
    unique = list(dict.fromkeys(messages))
    more = f" (and {len(unique) - limit} more)" if len(unique) > limit else ""
    return "; ".join(unique[:limit]) + more
