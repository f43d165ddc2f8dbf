"""What a change (`policykg add`/`remove`) did to the data: the triples the union of the
data graphs gained and lost, and the subjects whose quads it touched. Validating the change
(graph/validate_change.py) and describing it (graph/void_change.py) start from these, not
from the whole store.

The data graphs are every graph but the metadata graph, which the previous build holds and
the new one does not yet (it describes the data, and is written last).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import NamedNode, Store, Triple


@dataclass(frozen=True)
class Delta:
    gained: frozenset[Triple]  # in the new union, not the previous one
    lost: frozenset[Triple]  # in the previous union, not the new one
    touched: frozenset  # subjects of a quad of a changed graph, in either store

    @property
    def changed(self) -> frozenset[Triple]:
        return self.gained | self.lost


def delta(store: Store, previous: Store, graphs: Iterable[NamedNode], metadata: NamedNode
          ) -> Delta:
    """The difference between the union of `store`'s data graphs and `previous`'s, from
    `graphs`, the graphs added, replaced or removed (a triple of an added graph that
    another graph held already changes nothing)."""
    found: tuple[set[Triple], set[Triple]] = (set(), set())
    touched = set()
    for graph in graphs:
        if graph == metadata:
            continue
        for into, new, old in ((found[0], store, previous), (found[1], previous, store)):
            for quad in new.quads_for_pattern(None, None, None, graph):
                touched.add(quad.subject)
                if not held(old, quad.triple.subject, quad.triple.predicate,
                            quad.triple.object, metadata):
                    into.add(quad.triple)
    return Delta(frozenset(found[0]), frozenset(found[1]), frozenset(touched))


def held(store: Store, subject, predicate, object_, metadata: NamedNode) -> bool:
    """Whether a data graph of `store` holds a quad of this pattern (None: any term).

    The terms are compared again: pyoxigraph 0.5.13 gives, for an object
    "1279"^^xsd:integer, quads whose object is "1284"^^xsd:integer (seen on a read-only
    store; tests/test_incremental.py's VoID comparison caught it)."""
    return any(q.graph_name != metadata and (subject is None or q.subject == subject)
               and (predicate is None or q.predicate == predicate)
               and (object_ is None or q.object == object_)
               for q in store.quads_for_pattern(subject, predicate, object_, None))
