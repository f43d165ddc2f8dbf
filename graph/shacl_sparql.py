"""SHACL shapes compiled to SPARQL, run by Oxigraph over a whole store at once.

Why this exists: pySHACL validates focus node by focus node in Python and costs about
1.5 s per release, mostly fixed overhead and the sh:sparql constraints of the evidence
shape. Every SHACL Core constraint we use is a property of *sets* of nodes, so each one
compiles to a single SELECT that returns every violating focus node of the whole data at
once; Oxigraph answers those with index joins in milliseconds, and the shapes are
compiled once and reused.

What is supported is exactly what ``ontology/shapes.ttl`` needs (plus a few siblings that
cost one line each): targets (sh:targetClass with the sub-class closure, sh:targetNode,
sh:targetSubjectsOf, sh:targetObjectsOf, implicit class targets); paths that are an IRI or
a sequence of IRIs; sh:minCount, sh:maxCount, sh:class, sh:datatype, sh:nodeKind,
sh:min/maxInclusive, sh:min/maxExclusive, sh:min/maxLength, sh:pattern (+ sh:flags), sh:in,
sh:uniqueLang, sh:or, sh:not, sh:node, sh:property, sh:qualifiedValueShape with
sh:qualifiedMin/MaxCount, SPARQL-based constraints (sh:sparql / sh:select with
sh:prefixes), sh:deactivated. Anything else raises NotImplementedError at compile time, so
an unsupported shape can never pass silently.

How shapes that refer to other shapes (sh:node, sh:or, sh:qualifiedValueShape) compile:
the referenced shape is compiled again with a *candidate set* as its focus nodes (the
value nodes it will be applied to), and the union of its violations is the set of
non-conforming candidates, embedded as a DISTINCT sub-select. A simple referenced shape
(value tests, sh:minCount 1; our sh:or members and qualified value shapes) becomes a
FILTER expression instead. No data value is ever pasted into query text: the only terms
in the queries are IRIs and literals taken from the shapes graph, in N-Triples syntax.

What makes it fast on a large store (1000 generated releases, measured; the text spans
and their selectors are most of the data and most of the work):

* a constraint that is violated by what is there (a value of the wrong kind, one value
  too many) runs over all the data, and only its violations are tested for being focus
  nodes; enumerating the focus nodes first costs as much as the check;
* sh:node on a shape that has targets of its own (the evidence shape) reuses that
  shape's own results (see :class:`Check`) instead of evaluating it again;
* every pattern over the union default graph is made DISTINCT early, because Oxigraph
  returns a triple once per graph that holds it, and an actor is typed in every release
  that mentions it;
* the checks run on several threads: Oxigraph evaluates a query without the GIL.

Where the results follow pySHACL rather than the letter of the SHACL spec (on purpose, so
that the two validators agree and can be swapped):

* a result of a SPARQL-based constraint carries the constraint's sh:message *and* the
  sh:message of the shape that holds it;
* a SPARQL-based constraint on a node shape whose query leaves ?value unbound reports
  the focus node as the value;
* sh:uniqueLang compares language tags case-insensitively.

Results are the top-level ones only: pySHACL also attaches the nested results of sh:node
as sh:detail, which are not reproduced here.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Store
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

__all__ = [
    "Check",
    "Violation",
    "compile_shapes",
    "conforms",
    "report_text",
    "run_checks",
    "shape_checks",
]

Term = NamedNode | BlankNode | Literal

# A focus pattern: given a variable name, SPARQL text that binds that variable to each
# focus node (duplicates allowed). Shapes are compiled against such a pattern so that the
# same code serves targets and the candidate sets of sh:node, sh:or and qualified shapes.
Focus = Callable[[str], str]

_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
# SHACL instances of a class C are ?x with ?x rdf:type ?t . ?t rdfs:subClassOf* C. Written
# as two patterns, not the path rdf:type/rdfs:subClassOf*, because Oxigraph then walks the
# (small) class hierarchy once and looks the instances up by type: about 3× faster.
_CLASS_VAR = "class"
_RECURSION_LIMIT = 8


def _unrestricted(v: str) -> str:
    """The empty focus pattern: every node the constraint's own pattern finds."""
    return ""


# Datatypes whose well-formedness SPARQL can test, by casting the lexical form with the
# XPath constructor function: an ill-typed literal (e.g. "2023-02-30"^^xsd:date) is then a
# violation of sh:datatype, as SHACL requires. These are the casts Oxigraph implements;
# other datatypes are compared by IRI only, like pySHACL does for datatypes it does not know.
_CASTABLE = frozenset(XSD[name] for name in (
    "boolean", "double", "float", "decimal", "integer", "date", "time", "dateTime",
    "duration", "yearMonthDuration", "dayTimeDuration",
    "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay",
))

# sh:nodeKind value → the SPARQL test a node of that kind passes.
_NODE_KINDS = {
    SH.IRI: "isIRI(?{v})",
    SH.BlankNode: "isBlank(?{v})",
    SH.Literal: "isLiteral(?{v})",
    SH.BlankNodeOrIRI: "!isLiteral(?{v})",
    SH.BlankNodeOrLiteral: "!isIRI(?{v})",
    SH.IRIOrLiteral: "!isBlank(?{v})",
}

# Value-range parameters → the comparison a conforming value satisfies (value OP bound).
_RANGES = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}

# Predicates a shape may carry. Anything else in the sh: namespace is a constraint (or a
# feature) we do not implement, and is refused rather than ignored.
_HANDLED = frozenset({
    SH.path, SH.property, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.deactivated, SH.message, SH.sparql, SH.severity,
    SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, *_RANGES,
    SH.minLength, SH.maxLength, SH.pattern, SH.flags, SH["in"], SH.uniqueLang, SH["or"],
    SH["not"], SH.node, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
})
# Non-validating properties (SHACL 2.3.2 and friends): documentation only.
_NON_VALIDATING = frozenset({SH.name, SH.description, SH.order, SH.group, SH.defaultValue})
_SPARQL_CONSTRAINT_KEYS = frozenset({SH.select, SH.prefixes, SH.message, SH.deactivated,
                                     SH.name, SH.description})


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT that returns every violating focus node.

    ``query`` projects ``?this`` (the focus node) and, when ``reports_value`` is true,
    ``?value`` (the offending value node). ``shape`` is the targeted shape the check
    belongs to; ``source_shape`` is the shape that holds the constraint (a property shape
    or the node shape itself), as an IRI or, for a blank node, a short description.

    Two refinements, both for sh:node on a shape that has targets of its own (the
    evidence shape, which is the bulk of the work): if ``value_violates`` is set, a row
    is a violation only if its ?value is the focus node of a violation of that shape, so
    the shape is evaluated once, by its own checks, not again for every reference; the
    values that are not its focus nodes get a check of their own, which runs only if its
    ``guard`` query finds any such value.
    """

    shape: str
    source_shape: str
    component: str
    path: str | None
    messages: tuple[str, ...]
    query: str
    reports_value: bool
    value_violates: str | None = None
    guard: str | None = None

    @property
    def message(self) -> str:
        """The first (most specific) message; a generic one if the shape has none."""
        return self.messages[0] if self.messages else _generic_message(self)


@dataclass(frozen=True)
class Violation:
    """One validation result, shaped like a pySHACL sh:ValidationResult."""

    focus: Term
    shape: str
    source_shape: str
    component: str
    path: str | None
    value: Term | None
    messages: tuple[str, ...]

    @property
    def message(self) -> str:
        return self.messages[0]


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------


def compile_shapes(shapes: rdflib.Graph) -> list[Check]:
    """Compile every targeted shape of ``shapes`` into checks over the whole data.

    Raises NotImplementedError for a SHACL feature this module does not implement and
    ValueError for a malformed shape, so that nothing is silently skipped.
    """
    return _Compiler(shapes).compile()


@lru_cache(maxsize=1)
def shape_checks() -> tuple[Check, ...]:
    """The checks of policykg's own shapes, compiled once per process."""
    import ontology  # here, not at the top: keeps this module usable with any shapes

    return tuple(compile_shapes(ontology.shapes_graph()))


def run_checks(store: Store, checks: Iterable[Check], base: str,
               workers: int | None = None) -> list[Violation]:
    """Run ``checks`` over the union of all graphs of ``store``; return the violations.

    The union default graph is what pySHACL sees when given the data plus the ontology as
    ``ont_graph``: sh:targetClass and sh:class need the rdfs:subClassOf axioms of the
    ontology graph. ``base`` resolves relative IRIs in the queries (sh:select text), as
    the shapes file is parsed with it.

    The checks are independent queries, and Oxigraph evaluates a query without holding
    the GIL, so they run on ``workers`` threads (default: one per CPU, at most 8).
    """
    checks = list(checks)
    shapes = {check.shape for check in checks}
    for check in checks:
        if check.value_violates is not None and check.value_violates not in shapes:
            raise ValueError(f"a check reuses the violations of {check.value_violates}, "
                             "but the checks of that shape are not being run")

    def rows(check: Check) -> list[tuple[Term, Term | None]]:
        def select(query: str) -> Iterable:
            return store.query(query, base_iri=base, use_default_graph_as_union=True)

        if check.guard is not None and next(iter(select(check.guard)), None) is None:
            return []
        return [(row["this"], row["value"] if check.reports_value else None)
                for row in select(check.query)]

    # In waves: a check that reuses the violations of a shape runs once every check of
    # that shape has run (the shapes that reuse others' cannot form a cycle: the
    # compiler refuses recursive shapes).
    violators: dict[str, set[Term]] = {shape: set() for shape in shapes}
    results: list[tuple[Check, list[tuple[Term, Term | None]]]] = []
    pending = checks
    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while pending:
            waiting = {c.shape for c in pending}
            wave = [c for c in pending if c.value_violates not in waiting]
            if not wave:
                raise ValueError("checks that reuse each other's violations form a cycle")
            pending = [c for c in pending if c.value_violates in waiting]
            for check, found in zip(wave, pool.map(rows, wave), strict=True):
                if check.value_violates is not None:
                    bad = violators[check.value_violates]
                    found = [(focus, value) for focus, value in found if value in bad]
                violators[check.shape].update(focus for focus, _ in found)
                results.append((check, found))
    violations = dict.fromkeys(  # checks are DISTINCT, but two checks may coincide
        Violation(focus, check.shape, check.source_shape, check.component, check.path, value,
                  check.messages or (check.message,))
        for check, found in results for focus, value in found)
    return sorted(violations, key=_sort_key)


def conforms(violations: Sequence[Violation]) -> bool:
    """True if there is no violation (every result here has severity sh:Violation)."""
    return not violations


def report_text(violations: Sequence[Violation]) -> str:
    """A text report in the layout of pySHACL's, one "Message:" line per message.

    graph/validate.py's ``summary()`` reads the "Message:" lines, so it works on this text
    as on pySHACL's.
    """
    lines = ["Validation Report", f"Conforms: {conforms(violations)}"]
    if violations:
        lines.append(f"Results ({len(violations)}):")
    for v in violations:
        name = v.component.rsplit("#", 1)[-1]
        lines.append(f"Constraint Violation in {name} ({v.component}):")
        lines.append("\tSeverity: sh:Violation")
        lines.append(f"\tSource Shape: {v.source_shape}")
        lines.append(f"\tFocus Node: {v.focus}")
        if v.value is not None:
            lines.append(f"\tValue Node: {v.value}")
        if v.path is not None:
            lines.append(f"\tResult Path: {v.path}")
        lines.extend(f"\tMessage: {m}" for m in v.messages)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# The compiler
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One constraint of one shape, as a group graph pattern over a given focus variable.

    ``body`` binds the focus variable to every violating focus node and, if
    ``value_var`` is set, that variable to the offending value. A piece that does not
    ``needs_focus`` finds its violations by what is there (a value of the wrong kind, one
    value too many), so compiled over no focus pattern at all it finds them for every
    node; one that does (a missing value) must enumerate the focus nodes.
    """

    component: rdflib.URIRef
    source_shape: str
    path: str | None
    messages: tuple[str, ...]
    body: str
    value_var: str | None
    needs_focus: bool
    value_violates: str | None = None
    guard: str | None = None


class _ValueTest(NamedTuple):
    """A value-type constraint: a test over one value node, compiled two ways.

    ``violation(values, x)`` narrows the pattern ``values``, which binds ``?x`` to the
    value nodes, to the violating ones. ``passes(x)`` is an expression true of a
    conforming ``?x``, for use inside other expressions; None for sh:class, whose
    per-node test (a walk up the class hierarchy) is too slow to run once per value.
    """

    component: rdflib.URIRef
    passes: Callable[[str], str] | None
    violation: Callable[[str, str], str]


@dataclass
class _Compiler:
    shapes: rdflib.Graph
    _count: int = 0
    _prefixes: dict[str, str] = field(default_factory=dict)
    _active: list[rdflib.term.Node] = field(default_factory=list)

    # ---- entry point

    def compile(self) -> list[Check]:
        compiled: list[tuple[rdflib.term.Node, _Piece]] = []
        for shape in sorted(self._targeted_shapes(), key=str):
            focus = self._target(shape)
            if focus is None or self._deactivated(shape):
                continue
            # A piece that finds its violations by what is there is mostly cheaper run
            # over all the data, its (few) violations then tested for being focus nodes,
            # than joined with every focus node: the focus nodes (every text span, for
            # the evidence shape) cost as much to enumerate as the check itself. Not so
            # (measured on 1000 generated releases) for sh:class, whose MINUS is then
            # taken against every instance, nor for a check whose rows are all returned.
            member = self._target(shape, distinct=False)
            bound = self._pieces(shape, focus, "this", "value", top=True)
            free = self._pieces(shape, _unrestricted, "this", "value", top=True)
            for b, fr in zip(bound, free, strict=True):
                if (b.needs_focus or member is None or b.value_violates is not None
                        or b.component == SH.ClassConstraintComponent):
                    compiled.append((shape, b))
                else:
                    body = f"{fr.body}\nFILTER EXISTS {{ {member('this')} }}"
                    compiled.append((shape, dataclasses.replace(fr, body=body)))
        # The prefixes of the SPARQL-based constraints are known only now; unused PREFIX
        # lines are harmless, so every query gets them all.
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self._prefixes.items()))
        return [self._check(shape, piece, prologue) for shape, piece in compiled]

    def _check(self, shape: rdflib.term.Node, piece: _Piece, prologue: str) -> Check:
        if piece.value_var is None:
            head = "SELECT DISTINCT ?this"
        elif piece.value_var == "value":
            head = "SELECT DISTINCT ?this ?value"
        else:
            head = f"SELECT DISTINCT ?this (?{piece.value_var} AS ?value)"
        query = f"{prologue}{head} WHERE {{\n{piece.body}\n}}"
        guard = f"{prologue}{piece.guard}" if piece.guard is not None else None
        return Check(shape=self._name(shape), source_shape=piece.source_shape,
                     component=str(piece.component), path=piece.path,
                     messages=piece.messages, query=query,
                     reports_value=piece.value_var is not None,
                     value_violates=piece.value_violates, guard=guard)

    # ---- helpers on the shapes graph

    def _fresh(self) -> str:
        self._count += 1
        return f"x{self._count}"

    def _one(self, node: rdflib.term.Node, predicate: rdflib.URIRef) -> rdflib.term.Node | None:
        values = list(self.shapes.objects(node, predicate))
        if len(values) > 1:
            raise ValueError(f"{self._name(node)} has {len(values)} values of {predicate}")
        return values[0] if values else None

    def _int(self, node: rdflib.term.Node, predicate: rdflib.URIRef) -> int | None:
        value = self._one(node, predicate)
        if value is None:
            return None
        if not isinstance(value, rdflib.Literal) or not isinstance(value.toPython(), int):
            raise ValueError(f"{predicate} of {self._name(node)} must be an integer")
        return int(value.toPython())

    def _bool(self, node: rdflib.term.Node, predicate: rdflib.URIRef) -> bool:
        value = self._one(node, predicate)
        return isinstance(value, rdflib.Literal) and value.toPython() is True

    def _deactivated(self, node: rdflib.term.Node) -> bool:
        return self._bool(node, SH.deactivated)

    def _list(self, node: rdflib.term.Node) -> list[rdflib.term.Node]:
        if node != RDF.nil and (node, RDF.first, None) not in self.shapes:
            raise ValueError(f"expected an RDF list, got {node}")
        return list(Collection(self.shapes, node))

    def _messages(self, node: rdflib.term.Node) -> tuple[str, ...]:
        return tuple(sorted(str(m) for m in self.shapes.objects(node, SH.message)))

    def _name(self, node: rdflib.term.Node) -> str:
        """IRI of a shape, or for a blank-node shape a short description of it."""
        if isinstance(node, rdflib.URIRef):
            return str(node)
        parts = []
        path = self._one(node, SH.path)
        if path is not None:
            parts.append(f"sh:path {self._path(path)}")
        parts += [f'sh:name "{n}"' for n in sorted(map(str, self.shapes.objects(node, SH.name)))]
        return "[ " + " ; ".join(parts) + " ]" if parts else f"_:{node}"

    def _targeted_shapes(self) -> set[rdflib.term.Node]:
        shapes: set[rdflib.term.Node] = set()
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            shapes.update(self.shapes.subjects(p, None))
        for kind in (SH.NodeShape, SH.PropertyShape):
            for shape in self.shapes.subjects(RDF.type, kind):
                if self._is_class(shape):
                    shapes.add(shape)
        for shape in self.shapes.subjects(SH.target, None):
            raise NotImplementedError(f"{self._name(shape)}: sh:target (SHACL-AF custom "
                                      "targets) is not supported")
        return shapes

    def _is_class(self, node: rdflib.term.Node) -> bool:
        return any((node, RDF.type, c) in self.shapes for c in (RDFS.Class, OWL.Class))

    # ---- targets and paths

    def _target(self, shape: rdflib.term.Node, distinct: bool = True) -> Focus | None:
        """The focus pattern of a shape's targets, or None if it has none.

        Class targets use the SHACL type, rdf:type/rdfs:subClassOf*, so a
        pk:GovernmentBody is a focus node of the pk:Actor shape. Unless ``distinct`` is
        false (a membership test, for FILTER EXISTS), each focus node comes once.
        """
        classes = list(self.shapes.objects(shape, SH.targetClass))
        if self._is_class(shape):
            classes.append(shape)
        # Each branch is (text before the focus variable, text after it).
        branches = [("?", f" {_TYPE} ?{_CLASS_VAR} . ?{_CLASS_VAR} {_SUBCLASS}* {_iri(c)} .")
                    for c in classes]
        branches += [("VALUES ?", f" {{ {_term(n)} }}")
                     for n in self.shapes.objects(shape, SH.targetNode)]
        branches += [("?", f" {_iri(p)} [] .")
                     for p in self.shapes.objects(shape, SH.targetSubjectsOf)]
        branches += [(f"[] {_iri(p)} ?", " .")
                     for p in self.shapes.objects(shape, SH.targetObjectsOf)]
        if not branches:
            return None

        def focus(v: str) -> str:
            union = " UNION ".join(f"{{ {before}{v}{after} }}" for before, after in branches)
            return f"{{ SELECT DISTINCT ?{v} WHERE {{ {union} }} }}" if distinct else union

        return focus

    def _path(self, node: rdflib.term.Node) -> str:
        """SPARQL text of a SHACL path: an IRI, or a list of IRIs (a sequence path)."""
        return "/".join(self._steps(node))

    def _steps(self, node: rdflib.term.Node) -> list[str]:
        """The IRIs of a path's steps, in SPARQL syntax."""
        if isinstance(node, rdflib.URIRef):
            return [_iri(node)]
        if isinstance(node, rdflib.BNode) and (node, RDF.first, None) in self.shapes:
            steps = self._list(node)
            if not steps or not all(isinstance(s, rdflib.URIRef) for s in steps):
                raise NotImplementedError("sh:path: only sequences of IRIs are supported")
            return [_iri(s) for s in steps]
        kinds = sorted(str(p) for p in self.shapes.predicates(node, None))
        raise NotImplementedError(f"sh:path of this form is not supported: {kinds}")

    def _along(self, steps: list[str], f: str, v: str) -> str:
        """?f path ?v for joining with a set of focus nodes: a sequence path as one
        sub-select per step.

        Oxigraph joins a sub-select by hashing, where it evaluates a sequence path after
        the focus nodes by looking each step up for each node: the value checks of the
        evidence selectors of 1,000 releases (36k focus nodes) ran ~2× faster. The
        solutions are the path's (one per intermediate node); every use keeps distinct
        values, counts distinct values or only asks whether there is one."""
        if len(steps) == 1:  # one lookup per focus node: as fast as hashing, or faster
            return f"?{f} {steps[0]} ?{v} ."
        names = [f, *(self._fresh() for _ in steps[1:]), v]
        return " ".join(f"{{ SELECT ?{a} ?{b} WHERE {{ ?{a} {step} ?{b} }} }}"
                        for a, step, b in zip(names, steps, names[1:], strict=False))

    # ---- shapes → pieces

    def _pieces(self, shape: rdflib.term.Node, focus: Focus, f: str, v: str,
                top: bool = False) -> list[_Piece]:
        """Every constraint of ``shape`` with ``focus`` as its focus nodes.

        ``f`` names the focus variable, ``v`` the variable of value nodes of a property
        shape; node-level constraints report the focus node as the value (as pySHACL).
        """
        if self._deactivated(shape):
            return []
        if shape in self._active or len(self._active) >= _RECURSION_LIMIT:
            raise NotImplementedError(f"recursive shapes are not supported: {self._name(shape)}")
        self._active.append(shape)
        try:
            return self._pieces_of(shape, focus, f, v, top)
        finally:
            self._active.pop()

    def _pieces_of(self, shape: rdflib.term.Node, focus: Focus, f: str, v: str,
                   top: bool) -> list[_Piece]:
        """The pieces of :meth:`_pieces`; ``top`` if they become checks of their own."""
        self._refuse_unsupported(shape)
        path_node = self._one(shape, SH.path)
        steps = self._steps(path_node) if path_node is not None else []
        path = "/".join(steps) or None
        source = self._name(shape)
        messages = self._messages(shape)
        pieces: list[_Piece] = []

        def piece(component: rdflib.URIRef, body: str, value_var: str | None,
                  extra: tuple[str, ...] = (), needs_focus: bool | None = None,
                  value_violates: str | None = None, guard: str | None = None) -> None:
            # By default, a constraint on the values of a path finds its violations by
            # what is there, and one on the focus node itself needs the focus nodes.
            msgs = extra + tuple(m for m in messages if m not in extra)
            needs = path is None if needs_focus is None else needs_focus
            pieces.append(_Piece(component, source, path, msgs, body, value_var, needs,
                                 value_violates, guard))

        # The value nodes (bound to value_var by `values`), and `candidates`, a focus
        # pattern of the distinct value nodes for the shapes applied to them: the path's
        # values for a property shape, the focus node itself for a node shape.
        if path is not None:
            value_var = v
            # DISTINCT: with the union default graph, a triple stated in several graphs
            # (an actor typed in every release that mentions it) comes once per graph.
            values = (f"{{ SELECT DISTINCT ?{f} ?{v} WHERE {{ {focus(f)} "
                      f"{self._along(steps, f, v)} }} }}")

            def candidates(x: str) -> str:
                g = self._fresh()
                return (f"{{ SELECT DISTINCT ?{x} WHERE {{ {focus(g)} "
                        f"{self._along(steps, g, x)} }} }}")
        else:
            value_var = f
            values = focus(f)
            candidates = focus

        # Value-type constraints: one FILTER over each value node.
        for test in self._value_tests(shape):
            piece(test.component, test.violation(values, value_var), value_var)

        # Cardinality and language uniqueness: properties of the set of values.
        if path is not None:
            self._count_pieces(shape, focus, f, path, steps, piece)
        else:
            for p in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
                if (shape, p, None) in self.shapes:
                    raise ValueError(f"{source}: {p} needs a property shape (sh:path)")

        # Shape-based constraints: values that (do not) conform to other shapes.
        for ref in self.shapes.objects(shape, SH.node):
            shared = top and isinstance(ref, rdflib.URIRef) and not self._deactivated(ref)
            ref_focus = self._target(ref) if shared else None
            if ref_focus is not None:
                # The focus nodes of ref are judged by ref's own checks; the others here.
                piece(SH.NodeConstraintComponent, values, value_var,
                      value_violates=self._name(ref))

                def others(z: str, ref_focus: Focus = ref_focus) -> str:
                    return (f"{{ SELECT DISTINCT ?{z} WHERE {{ {candidates(z)} "
                            f"MINUS {{ {ref_focus(z)} }} }} }}")

                bad = self._violating(ref, others, value_var, share=False)
                if bad is not None:
                    g = self._fresh()
                    piece(SH.NodeConstraintComponent, f"{values}\n{bad}", value_var,
                          guard=f"SELECT ?{g} WHERE {{ {others(g)} }} LIMIT 1")
                continue
            bad = self._violating(ref, candidates, value_var)
            if bad is not None:
                piece(SH.NodeConstraintComponent, f"{values}\n{bad}", value_var)
        for lst in self.shapes.objects(shape, SH["or"]):
            shapes = self._list(lst)
            tests = [self._conforms(m, value_var) for m in shapes]
            if all(t is not None for t in tests):
                either = " || ".join(f"({t})" for t in tests if t is not None) or "false"
                piece(SH.OrConstraintComponent, f"{values}\nFILTER (!({either}))", value_var)
                continue
            members = [self._violating(m, candidates, value_var) for m in shapes]
            if all(b is not None for b in members):
                piece(SH.OrConstraintComponent,
                      "\n".join([values, *(b for b in members if b)]), value_var)
        for ref in self.shapes.objects(shape, SH["not"]):
            # A violation is a value that conforms: the values MINUS the non-conforming.
            test = self._conforms(ref, value_var)
            if test is not None:
                piece(SH.NotConstraintComponent, f"{values}\nFILTER ({test})", value_var)
                continue
            bad = self._violating(ref, candidates, value_var)
            piece(SH.NotConstraintComponent,
                  values if bad is None else f"{values}\nMINUS {{ {bad} }}", value_var)
        qualified = self._one(shape, SH.qualifiedValueShape)
        if qualified is not None and path is not None:
            self._qualified_pieces(shape, qualified, focus, f, path, candidates, piece)

        # Property shapes of a node shape share its focus nodes.
        if path is not None and (shape, SH.property, None) in self.shapes:
            raise NotImplementedError(f"{source}: sh:property on a property shape")
        for prop in sorted(self.shapes.objects(shape, SH.property), key=self._name):
            pieces += self._pieces(prop, focus, f, v, top)

        # SPARQL-based constraints.
        for constraint in self.shapes.objects(shape, SH.sparql):
            if self._deactivated(constraint):
                continue
            body, out = self._sparql(constraint, focus, f, path is None, v)
            piece(SH.SPARQLConstraintComponent, body, out, self._messages(constraint),
                  needs_focus=False)
        return pieces

    def _refuse_unsupported(self, shape: rdflib.term.Node) -> None:
        for p in set(self.shapes.predicates(shape, None)):
            if str(p).startswith(str(SH)) and p not in _HANDLED | _NON_VALIDATING:
                raise NotImplementedError(f"{self._name(shape)}: SHACL constraint {p} "
                                          "is not supported by graph.shacl_sparql")
        severity = self._one(shape, SH.severity)
        if severity is not None and severity != SH.Violation:
            raise NotImplementedError(f"{self._name(shape)}: sh:severity {severity} is not "
                                      "supported (every result is a sh:Violation)")
        if self._bool(shape, SH.qualifiedValueShapesDisjoint):
            raise NotImplementedError(f"{self._name(shape)}: sh:qualifiedValueShapesDisjoint")

    def _value_tests(self, shape: rdflib.term.Node) -> list[_ValueTest]:
        """The value-type constraints of ``shape``, each as a :class:`_ValueTest`.

        A test may raise a SPARQL error (comparing an IRI with a number), so it is
        wrapped in COALESCE(…, false): an error counts as a violation, as SHACL wants,
        instead of silently dropping the row.
        """
        g = self.shapes
        tests: list[_ValueTest] = []

        def add(test: Callable[[str], str], component: rdflib.URIRef) -> None:
            def passes(x: str) -> str:
                return f"COALESCE({test(x)}, false)"

            tests.append(_ValueTest(
                component, passes, lambda values, x: f"{values}\nFILTER (!{passes(x)})"))

        for cls in g.objects(shape, SH["class"]):
            # MINUS, not FILTER NOT EXISTS: the instances of the class (through the
            # sub-class closure) are then found once per query, not once per value.
            tests.append(_ValueTest(SH.ClassConstraintComponent, None,
                                    _not_instance_of(_iri(cls))))
        for dt in g.objects(shape, SH.datatype):
            add(lambda x, dt=dt: _datatype_test(x, dt), SH.DatatypeConstraintComponent)
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise ValueError(f"unknown sh:nodeKind {kind}")
            add(lambda x, k=_NODE_KINDS[kind]: k.format(v=x), SH.NodeKindConstraintComponent)
        for parameter, (op, component) in _RANGES.items():
            for bound in g.objects(shape, parameter):
                add(_compare(op, _term(bound)), component)
        for parameter, op, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            for n in g.objects(shape, parameter):
                length = self._int_value(n, parameter)
                add(lambda x, op=op, n=length: f"!isBlank(?{x}) && STRLEN(STR(?{x})) {op} {n}",
                    component)
        flags = self._one(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            args = _term(rdflib.Literal(str(pattern)))
            if flags is not None:
                args += ", " + _term(rdflib.Literal(str(flags)))
            add(lambda x, a=args: f"!isBlank(?{x}) && REGEX(STR(?{x}), {a})",
                SH.PatternConstraintComponent)
        for lst in g.objects(shape, SH["in"]):
            members = [_term(m) for m in self._list(lst)]
            add(lambda x, ms=members: " || ".join(f"sameTerm(?{x}, {m})" for m in ms) or "false",
                SH.InConstraintComponent)
        return tests

    def _int_value(self, node: rdflib.term.Node, parameter: rdflib.URIRef) -> int:
        if not isinstance(node, rdflib.Literal) or not isinstance(node.toPython(), int):
            raise ValueError(f"{parameter} must be an integer, got {node!r}")
        return int(node.toPython())

    def _count_pieces(self, shape: rdflib.term.Node, focus: Focus, f: str, path: str,
                      steps: list[str], piece: Callable[..., None]) -> None:
        """sh:minCount, sh:maxCount and sh:uniqueLang: one result per focus node.

        Values are counted DISTINCT because a sequence path yields a bag in SPARQL and a
        set in SHACL.
        """
        t = self._fresh()
        self._bounds(focus, f, f"?{f} {path} ?{t} .", t, self._int(shape, SH.minCount),
                     self._int(shape, SH.maxCount), SH.MinCountConstraintComponent,
                     SH.MaxCountConstraintComponent, piece, self._along(steps, f, t))
        if self._bool(shape, SH.uniqueLang):
            lang = self._fresh()
            piece(SH.UniqueLangConstraintComponent,
                  f"{{ SELECT ?{f} WHERE {{ {focus(f)} ?{f} {path} ?{t} .\n"
                  f'FILTER (isLiteral(?{t}) && LANG(?{t}) != "")\n'
                  f"BIND (LCASE(LANG(?{t})) AS ?{lang}) }}"
                  f" GROUP BY ?{f} ?{lang} HAVING (COUNT(DISTINCT ?{t}) > 1) }}", None)

    def _qualified_pieces(self, shape: rdflib.term.Node, qualified: rdflib.term.Node,
                          focus: Focus, f: str, path: str, candidates: Focus,
                          piece: Callable[..., None]) -> None:
        """sh:qualifiedMin/MaxCount: count the values that conform to the qualified shape.

        The conforming values are the path's values MINUS the non-conforming candidates,
        so the qualified shape is evaluated once for all values, not once per focus node.
        """
        x = self._fresh()
        test = self._conforms(qualified, x)
        if test is not None:
            good = f"?{f} {path} ?{x} . FILTER ({test})"
        else:
            bad = self._violating(qualified, candidates, x)
            good = f"?{f} {path} ?{x} ." + (f" MINUS {{ {bad} }}" if bad else "")
        self._bounds(focus, f, good, x, self._int(shape, SH.qualifiedMinCount),
                     self._int(shape, SH.qualifiedMaxCount),
                     SH.QualifiedMinCountConstraintComponent,
                     SH.QualifiedMaxCountConstraintComponent, piece)

    @staticmethod
    def _bounds(focus: Focus, f: str, pattern: str, x: str, low: int | None,
                high: int | None, low_component: rdflib.term.Node,
                high_component: rdflib.term.Node, piece: Callable[..., None],
                joined: str | None = None) -> None:
        """A minimum and a maximum on how many distinct ?x `pattern` gives each focus ?f:
        a minimum of one is a MINUS; others count per focus node. Each joins the focus
        nodes with `joined` (the same solutions, as `_along` writes them) if given.

        MINUS, not FILTER NOT EXISTS: the same focus nodes remain, as ?f is always bound on
        both sides, but Oxigraph evaluates the pattern once and subtracts by hashing,
        where NOT EXISTS looks it up for each focus node (6× slower on 36k nodes)."""
        joined = joined or pattern
        if low == 1:
            piece(low_component, f"{focus(f)}\nMINUS {{ {joined} }}", None,
                  needs_focus=True)
        elif low is not None and low > 1:
            piece(low_component,
                  f"{{ SELECT ?{f} WHERE {{ {focus(f)} OPTIONAL {{ {joined} }} }} "
                  f"GROUP BY ?{f} HAVING (COUNT(DISTINCT ?{x}) < {low}) }}", None,
                  needs_focus=True)
        if high is not None:
            piece(high_component,
                  f"{{ SELECT ?{f} WHERE {{ {focus(f)} {joined} }} "
                  f"GROUP BY ?{f} HAVING (COUNT(DISTINCT ?{x}) > {high}) }}", None)

    def _conforms(self, shape: rdflib.term.Node, x: str) -> str | None:
        """An expression true if ``?x`` conforms to ``shape``, for simple shapes only.

        Simple: value tests on the node itself and property shapes with sh:minCount 1
        and value tests, but no sh:class. Such a shape (the members of our sh:or lists
        and our qualified value shapes) is then a FILTER on each value, instead of a set
        of non-conforming candidates computed and subtracted. None for any other shape.
        """
        if self._deactivated(shape):
            return "true"
        self._refuse_unsupported(shape)
        simple = {RDF.type, SH.property, SH.message, SH.deactivated, SH.severity, SH.flags,
                  SH.datatype, SH.nodeKind, *_RANGES, SH.minLength, SH.maxLength,
                  SH.pattern, SH["in"], *_NON_VALIDATING}
        if not set(self.shapes.predicates(shape, None)) <= simple:
            return None
        parts = [t.passes(x) for t in self._value_tests(shape) if t.passes is not None]
        for prop in self.shapes.objects(shape, SH.property):
            if self._deactivated(prop):
                continue
            self._refuse_unsupported(prop)
            if not set(self.shapes.predicates(prop, None)) <= simple | {SH.path, SH.minCount}:
                return None
            low = self._int(prop, SH.minCount)
            if low is not None and low > 1:
                return None
            path, v = self._path(self._one(prop, SH.path)), self._fresh()
            if low == 1:
                parts.append(f"EXISTS {{ ?{x} {path} ?{v} }}")
            tests = [t.passes(v) for t in self._value_tests(prop) if t.passes is not None]
            if tests:
                parts.append(f"NOT EXISTS {{ ?{x} {path} ?{v} . "
                             f"FILTER (!({' && '.join(tests)})) }}")
        return " && ".join(parts) or "true"

    def _violating(self, shape: rdflib.term.Node, candidates: Focus, x: str,
                   share: bool = True) -> str | None:
        """A sub-select binding ``?x`` to each candidate that does not conform to ``shape``.

        None if no node can fail (the shape is deactivated or has no constraints).

        The candidates are one more join per piece, and there may be a dozen pieces, so
        the pieces that do not need them are compiled over no focus pattern, united, and
        joined with the candidates once; only the others (a missing value) get them.
        Unless ``share`` is false: for a set of candidates expected to be small, every
        piece is better restricted to them.
        """
        # Compiled over a fresh variable, renamed on the way out: ?x may be ?value, which a
        # SPARQL-based constraint of the shape uses for something else.
        y = self._fresh()
        bound = self._pieces(shape, candidates, y, self._fresh())
        if not bound:
            return None
        if not share:
            union = "\nUNION\n".join("{ " + p.body + " }" for p in bound)
            return f"{{ SELECT DISTINCT (?{y} AS ?{x}) WHERE {{\n{union}\n}} }}"
        free = self._pieces(shape, _unrestricted, y, self._fresh())
        parts = ["{ " + p.body + " }" for p in bound if p.needs_focus]
        found = [p.body for p in free if not p.needs_focus]
        if found:
            union = "\nUNION\n".join("{ " + body + " }" for body in found)
            found_all = f"{{ SELECT DISTINCT ?{y} WHERE {{\n{union}\n}} }}"
            parts.insert(0, f"{{ {candidates(y)}\n{found_all} }}")
        return f"{{ SELECT DISTINCT (?{y} AS ?{x}) WHERE {{\n" + "\nUNION\n".join(parts) + "\n} }"

    def _sparql(self, constraint: rdflib.term.Node, focus: Focus, f: str, node_shape: bool,
                v: str) -> tuple[str, str]:
        """A SPARQL-based constraint as a pattern: its SELECT joined with the focus nodes.

        Pre-binding $this to each focus node and joining the unbound query with the focus
        nodes give the same solutions when $this occurs in a triple pattern (as in ours),
        and the join runs once for all focus nodes. The focus nodes (each once) are also
        the first pattern of its WHERE clause, so that it starts from them rather than
        from every node its own patterns match (a claim's "about one thing" looked at
        every typed node: 2.1 s of 4.5 s of validation at 200 releases, now 0.05 s).
        """
        for p in set(self.shapes.predicates(constraint, None)):
            if str(p).startswith(str(SH)) and p not in _SPARQL_CONSTRAINT_KEYS:
                raise NotImplementedError(f"sh:sparql with {p} is not supported")
        select = self._one(constraint, SH.select)
        if select is None:
            raise NotImplementedError("sh:sparql without sh:select (only SELECT-based "
                                      "constraints are supported)")
        text = str(select)
        others = sorted(set(re.findall(r"\$([A-Za-z_]\w*)", text)) - {"this"})
        if others:
            raise NotImplementedError(f"sh:select uses pre-bound variables {others}; only "
                                      "$this is supported")
        if re.match(r"\s*(PREFIX|BASE)\b", text, re.IGNORECASE):
            raise NotImplementedError("sh:select with its own PREFIX/BASE lines")
        for prefixes in self.shapes.objects(constraint, SH.prefixes):
            for decl in self.shapes.objects(prefixes, SH.declare):
                name = str(self._one(decl, SH.prefix))
                ns = str(self._one(decl, SH.namespace))
                if self._prefixes.get(name, ns) != ns:
                    raise ValueError(f"prefix {name}: declared as both "
                                     f"{self._prefixes[name]} and {ns}")
                self._prefixes[name] = ns
        text = re.sub(r"\$this\b", "?this", text)
        if focus("this"):
            where = text.index("{") + 1  # a SELECT's first brace opens its WHERE clause
            text = (f"{text[:where]} {{ SELECT DISTINCT ?this WHERE {{ {focus('this')} }} }}"
                    f"{text[where:]}")
        raw = self._fresh()
        out = v
        inner = (f"{{ SELECT (?this AS ?{f}) (?value AS ?{raw}) WHERE {{\n{{ {text} }}\n"
                 "} }")
        if f == "this":
            inner = (f"{{ SELECT ?this (?value AS ?{raw}) WHERE {{\n{{ {text} }}\n"
                     "} }")
        value = f"COALESCE(?{raw}, ?{f})" if node_shape else f"?{raw}"
        return f"{focus(f)}\n{inner}\nBIND ({value} AS ?{out})", out


# --------------------------------------------------------------------------------------
# Terms and small helpers
# --------------------------------------------------------------------------------------


def _iri(node: rdflib.term.Node) -> str:
    """An IRI from the shapes graph in SPARQL syntax; NamedNode validates and escapes it."""
    if not isinstance(node, rdflib.URIRef):
        raise NotImplementedError(f"expected an IRI in the shapes graph, got {node!r}")
    return str(NamedNode(str(node)))


def _term(node: rdflib.term.Node) -> str:
    """An IRI or literal from the shapes graph in N-Triples syntax (valid SPARQL)."""
    if isinstance(node, rdflib.URIRef):
        return _iri(node)
    if isinstance(node, rdflib.Literal):
        if node.language:
            return str(Literal(str(node), language=node.language))
        if node.datatype:
            return str(Literal(str(node), datatype=NamedNode(str(node.datatype))))
        return str(Literal(str(node)))
    raise NotImplementedError(f"a blank node cannot be a value in a query: {node!r}")


def _not_instance_of(cls: str) -> Callable[[str, str], str]:
    return lambda values, x: (f"{values}\nMINUS {{ ?{x} {_TYPE} ?{x}_{_CLASS_VAR} . "
                              f"?{x}_{_CLASS_VAR} {_SUBCLASS}* {cls} }}")


def _compare(op: str, bound: str) -> Callable[[str], str]:
    return lambda x: f"?{x} {op} {bound}"


def _datatype_test(x: str, datatype: rdflib.term.Node) -> str:
    """SPARQL test that ?x is a literal of ``datatype`` (and well-formed, where testable)."""
    if datatype == RDF.langString:
        return f'isLiteral(?{x}) && LANG(?{x}) != ""'
    dt = _iri(datatype)
    test = f"isLiteral(?{x}) && sameTerm(DATATYPE(?{x}), {dt})"
    if datatype in _CASTABLE:
        test += f" && sameTerm(DATATYPE({dt}(STR(?{x}))), {dt})"
    return test


_GENERIC = {
    "MinCountConstraintComponent": "Fewer values than sh:minCount on {path}",
    "MaxCountConstraintComponent": "More values than sh:maxCount on {path}",
    "ClassConstraintComponent": "Value does not have the class required by sh:class",
    "DatatypeConstraintComponent": "Value is not a literal with the datatype of sh:datatype",
    "NodeKindConstraintComponent": "Value is not of the node kind of sh:nodeKind",
    "PatternConstraintComponent": "Value does not match sh:pattern",
    "InConstraintComponent": "Value is not in sh:in",
    "UniqueLangConstraintComponent": "More than one String shares the same Language",
    "NodeConstraintComponent": "Value does not conform to the shape of sh:node",
    "OrConstraintComponent": "Value does not conform to any shape of sh:or",
    "NotConstraintComponent": "Value conforms to the shape of sh:not",
}


def _generic_message(check: Check) -> str:
    """A message for a result of a shape without sh:message (pySHACL makes one up too)."""
    name = check.component.rsplit("#", 1)[-1]
    text = _GENERIC.get(name, f"Violation of {name}")
    return text.format(path=check.path or "the focus node")


def _sort_key(v: Violation) -> tuple[str, ...]:
    value = "" if v.value is None else str(v.value)
    return (v.shape, str(v.focus), v.component, v.path or "", value, v.message)
