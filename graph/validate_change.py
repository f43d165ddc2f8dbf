"""SHACL validation of a changed store (`policykg add`/`remove`) in proportion to the change.

Why: validating the whole union of a 1,000-release store takes ~25 s, and an add changes
one graph. The store the change started from was valid (its build left a VALIDATED mark,
written only once validation passed), so only the focus nodes whose verdict the change can
move need validating again, and each needs only the data its checks read.

What a check of our shapes reads about a focus node X (graph/shacl_sparql.py compiles them,
over the union of all graphs): the outgoing triples of the nodes at most `reach()` steps
away from X along outgoing triples, the incoming triples of X but its rdf:type's instances
(the SPARQL-based constraints "about a thing" read who points at a claim), and the ontology
graph (the class hierarchy).
So, with D the triples the union gained or lost (graph/delta.py):

- X's verdict can change only if X is the object of a triple of D (not rdf:type), or the
  subject of one is at most `reach()` steps from X: those are the focus nodes validated
  again (`affected`, found by walking back from D's subjects in the new store);
- each of them is validated in an in-memory store holding exactly what it reads
  (`neighbourhood`), and only their violations are kept (the others in that small store
  are about nodes whose data it holds in part).

What stays global: nothing is counted over the whole store, but the walk back from D's
subjects is as wide as the graph around them: a change that adds a triple *about* an
entity many releases point at (a new label of Japan, say) validates those releases' nodes
again. Past `MAX_AFFECTED` focus nodes the whole store is validated instead, and so is a
change of a store whose validity is unknown (built with --no-validate, or by older code).

Assumption, checked by tests/test_validate_change.py against whole-store validation and
stated here since SPARQL text is not analysed: a SPARQL-based constraint reads its focus
node's incoming triples and outgoing triples at most `SPARQL_REACH` steps away.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Store, Triple
from rdflib.collection import Collection
from rdflib.namespace import SH

from .delta import Delta
from .iris import Iris
from .shacl_sparql import Violation, run_checks, shape_checks

VALIDATED = "validated"  # in a build's directory: its store passed validation whole
SPARQL_REACH = 1  # ours: a span's source text and selectors, a statement's release
MAX_AFFECTED = 50_000  # focus nodes; past this, validating the whole store is as cheap
# shape predicates whose shapes apply to the value nodes reached (or to the focus itself)
_NESTED = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_NESTED_LISTS = (SH["or"], SH["and"], SH.xone)
# no constraint asks what is of a class: a class is no focus node, its instances are not read
_TYPE = NamedNode(str(rdflib.RDF.type))


def mark_validated(directory: Path) -> None:
    (directory / VALIDATED).touch()


def was_validated(directory: Path) -> bool:
    return (directory / VALIDATED).exists()


@lru_cache(maxsize=1)
def reach() -> int:
    """How many steps along outgoing triples the checks of policykg's shapes read from a
    focus node (see the module's docstring)."""
    import ontology  # as shape_checks(): this module's shapes are policykg's

    shapes = ontology.shapes_graph()
    targeted = {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                            SH.targetObjectsOf) for s in shapes.subjects(p, None)}
    return max((shape_reach(shapes, s) for s in targeted), default=0)


def shape_reach(shapes: rdflib.Graph, shape: rdflib.term.Node, depth: int = 0) -> int:
    """The farthest node (in steps from the focus) whose outgoing triples `shape` reads."""
    if depth > 16:
        raise ValueError("shapes nested this deep are recursive")
    path = shapes.value(shape, SH.path)
    steps = 0 if path is None else len(list(Collection(shapes, path))) \
        if (path, rdflib.RDF.first, None) in shapes else 1
    far = max(steps - 1, 0)
    if (shape, SH["class"], None) in shapes:
        far = max(far, steps)  # the values' rdf:type
    nested = [n for p in _NESTED for n in shapes.objects(shape, p)]
    nested += [n for p in _NESTED_LISTS for lst in shapes.objects(shape, p)
               for n in Collection(shapes, lst)]
    for inner in nested:
        far = max(far, steps + shape_reach(shapes, inner, depth + 1))
    if (shape, SH.sparql, None) in shapes:
        far = max(far, steps + SPARQL_REACH)
    return far


def affected(store: Store, changed: frozenset[Triple], steps: int) -> set:
    """The nodes whose verdict the changed triples can move: their objects, and every node
    from which one of their subjects is at most `steps` steps away."""
    found = {t.object for t in changed
             if not isinstance(t.object, Literal) and t.predicate != _TYPE}
    frontier = {t.subject for t in changed}
    found |= frontier
    for _ in range(steps):
        frontier = {q.subject for node in frontier
                    for q in store.quads_for_pattern(None, None, node, None)} - found
        found |= frontier
        if len(found) > MAX_AFFECTED:
            break
    return found


def neighbourhood(store: Store, focus: set, steps: int, iris: Iris) -> Iterator[Quad]:
    """What the checks of the `focus` nodes read: the outgoing quads of every node at most
    `steps` away, the incoming quads of the focus nodes, the ontology graph."""
    yield from store.quads_for_pattern(None, None, None, iris.graph("ontology"))
    for node in focus:
        yield from (q for q in store.quads_for_pattern(None, None, node, None)
                    if q.predicate != _TYPE)
    seen, frontier = set(), set(focus)
    for _ in range(steps + 1):
        seen |= frontier
        reached = set()
        for node in frontier:
            for quad in store.quads_for_pattern(node, None, None, None):
                yield quad
                if not isinstance(quad.object, Literal):
                    reached.add(quad.object)
        frontier = reached - seen


def changed_violations(store: Store, change: Delta, iris: Iris) -> list[Violation] | None:
    """The violations of the changed store, given that the store before the `change`
    conformed; None when the change reaches too far for this to be cheaper than validating
    the whole store."""
    steps = reach()
    focus = affected(store, change.changed, steps)
    if len(focus) > MAX_AFFECTED:
        return None
    small = Store()
    small.bulk_extend(neighbourhood(store, focus, steps, iris))
    return [v for v in run_checks(small, shape_checks(), iris.base) if v.focus in focus]
