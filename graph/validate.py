"""SHACL validation of built data against policykg's shapes (pySHACL).

Validation runs on each release graph together with the lexicon and the ontology, the
unit every shape speaks about, so a large build validates in pieces of bounded size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyshacl
import rdflib
from pyoxigraph import Quad, RdfFormat, serialize

import ontology

from .iris import Iris


@dataclass(frozen=True)
class Report:
    conforms: bool
    text: str


def to_rdflib(quads: Iterable[Quad]) -> rdflib.Graph:
    """Triples of the quads (graph names dropped) as an rdflib graph."""
    triples = [Quad(q.subject, q.predicate, q.object) for q in quads]
    graph = rdflib.Graph()
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    return graph


def validate_graph(data: rdflib.Graph, iris: Iris) -> Report:
    conforms, _, text = pyshacl.validate(
        data,
        shacl_graph=ontology.shapes_graph(iris.base),
        ont_graph=ontology.load_graph(iris.base),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return Report(bool(conforms), str(text))


def summary(report: Report, limit: int = 5) -> str:
    """The first violation messages, one per line, for a one-line CLI error and a log."""
    messages = [line.strip().removeprefix("Message: ") for line in report.text.splitlines()
                if line.strip().startswith("Message:")]
    unique = list(dict.fromkeys(messages))
    more = f" (and {len(unique) - limit} more)" if len(unique) > limit else ""
    return "; ".join(unique[:limit]) + more
