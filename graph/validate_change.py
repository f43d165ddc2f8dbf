"""SHACL validation of a changed store (`policykg add`/`remove`) in proportion to the change.

Why: validating the whole union of a 1,000-release store takes ~25 s, and an add changes
one graph. The store the change started from was valid (its build left a VALIDATED mark,
written only once validation passed), so only the focus nodes whose verdict the change can
move need validating again, and each needs only the data its checks read.

What a check of our shapes reads about a focus node X (graph/shacl_sparql.py compiles them,
over the union of all graphs) is found in the shapes (`reads()`, `Reads`): the outgoing
triples of X; past X, up to `steps` away along outgoing triples, only those of the `far`
predicates (rdf:type for sh:class, the paths of the shapes applied to value nodes, what
SPARQL-based constraints read past $this); the incoming triples of X if X is a focus node
of a shape whose SPARQL-based constraints read them (who points at a claim); and the
ontology graph (the class hierarchy). What a SPARQL-based constraint reads is found in its
triple patterns (parsed by rdflib): those from $this are outgoing reads at the distance of
their subject, those into $this incoming ones; any other pattern is refused
(NotImplementedError), not guessed at.

So, with D the triples the union gained or lost (graph/delta.py):

- X's verdict can change only if X is the subject of a triple of D, or the object of one
  and its incoming triples are read, or the subject of one of a `far` predicate is at
  most `steps` from X: those are the focus nodes validated again (`affected`, found by
  walking back from those subjects in the new store);
- they are validated in an in-memory store holding what their checks read
  (`neighbourhood`), and only their violations are kept (the others in that small store
  are about nodes whose data it holds in part).

What stays global: nothing is counted over the whole store, but what is read around an
old entity the change touches holds all its quads, one per graph that states it (a topic
that 1,000 releases type and label), and the walk back from a changed `far` triple is as
wide as the graph around it (a new rdf:type of an entity many releases point at validates
those releases' nodes again). Past `MAX_AFFECTED` focus nodes the whole store is validated
instead, and so is a change of a store whose validity is unknown (built with
--no-validate, or by older code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Store, Triple
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from .delta import Delta
from .iris import Iris
from .shacl_sparql import Violation, run_checks, shape_checks

VALIDATED = "validated"  # in a build's directory: its store passed validation whole
MAX_AFFECTED = 50_000  # focus nodes; past this, validating the whole store is as cheap
# shape predicates whose shapes apply to the value nodes reached (or to the focus itself)
_NESTED = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_NESTED_LISTS = (SH["or"], SH["and"], SH.xone)
# no constraint reads what is of a class: its instances are not read, a class is no focus
_TYPE = NamedNode(str(rdflib.RDF.type))
_SUBCLASS = NamedNode(str(rdflib.RDFS.subClassOf))


def mark_validated(directory: Path) -> None:
    (directory / VALIDATED).touch()


def was_validated(directory: Path) -> bool:
    return (directory / VALIDATED).exists()


@dataclass(frozen=True)
class Reads:
    """What the checks of a set of shapes read around a focus node (the module's
    docstring): outgoing triples up to `steps` away, only those of the `far` predicates
    past the focus node itself; incoming triples of a node that is a focus node of a shape
    with SPARQL-based constraints (an instance of `incoming_classes`, or a subject of
    `incoming_subjects_of`, or one of `incoming_nodes`), and those of the `objects_of`
    predicates (sh:targetObjectsOf) of any node."""

    steps: int
    far: frozenset[NamedNode]
    incoming_classes: frozenset[NamedNode]
    incoming_subjects_of: frozenset[NamedNode]
    incoming_nodes: frozenset[NamedNode]
    objects_of: frozenset[NamedNode]


@lru_cache(maxsize=1)
def reads() -> Reads:
    """What the checks of policykg's shapes read."""
    import ontology  # as shape_checks(): this module's shapes are policykg's

    return shape_reads(ontology.shapes_graph())


def shape_reads(shapes: rdflib.Graph) -> Reads:
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.targetObjectsOf)
    targeted = {s for p in targets for s in shapes.subjects(p, None)}
    far: set[NamedNode] = {_TYPE}
    steps = max((_walk(shapes, s, False, far) for s in targeted), default=0)
    sparql = [s for s in targeted if _has_sparql(shapes, s)]

    def iris(predicate: rdflib.URIRef, of: Iterable) -> frozenset[NamedNode]:
        return frozenset(NamedNode(str(o)) for s in of for o in shapes.objects(s, predicate))

    return Reads(steps, frozenset(far), iris(SH.targetClass, sparql),
                 iris(SH.targetSubjectsOf, sparql), iris(SH.targetNode, sparql),
                 iris(SH.targetObjectsOf, targeted))


def _walk(shapes: rdflib.Graph, shape: rdflib.term.Node, far: bool, predicates: set,
          depth: int = 0) -> int:
    """The farthest node (in steps from the focus) whose outgoing triples `shape` reads;
    adds to `predicates` those it reads past the focus node (all of them if the shape
    applies to nodes past it: `far`)."""
    if depth > 16:
        raise ValueError("shapes nested this deep are recursive")
    path = shapes.value(shape, SH.path)
    steps = [] if path is None else list(Collection(shapes, path)) \
        if (path, rdflib.RDF.first, None) in shapes else [path]
    predicates.update(NamedNode(str(p)) for p in (steps if far else steps[1:]))
    farthest = max(len(steps) - 1, 0)
    if (shape, SH["class"], None) in shapes:
        farthest = max(farthest, len(steps))  # the values' rdf:type
    nested = [n for p in _NESTED for n in shapes.objects(shape, p)]
    nested += [n for p in _NESTED_LISTS for lst in shapes.objects(shape, p)
               for n in Collection(shapes, lst)]
    for inner in nested:
        farthest = max(farthest, len(steps) + _walk(shapes, inner, far or bool(steps),
                                                    predicates, depth + 1))
    for constraint in shapes.objects(shape, SH.sparql):
        reached, every, past = _sparql_reads(shapes, constraint)
        farthest = max(farthest, len(steps) + reached)
        predicates.update(NamedNode(str(p)) for p in (every if far or steps else past))
    return farthest


def _has_sparql(shapes: rdflib.Graph, shape: rdflib.term.Node) -> bool:
    return (shape, SH.sparql, None) in shapes or any(
        (p, SH.sparql, None) in shapes for p in shapes.objects(shape, SH.property))


def _sparql_reads(shapes: rdflib.Graph, constraint: rdflib.term.Node
                  ) -> tuple[int, set[rdflib.URIRef], set[rdflib.URIRef]]:
    """How far from $this a SPARQL-based constraint reads outgoing triples, the
    predicates it reads, and those it reads past $this (every triple pattern's, parsed by
    rdflib: a pattern whose subject is $this is read at the focus node, one whose object
    is, among its incoming triples; any other at the distance of its subject from it)."""
    declared = {str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
                for prefixes in shapes.objects(constraint, SH.prefixes)
                for d in shapes.objects(prefixes, SH.declare)}
    query = prepareQuery(str(shapes.value(constraint, SH.select)), initNs=declared)
    patterns: list[tuple] = []
    _triples(query.algebra, patterns)
    this = rdflib.Variable("this")
    distance = {this: 0}
    for _ in patterns:  # the distances along the patterns, from $this
        for s, _p, o in patterns:
            if s in distance and distance[s] + 1 < distance.get(o, len(patterns) + 1):
                distance[o] = distance[s] + 1
    every: set[rdflib.URIRef] = set()
    far: set[rdflib.URIRef] = set()
    reached = 0
    for s, p, o in patterns:
        every |= _iris(p)
        if s not in distance and o != this:
            raise NotImplementedError(f"a SPARQL-based constraint reads {s} {p} {o}, "
                                      "neither from $this nor into it")
        if distance.get(s, 0) > 0:
            far |= _iris(p)
            reached = max(reached, distance[s])
    return reached, every, far


def _triples(node: object, out: list[tuple]) -> None:
    if isinstance(node, CompValue):
        if "triples" in node and node["triples"] is not None:
            out.extend(tuple(triple) for triple in node["triples"])
        for value in node.values():
            _triples(value, out)
    elif isinstance(node, list | tuple):
        for value in node:
            _triples(value, out)


def _iris(predicate: object) -> set[rdflib.URIRef]:
    """The IRIs of a predicate or property path."""
    if isinstance(predicate, rdflib.URIRef):
        return {predicate}
    inner = getattr(predicate, "args", None) or [getattr(predicate, "arg", None)]
    return {iri for part in inner if part is not None for iri in _iris(part)}


def affected(store: Store, changed: frozenset[Triple], reading: Reads,
             ontology: NamedNode) -> set:
    """The nodes whose verdict the changed triples can move: their subjects, every node
    from which the subject of one of a `far` predicate is at most `steps` steps away, and
    their objects whose incoming triples are read."""
    found = {t.subject for t in changed}
    frontier = {t.subject for t in changed if t.predicate in reading.far}
    for _ in range(reading.steps):
        frontier = {q.subject for node in frontier
                    for q in store.quads_for_pattern(None, None, node, None)}
        found |= frontier
        if len(found) > MAX_AFFECTED:
            return found
    read = _reads_incoming(store, reading, ontology)
    found |= {t.object for t in changed if not isinstance(t.object, Literal)
              and (t.predicate in reading.objects_of or read(t.object))}
    return found


def neighbourhood(store: Store, focus: set, reading: Reads, ontology: NamedNode
                  ) -> Iterator[Quad]:
    """What the checks of the `focus` nodes read (`Reads`), and the ontology graph."""
    yield from store.quads_for_pattern(None, None, None, ontology)
    read = _reads_incoming(store, reading, ontology)
    for node in focus:
        if read(node):
            yield from (q for q in store.quads_for_pattern(None, None, node, None)
                        if q.predicate != _TYPE)
        for predicate in reading.objects_of:
            yield from store.quads_for_pattern(None, predicate, node, None)
    seen, frontier = set(focus), set(focus)
    for level in range(reading.steps + 1):
        reached = set()
        for node in frontier:
            for quad in store.quads_for_pattern(node, None, None, None):
                if level and quad.predicate not in reading.far:
                    continue
                yield quad
                if not isinstance(quad.object, Literal):
                    reached.add(quad.object)
        frontier = reached - seen
        seen |= frontier


def _reads_incoming(store: Store, reading: Reads, ontology: NamedNode
                    ) -> Callable[[object], bool]:
    """Whether a node is a focus node of a shape whose SPARQL-based constraints read its
    incoming triples (but who is of its class)."""
    classes = _subclasses(store, reading.incoming_classes, ontology)

    def read(node) -> bool:
        return node in reading.incoming_nodes or any(
            q.object in classes for q in store.quads_for_pattern(node, _TYPE, None, None)) \
            or any(next(store.quads_for_pattern(node, p, None, None), None) is not None
                   for p in reading.incoming_subjects_of)

    return read


def _subclasses(store: Store, classes: Iterable[NamedNode], ontology: NamedNode) -> set:
    """`classes` and their sub-classes, by the ontology graph."""
    found, frontier = set(classes), set(classes)
    while frontier:
        frontier = {q.subject for c in frontier for q in store.quads_for_pattern(
            None, _SUBCLASS, c, ontology)} - found
        found |= frontier
    return found


def changed_violations(store: Store, change: Delta, iris: Iris) -> list[Violation] | None:
    """The violations of the changed store, given that the store before the `change`
    conformed; None when the change reaches too far for this to be cheaper than validating
    the whole store."""
    reading = reads()
    ontology = iris.graph("ontology")
    focus = affected(store, change.changed, reading, ontology)
    if len(focus) > MAX_AFFECTED:
        return None
    small = Store()
    small.bulk_extend(neighbourhood(store, focus, reading, ontology))
    return [v for v in run_checks(small, shape_checks(), iris.base) if v.focus in focus]
