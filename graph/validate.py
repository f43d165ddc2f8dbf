"""SHACL validation of a store against policykg's shapes.

The shapes are compiled to SPARQL (graph/shacl_sparql.py) and run by Oxigraph over the
union of all graphs, so validation sees cross-release facts and costs seconds for a
million triples. pySHACL, the reference implementation, is ~100× slower here; the tests
(tests/test_shacl_sparql.py) run both and require them to agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from .delta import Delta
from .iris import Iris
from .shacl_sparql import Violation, conforms, report_text, run_checks, shape_checks
from .validate_change import changed_violations, was_validated


@dataclass(frozen=True)
class Report:
    conforms: bool
    text: str


def validate_store(store: Store, iris: Iris) -> Report:
    return _report(run_checks(store, shape_checks(), iris.base))


def validate_building(store: Store, iris: Iris, previous: Path | None = None,
                      change: Delta | None = None) -> Report:
    """Validate a new build: the `change` of a build that was valid (`previous`) in
    proportion to it (graph/validate_change.py), any other whole."""
    if previous is not None and change is not None and was_validated(previous):
        violations = changed_violations(store, change, iris)
        if violations is not None:
            return _report(violations)
    return validate_store(store, iris)


def _report(violations: list[Violation]) -> Report:
    return Report(conforms(violations), report_text(violations))


def summary(report: Report, limit: int = 5) -> str:
    """The first violation messages, joined on one line for the CLI's error."""
    messages = [line.strip().removeprefix("Message: ") for line in report.text.splitlines()
                if line.strip().startswith("Message:")]
    unique = list(dict.fromkeys(messages))
    more = f" (and {len(unique) - limit} more)" if len(unique) > limit else ""
    return "; ".join(unique[:limit]) + more
