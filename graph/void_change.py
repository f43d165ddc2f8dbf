"""The VoID figures of a changed store (`policykg add`/`remove`), from the previous build's
description and what the change did (graph/delta.py), not counted again over the store.

Why: counting distinct subjects, objects, properties, classes and the partitions of a
1,000-release store costs seconds a query, most of the time describing a change took,
while an add changes one graph. Each figure is a count of distinct things in the union of
the data graphs, so it moves only with the triples the union gained or lost:

- a property's (class's) partition by the number of its triples (rdf:type triples) gained
  less those lost: those are distinct triples of the union by construction;
- the distinct subjects (objects, properties, classes, entities) by those of the changed
  triples that the union holds now and did not hold before, less the reverse: one lookup
  in each store per term;
- an example resource of a class (the least instance) is the previous one or a new
  instance, unless the previous one is gone.

The result is what graph/void.py's queries give on the new store (tests/test_incremental.py
compares a changed store's metadata graph with a whole build's). A previous description
that lacks a figure (written by older code) gives None: the caller counts as a build does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from pyoxigraph import Literal, NamedNode, Store

from .delta import Delta, held
from .iris import RDF, VOID, Iris, ns
from .void import EXAMPLE_CLASSES

STATISTICS = ("entities", "distinctSubjects", "distinctObjects", "properties", "classes")
_PARTITIONS = (("classPartition", "class", "entities"), ("propertyPartition", "property",
                                                         "triples"))


def changed_figures(store: Store, previous: Store, change: Delta, iris: Iris
                    ) -> dict[str, list[tuple]] | None:
    """The rows graph/void.py's statistics and partition queries would give on `store`,
    from `previous`'s description moved by `change`; None if that description lacks one."""
    metadata, dataset = iris.graph("metadata"), NamedNode(f"{iris.base}dataset")
    found: dict[str, list[tuple]] = {}
    for name in STATISTICS:
        had = next(previous.quads_for_pattern(dataset, ns(VOID, name), None, metadata), None)
        if had is None:
            return None
        found[name] = [(int(had.object.value),)]
    for link, kind, measure in _PARTITIONS:
        found[link] = []
        for part in previous.quads_for_pattern(dataset, ns(VOID, link), None, metadata):
            term, n = (next(previous.quads_for_pattern(part.object, ns(VOID, p), None,
                                                       metadata), None)
                       for p in (kind, measure))
            if term is None or n is None:
                return None
            found[link].append((term.object, int(n.object.value)))
        if not found[link]:
            return None

    def moved(terms: Iterable, pattern: Callable[[object], tuple]) -> int:
        """How many more of `terms` the union holds in `pattern` than it did."""
        return sum(held(store, *pattern(t), metadata) - held(previous, *pattern(t), metadata)
                   for t in set(terms))

    changed, kind = change.changed, ns(RDF, "type")
    subjects = {t.subject for t in changed}
    typed = {t.object for t in changed if t.predicate == kind}
    entity = f"{iris.base}id/"
    moves = {
        "entities": moved((s for s in subjects if isinstance(s, NamedNode)
                           and s.value.startswith(entity)), lambda s: (s, None, None)),
        "distinctSubjects": moved(subjects, lambda s: (s, None, None)),
        "distinctObjects": moved((t.object for t in changed), lambda o: (None, None, o)),
        "properties": moved((t.predicate for t in changed), lambda p: (None, p, None)),
        "classes": moved(typed, lambda c: (None, kind, c)),
    }
    for name, move in moves.items():
        found[name] = [(Literal(str(found[name][0][0] + move)),)]
    counts = {
        "classPartition": _moves((t.object for t in change.gained if t.predicate == kind
                                  and isinstance(t.object, NamedNode)),
                                 (t.object for t in change.lost if t.predicate == kind
                                  and isinstance(t.object, NamedNode))),
        "propertyPartition": _moves((t.predicate for t in change.gained),
                                    (t.predicate for t in change.lost)),
    }
    for link, move in counts.items():
        figures = Counter({term: n for term, n in found[link]})
        figures.update(move)
        found[link] = sorted(((term, n) for term, n in figures.items() if n > 0),
                             key=lambda row: row[0].value)
    for local in EXAMPLE_CLASSES:
        example = _example(store, previous, change, iris.term(local), dataset, metadata)
        if example is not None:
            found[local] = example
    return found


def _example(store: Store, previous: Store, change: Delta, kind: NamedNode,
             dataset: NamedNode, metadata: NamedNode) -> list[tuple] | None:
    """The rows of `_example_query` for the class `kind`: the least instance, the
    previous one or a new one; None if the previous one is gone (then it is queried)."""
    instance = ns(RDF, "type")
    had = [q.object for q in previous.quads_for_pattern(
        dataset, ns(VOID, "exampleResource"), None, metadata)
        if held(previous, q.object, instance, kind, metadata)]
    was = min(had, key=lambda node: node.value, default=None)
    if was is not None and not held(store, was, instance, kind, metadata):
        return None
    new = [t.subject for t in change.gained if t.predicate == instance and t.object == kind
           and isinstance(t.subject, NamedNode)]
    least = min([*new, *([was] if was is not None else [])], key=lambda node: node.value,
                default=None)
    return [] if least is None else [(least,)]


def _moves(gained: Iterable, lost: Iterable) -> Counter:
    counts = Counter(gained)
    counts.subtract(Counter(lost))
    return counts
