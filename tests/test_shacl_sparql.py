"""graph.shacl_sparql must agree with pySHACL, the reference it replaces.

Each case is the conforming sample of tests/test_ontology.py, unchanged or changed by one
of that module's negative cases (or by one of the extra cases here, which reach the
constraint components those do not). Both validators run on the same data (the ontology
in its graph, the data in another, as in a built store) and must agree on conformance,
on the (focus node, message) pairs and, more strictly, on every top-level result's focus
node, constraint component, value and messages.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import PROV, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH, XSD

from graph.iris import Iris
from graph.rdf import ontology_quads
from graph.shacl_sparql import (
    Check,
    compile_shapes,
    conforms,
    report_text,
    run_checks,
    shape_checks,
)
from graph.validate import Report, summary
from ontology import load_graph, shapes_graph
from tests.conftest import BASE as STORE_BASE
from tests.test_ontology import (
    BASE,
    DG_CONNECT,
    MEETING,
    NEGATIVE_CASES,
    OA,
    PK,
    POSITION,
    QUOTE,
    SCHEMA,
    SPAN,
    STATEMENT,
    _drop,
    _set,
    sample,
    validate,
)

from .conftest import to_rdflib

EX = Namespace("http://example.org/test#")
NIS2 = URIRef(BASE + "id/initiative/nis2")
TOPIC = URIRef(BASE + "id/topic/cybersecurity")
AGENDA = URIRef(BASE + "id/agenda-item/japan-eu-ict-policy-dialogue-28-3")
MENTION = URIRef(BASE + "id/mention/sample-175-179")
SCHEDULE = URIRef(BASE + "id/claim/sample-003")
MONTH = Literal("2024-04", datatype=XSD.gYearMonth)

# A result, comparable across the two validators: (focus, component, value, messages),
# terms in N-Triples syntax and every blank node as "_:" (labels differ between stores).
Result = tuple[str, str, str | None, tuple[str, ...]]


# --------------------------------------------------------------------------------------
# Running both validators
# --------------------------------------------------------------------------------------


def _key(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode | ox.BlankNode):
        return "_:"
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        datatype = ox.NamedNode(str(term.datatype or XSD.string))
        return str(ox.Literal(str(term), datatype=datatype))
    return str(term)


def pyshacl_results(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, set[Result]]:
    """pySHACL's top-level results (sh:result; the nested sh:detail ones are left out)."""
    conforming, report, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology,
                                             inference="none")
    found = {(_key(report.value(r, SH.focusNode)),
              str(report.value(r, SH.sourceConstraintComponent)),
              _key(report.value(r, SH.value)),
              tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage))))
             for r in report.objects(None, SH.result)}
    return bool(conforming), found


def store_of(data: Graph, base: str = BASE) -> ox.Store:
    """The ontology in {base}graph/ontology and ``data`` in a graph of its own."""
    store = ox.Store()
    store.bulk_extend(ontology_quads(Iris(base)))
    store.load(data.serialize(format="nt").encode(), ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode(base + "graph/data"))
    return store


def our_results(store: ox.Store, checks: list[Check]) -> tuple[bool, set[Result]]:
    violations = run_checks(store, checks, BASE)
    return conforms(violations), {(_key(v.focus), v.component, _key(v.value),
                                   tuple(sorted(v.messages))) for v in violations}


def pairs(results: set[Result]) -> set[tuple[str, str]]:
    return {(focus, m) for focus, _, _, messages in results for m in messages}


@pytest.fixture(scope="module")
def checks() -> list[Check]:
    return compile_shapes(shapes_graph())


# --------------------------------------------------------------------------------------
# Extra cases: components the negative cases of test_ontology.py do not reach
# --------------------------------------------------------------------------------------

Change = Callable[[Graph], None]


def _add(*triples: tuple) -> Change:
    def change(g: Graph) -> None:
        for triple in triples:
            g.add(triple)
    return change


def assert_rejected_by_both(data: Graph, focus: URIRef, message: str, base: str) -> None:
    """pySHACL and our SPARQL-compiled shapes both reject `data`, naming `focus` with
    `message`."""
    conforming, results = validate(data)
    assert not conforming
    assert (str(focus), message) in results, sorted(results)
    ours = run_checks(store_of(data), shape_checks(), base)
    assert not conforms(ours)
    assert (str(focus), message) in {(str(v.focus.value), m) for v in ours
                                     for m in v.messages}, ours


def _both(*changes: Change) -> Change:
    def change(g: Graph) -> None:
        for c in changes:
            c(g)
    return change


def scheduled(event: URIRef, when: Literal = MONTH) -> Change:
    """``event`` claimed by the sample release to be scheduled for ``when``."""
    return _add((event, PK.scheduleClaim, SCHEDULE), (SCHEDULE, RDF.type, PK.ScheduleClaim),
                (SCHEDULE, RDFS.label, Literal("scheduled", lang="en")),
                (SCHEDULE, PK.dateValue, when),
                (SCHEDULE, PK.asOf, Literal("2023-02-28", datatype=XSD.date)),
                (SCHEDULE, PROV.wasDerivedFrom, URIRef(BASE + "id/release/sample")),
                (SCHEDULE, PK.evidence, URIRef(BASE + "id/evidence/sample-175-224")))


def _untyped_evidence(g: Graph) -> None:
    # Evidence that is not typed oa:SpecificResource is checked only through sh:node.
    span = URIRef(BASE + "id/evidence/untyped")
    g.add((STATEMENT, PK.evidence, span))
    g.add((span, OA.hasSource, URIRef(BASE + "id/release/sample")))
    g.add((span, OA.hasSelector, QUOTE))
    g.add((span, OA.hasSelector, BNode()))


EXTRA_CASES: dict[str, Change] = {
    "edition not an integer": _set(MEETING, PK.edition, Literal("28th")),
    "edition ill-typed integer": _set(MEETING, PK.edition, Literal("abc", datatype=XSD.integer)),
    "edition zero": _set(MEETING, PK.edition, Literal(0)),
    "date that does not exist": _set(MEETING, SCHEMA.startDate,
                                     Literal("2023-02-30", datatype=XSD.date)),
    "two start dates": _add((MEETING, SCHEMA.startDate, Literal("2023-02-25", datatype=XSD.date))),
    "two English labels": _add((DG_CONNECT, SKOS.prefLabel, Literal("DG CONNECT", lang="en"))),
    "label without language": _add((TOPIC, SKOS.prefLabel, Literal("Cyber"))),
    "curation not in the list": _set(DG_CONNECT, PK.curation, PK.Status),
    "unknown attendance mode": _set(MEETING, SCHEMA.eventAttendanceMode, SCHEMA.Online),
    "CELEX number malformed": _set(NIS2, URIRef("http://data.europa.eu/eli/ontology#id_local"),
                                   Literal("2022/2555")),
    "held in a topic": _set(MEETING, PK.heldIn, TOPIC),
    "scheduled for a string": scheduled(MEETING, Literal("spring 2024")),
    "initiative scheduled for a month": scheduled(NIS2),
    "mentions a literal": _add((STATEMENT, PK.mentions, Literal("NIS2"))),
    "agenda item without position": _drop(AGENDA, PK.position),
    "agenda item without type": _drop(AGENDA, RDF.type),
    "scheme as a literal": _set(TOPIC, SKOS.inScheme, Literal("topics")),
    "mention body is a literal": _set(MENTION, OA.hasBody, Literal("NIS2")),
    "empty quote": _both(_set(QUOTE, OA.exact, Literal("")),
                         _set(POSITION, OA.end, Literal(101, datatype=XSD.integer))),
    "no position selector": _drop(SPAN, OA.hasSelector),
    "untyped evidence via sh:node": _untyped_evidence,
    "blank-node topic": _add((BNode("t"), RDF.type, PK.Topic)),
    "two violations at once": _both(NEGATIVE_CASES["end before start"][0],
                                    NEGATIVE_CASES["actor without curation"][0]),
}

# Changes that keep the sample conforming (the rest must not).
CONFORMING = {"conforming sample"}  # a month is fine, but only for an event

CASES: dict[str, Change] = {
    "conforming sample": lambda g: None,
    **{name: change for name, (change, _, _) in NEGATIVE_CASES.items()},
    **EXTRA_CASES,
}


# --------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_agrees_with_pyshacl(case: str, checks: list[Check]) -> None:
    data = sample()
    CASES[case](data)
    theirs_conform, theirs = pyshacl_results(data, shapes_graph(), load_graph())
    ours_conform, ours = our_results(store_of(data), checks)
    assert ours_conform == theirs_conform
    assert pairs(ours) == pairs(theirs)
    assert ours == theirs
    if case in NEGATIVE_CASES:
        _, focus, message = NEGATIVE_CASES[case]
        assert (_key(focus), message) in pairs(ours)
    assert ours_conform == (case in CONFORMING)


def test_extra_cases_change_the_sample() -> None:
    # A case whose change silently did nothing would test nothing.
    for name, change in EXTRA_CASES.items():
        data = sample()
        change(data)
        assert set(data) != set(sample()) or len(data) != len(sample()), name


# Components our shapes do not use but the module implements anyway (they cost a line
# each), and the other target kinds: checked against pySHACL on a small graph of their own.
EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/test#> .

ex:RangeShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:score ;
    sh:property [ sh:path ex:score ; sh:maxInclusive 10 ; sh:minExclusive 0 ;
                  sh:message "score in (0, 10]" ] ,
                [ sh:path ex:score ; sh:maxExclusive 10 ; sh:message "score below 10" ] ,
                [ sh:path ex:score ; sh:minCount 2 ; sh:message "two scores" ] ,
                [ sh:path ex:score ; sh:qualifiedValueShape [ sh:minInclusive 5 ] ;
                  sh:qualifiedMinCount 2 ; sh:message "two scores of 5 or more" ] ,
                [ sh:path ex:link ; sh:qualifiedValueShape [ sh:class ex:Thing ] ;
                  sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 1 ;
                  sh:message "links to things" ] ,
                [ sh:path ex:code ; sh:maxLength 3 ; sh:pattern "^ab" ; sh:flags "i" ;
                  sh:message "code: at most 3 characters, starting with ab" ] .

ex:KindShape a sh:NodeShape ;
    sh:targetObjectsOf ex:link ;
    sh:nodeKind sh:BlankNodeOrIRI ;
    sh:message "link to a node" ;
    sh:property [ sh:path ex:label ; sh:nodeKind sh:Literal ; sh:message "label literal" ] .

ex:NodeTarget a sh:NodeShape ;
    sh:targetNode ex:c ;
    sh:class ex:Thing ;
    sh:message "ex:c is a thing" .

ex:Deactivated a sh:NodeShape ;
    sh:targetSubjectsOf ex:score ;
    sh:deactivated true ;
    sh:property [ sh:path ex:score ; sh:maxCount 0 ] .
"""

EXTRA_DATA = """
@prefix ex: <http://example.org/test#> .
ex:a ex:score 5, 10 ; ex:code "ABc" ; ex:link ex:b , "text" .
ex:b ex:score 0 ; ex:code "abcd" , "xyz" ; ex:label ex:c .
ex:c ex:link [ ex:label "fine" ] .
"""


def test_other_components_agree_with_pyshacl() -> None:
    shapes = Graph().parse(data=EXTRA_SHAPES, format="turtle")
    data = Graph().parse(data=EXTRA_DATA, format="turtle")
    store = ox.Store()
    store.load(EXTRA_DATA.encode(), ox.RdfFormat.TURTLE)
    ours_conform, ours = our_results(store, compile_shapes(shapes))
    theirs_conform, theirs = pyshacl_results(data, shapes, None)
    assert ours_conform == theirs_conform is False
    assert ours == theirs
    assert len(ours) >= 8


# --------------------------------------------------------------------------------------
# The bundled release, built by the pipeline
# --------------------------------------------------------------------------------------


def test_bundled_release_conforms_under_both(bundled_store) -> None:
    _, store = bundled_store
    violations = run_checks(store, shape_checks(), STORE_BASE)
    assert violations == [], report_text(violations)
    ontology_graph = ox.NamedNode(STORE_BASE + "graph/ontology")
    data = to_rdflib(q for q in store if q.graph_name != ontology_graph)
    assert len(data) > 1000
    theirs_conform, theirs = pyshacl_results(data, shapes_graph(), load_graph())
    assert theirs_conform, theirs


def test_bundled_release_with_a_broken_span_fails_under_both(bundled_store) -> None:
    # The same store, copied, with every end offset of one span moved: both validators
    # must now report the span, and with the same results.
    _, built = bundled_store
    store = ox.Store()
    store.bulk_extend(built)
    end = ox.NamedNode(str(OA.end))
    quad = next(q for q in store.quads_for_pattern(None, end, None))
    store.remove(quad)
    store.add(ox.Quad(quad.subject, end, ox.Literal("1", datatype=ox.NamedNode(str(XSD.integer))),
                      quad.graph_name))
    violations = run_checks(store, shape_checks(), STORE_BASE)
    assert violations
    ontology_graph = ox.NamedNode(STORE_BASE + "graph/ontology")
    data = to_rdflib(q for q in store if q.graph_name != ontology_graph)
    _, theirs = pyshacl_results(data, shapes_graph(), load_graph())
    ours = {(_key(v.focus), v.component, _key(v.value), tuple(sorted(v.messages)))
            for v in violations}
    assert ours == theirs


# --------------------------------------------------------------------------------------
# Compilation: refusing what is not implemented
# --------------------------------------------------------------------------------------

UNSUPPORTED = {
    "sh:closed": "sh:closed true",
    "sh:hasValue": "sh:property [ sh:path ex:p ; sh:hasValue ex:o ]",
    "sh:xone": "sh:xone ( [ sh:class ex:Thing ] [ sh:class ex:Other ] )",
    "sh:languageIn": "sh:property [ sh:path ex:p ; sh:languageIn ( \"en\" ) ]",
    "sh:inversePath": "sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ]",
    "sh:alternativePath": "sh:property [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ]",
    "$PATH": 'sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?x }" ]',
    "sh:severity": "sh:severity sh:Warning ; sh:class ex:Thing",
    "nested": "sh:node [ sh:property [ sh:path ex:p ; sh:equals ex:q ] ]",
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_unsupported_shape_raises(name: str) -> None:
    text = ("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> ."
            f"\nex:S a sh:NodeShape ; sh:targetClass ex:Thing ; {UNSUPPORTED[name]} .")
    with pytest.raises(NotImplementedError):
        compile_shapes(Graph().parse(data=text, format="turtle"))


def test_untargeted_shapes_are_not_compiled() -> None:
    # pySHACL does not evaluate a shape without targets either, whatever it contains.
    text = ("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> ."
            "\nex:S a sh:NodeShape ; sh:closed true .")
    assert compile_shapes(Graph().parse(data=text, format="turtle")) == []


def test_literals_from_the_shapes_are_escaped() -> None:
    text = ('@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/test#> .'
            '\nex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; '
            r'sh:in ( "a \"quoted\" } { \\ value" ) ; sh:message "m" ] .')
    (check,) = compile_shapes(Graph().parse(data=text, format="turtle"))
    store = ox.Store()
    subject, p = ox.NamedNode(str(EX.s)), ox.NamedNode(str(EX.p))
    store.add(ox.Quad(subject, p, ox.Literal('a "quoted" } { \\ value')))
    assert run_checks(store, [check], BASE) == []
    store.add(ox.Quad(subject, p, ox.Literal("other")))
    assert [v.value for v in run_checks(store, [check], BASE)] == [ox.Literal("other")]


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def test_report_text_works_with_summary(checks: list[Check]) -> None:
    data = sample()
    NEGATIVE_CASES["end before start"][0](data)
    violations = run_checks(store_of(data), checks, BASE)
    text = report_text(violations)
    assert text.startswith("Validation Report\nConforms: False\nResults (3):\n")
    assert "Focus Node: <http://example.org/pkg/id/evidence/sample-101-225>" in text
    messages = {m for v in violations for m in v.messages}
    assert set(summary(Report(conforms(violations), text)).split("; ")) == messages
    assert "The end offset (oa:end) must be greater than the start offset (oa:start)." in messages
    assert report_text([]) == "Validation Report\nConforms: True\n"


def test_node_values_outside_the_targets_of_the_shape_are_checked(checks: list[Check]) -> None:
    # sh:node on the evidence shape reuses the evidence shape's own results for text spans
    # (its targets); a value that is not a text span is checked by a guarded check.
    assert any(c.value_violates for c in checks) and any(c.guard for c in checks)
    data = sample()
    _untyped_evidence(data)
    violations = run_checks(store_of(data), checks, BASE)
    untyped = ox.NamedNode(BASE + "id/evidence/untyped")
    assert {(v.focus, v.component) for v in violations if v.value == untyped} == {
        (ox.NamedNode(str(STATEMENT)), str(SH.NodeConstraintComponent))}


def test_threads_do_not_change_the_result(checks: list[Check]) -> None:
    data = sample()
    _both(NEGATIVE_CASES["end before start"][0], _untyped_evidence)(data)
    store = store_of(data)
    assert run_checks(store, checks, BASE, workers=1) == run_checks(store, checks, BASE,
                                                                     workers=4)


def test_a_check_that_reuses_a_shape_needs_that_shape(checks: list[Check]) -> None:
    reusing = [c for c in checks if c.value_violates]
    with pytest.raises(ValueError, match="not being run"):
        run_checks(store_of(sample()), reusing, BASE)


def test_checks_are_compiled_once() -> None:
    assert shape_checks() is shape_checks()
    assert all(c.query.count("SELECT") >= 1 and "?this" in c.query for c in shape_checks())
