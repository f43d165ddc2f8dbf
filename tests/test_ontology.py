"""Checks of the ontology, its alignment module and the SHACL shapes.

The term list in docs/model.md is the contract: the tests read its tables, so a term
added there without being added to the ontology (or the other way round) fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import owlrl
import pyoxigraph
import pyshacl
import pytest
from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH, XSD

from ontology import (
    ALIGNMENTS_TTL,
    ONTOLOGY_IRI,
    ONTOLOGY_TTL,
    SHAPES_TTL,
    VERSION,
    VERSION_IRI,
    load_graph,
    shapes_graph,
)
from ontology import PK as NAMESPACE

BASE = "http://example.org/pkg/"
ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
SAMPLE = Path(__file__).resolve().parent / "data" / "sample_instances.ttl"

PK = Namespace(NAMESPACE)
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
# owlrl records each inconsistency as a blank node typed err:ErrorMessage whose
# err:error is the message (owlrl/Closure.py, Core.closure).
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

PREFIXES = {
    "pk": str(PK),
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": str(SKOS),
    "dcterms": "http://purl.org/dc/terms/",
    "oa": str(OA),
    "dcat": "http://www.w3.org/ns/dcat#",
    "schema": str(SCHEMA),
    "eli": "http://data.europa.eu/eli/ontology#",
    "cv": "http://data.europa.eu/m8g/",
    "time": "http://www.w3.org/2006/time#",
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}
# OWL 2 reserves these namespaces; their terms are built in, or may not be redeclared.
RESERVED = (str(RDF), str(RDFS), str(OWL), str(XSD))
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


# --------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The core ontology alone (no alignments)."""
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


@pytest.fixture(scope="module")
def ontology_and_alignments() -> Graph:
    return load_graph()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph()


def sample() -> Graph:
    """A fresh copy of the sample instances, so a test may change it."""
    return Graph().parse(SAMPLE, format="turtle", publicID=BASE)


def expand(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(PREFIXES[prefix] + local)


def is_ours(term: object) -> bool:
    """Whether the term is the ontology, one of its modules or one of its terms."""
    return isinstance(term, URIRef) and str(term).startswith(ONTOLOGY_IRI)


def owl_rl_errors(graph: Graph) -> list[str]:
    """Run the OWL 2 RL closure on a copy of ``graph``; return owlrl's error messages."""
    closed = Graph()
    for triple in graph:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    errors = [str(m) for node in closed.subjects(RDF.type, ERR.ErrorMessage)
              for m in closed.objects(node, ERR.error)]
    # An error node without a message would still be an error.
    errors += ["(no message)" for node in closed.subjects(RDF.type, ERR.ErrorMessage)
               if (node, ERR.error, None) not in closed]
    return errors


def validate(data: Graph) -> tuple[bool, set[tuple[str, str]]]:
    """Validate ``data`` against the shapes; return (conforms, {(focus node, message)})."""
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=load_graph(),
        inference="none",  # with "rdfs", range axioms would make sh:class checks vacuous
    )
    found = {
        (str(results.value(r, SH.focusNode)), str(m))
        for r in results.subjects(RDF.type, SH.ValidationResult)
        for m in results.objects(r, SH.resultMessage)
    }
    return bool(conforms), found


# --------------------------------------------------------------------------------------
# docs/model.md, read as data
# --------------------------------------------------------------------------------------


def model_tables() -> dict[str, list[list[str]]]:
    """Rows of the markdown tables of model.md, keyed by the section heading."""
    tables: dict[str, list[list[str]]] = {}
    section = ""
    for line in MODEL_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            tables.setdefault(section, []).append(cells)
    return tables


def backticked(cell: str) -> list[str]:
    """Prefixed names in backticks; `a:x`/`y` abbreviates `a:x`/`a:y`."""
    names, prefix = [], None
    for token in re.findall(r"`([^`]+)`", cell):
        if re.fullmatch(r"[a-z]+:[A-Za-z_][\w-]*", token):
            prefix = token.split(":")[0]
            names.append(token)
        elif prefix and re.fullmatch(r"[A-Za-z_]\w*", token):
            names.append(f"{prefix}:{token}")
    return names


def model_classes() -> list[list[str]]:
    return [r for r in model_tables()["Classes"] if r[0].startswith("`pk:")]


def model_properties() -> list[list[str]]:
    return [r for r in model_tables()["Properties"] if r[0].startswith("`pk:")]


def test_model_tables_are_read() -> None:
    # Guards the parser itself: if model.md's layout changes, fail loudly.
    assert len(model_classes()) >= 25
    assert len(model_properties()) >= 29


def test_every_pk_term_of_the_model_is_declared(ontology: Graph) -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"\bpk:([A-Za-z][A-Za-z0-9]*)", text)))
    assert names, "no pk: terms found in model.md"
    missing = [n for n in names if (PK[n], RDF.type, None) not in ontology]
    assert not missing, f"declared in model.md but not in the ontology: {missing}"


def test_terms_beyond_the_model(ontology: Graph) -> None:
    # The ontology adds exactly one term to model.md: the class of pk:Curated/pk:Discovered.
    text = MODEL_MD.read_text(encoding="utf-8")
    in_model = {PK[n] for n in re.findall(r"\bpk:([A-Za-z][A-Za-z0-9]*)", text)}
    ours = {s for s in ontology.subjects(RDF.type, None) if is_ours(s)}
    assert ours - in_model == {URIRef(ONTOLOGY_IRI), PK.CurationStatus}


def test_model_classes_are_classes_with_their_superclasses(ontology: Graph) -> None:
    for row in model_classes():
        (name,) = backticked(row[0])
        cls = expand(name)
        assert (cls, RDF.type, OWL.Class) in ontology, name
        for parent in backticked(row[1]):
            assert (cls, RDFS.subClassOf, expand(parent)) in ontology, f"{name} ⊑ {parent}"


def _kind_from_range(cell: str) -> URIRef:
    return OWL.DatatypeProperty if re.search(r"xsd:|rdf:PlainLiteral", cell) else OWL.ObjectProperty


def _single_class(side: str) -> URIRef | None:
    """The class named by one side of 'domain → range', or None for unions and 'any'."""
    side = side.strip().strip("`")
    if re.fullmatch(r"[A-Z][A-Za-z]*", side):
        return PK[side]
    if re.fullmatch(r"[a-z]+:[A-Za-z]\w*", side):
        return expand(side)
    return None


def test_model_properties_have_kind_domain_range_and_parents(
    ontology: Graph, ontology_and_alignments: Graph
) -> None:
    for name_cell, domain_range, parents, _what in model_properties():
        (name,) = backticked(name_cell)
        prop = expand(name)
        kind = _kind_from_range(domain_range)
        assert (prop, RDF.type, kind) in ontology, f"{name} should be a {kind}"
        domain, _, range_ = domain_range.partition("→")
        for side, predicate in ((domain, RDFS.domain), (range_, RDFS.range)):
            expected = _single_class(side)
            if expected is not None:
                assert (prop, predicate, expected) in ontology, f"{name} {predicate} {expected}"
        where = ontology_and_alignments if "alignment only" in parents else ontology
        for parent in backticked(parents):
            assert (prop, RDFS.subPropertyOf, expand(parent)) in where, f"{name} ⊑ {parent}"
            if where is ontology_and_alignments:
                assert (prop, RDFS.subPropertyOf, expand(parent)) not in ontology


def test_reused_terms_of_the_model_are_declared(ontology: Graph) -> None:
    listed = [name for row in model_tables()["Classes"] if "used as is" in row[0]
              for name in backticked(row[0])]
    listed += [name for row in model_tables()["Properties"] if row[0] == "reused as is"
               for name in backticked(row[3])]
    assert len(listed) > 40
    undeclared = [n for n in listed
                  if not str(expand(n)).startswith(RESERVED)
                  and (expand(n), RDF.type, None) not in ontology]
    assert not undeclared, f"reused but not declared: {undeclared}"


# --------------------------------------------------------------------------------------
# Parsing, base independence, header
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [ONTOLOGY_TTL, ALIGNMENTS_TTL, SHAPES_TTL], ids=lambda p: p.name)
def test_rdflib_and_pyoxigraph_read_the_same_triples(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    rdflib_graph = Graph().parse(data=text, format="turtle")
    # No base: a relative IRI left in a file would be an error here.
    quads = list(pyoxigraph.parse(text, pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == len(rdflib_graph) > 0
    iris = {t.value for q in quads for t in (q.subject, q.predicate, q.object)
            if isinstance(t, pyoxigraph.NamedNode)}
    assert any(i.startswith(NAMESPACE) for i in iris)
    assert not any("example.org" in i for i in iris), "a deployment's base in the ontology"
    assert not any(i.startswith("http://schema.org/") for i in iris), "use https://schema.org/"


def test_the_namespace_is_one_constant() -> None:
    assert NAMESPACE == "https://w3id.org/policykg/ontology#"
    assert ONTOLOGY_IRI + "#" == NAMESPACE
    assert f"{ONTOLOGY_IRI}/{VERSION}" == VERSION_IRI


def test_ontology_header(ontology: Graph) -> None:
    dcterms = Namespace(PREFIXES["dcterms"])
    vann = Namespace("http://purl.org/vocab/vann/")
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert set(ontology.subjects(RDF.type, OWL.Ontology)) == {onto}
    assert set(ontology.objects(onto, OWL.versionIRI)) == {
        URIRef("https://w3id.org/policykg/ontology/0.2")}
    assert set(ontology.objects(onto, OWL.versionInfo)) == {Literal("0.2")} \
        == {Literal(VERSION)}
    assert (onto, dcterms.license,
            URIRef("https://creativecommons.org/licenses/by/4.0/")) in ontology
    assert (onto, vann.preferredNamespacePrefix, Literal("pk")) in ontology
    assert (onto, vann.preferredNamespaceUri, Literal(NAMESPACE)) in ontology
    assert [str(c) for c in ontology.objects(onto, dcterms.creator)] == ["the policykg project"]
    created, modified = (ontology.value(onto, p) for p in (dcterms.created, dcterms.modified))
    assert created.datatype == modified.datatype == XSD.date
    assert created.toPython() <= modified.toPython()
    for p in (dcterms.title, dcterms.description):
        assert any(o.language == "en" for o in ontology.objects(onto, p)), p
    # Every property the header uses is declared (an annotation property: OWL 2 DL).
    for p in set(ontology.predicates(onto)) - {RDF.type, OWL.versionIRI, OWL.versionInfo}:
        assert (p, RDF.type, OWL.AnnotationProperty) in ontology, p


def test_the_modules_have_w3id_iris_of_this_version(ontology_and_alignments: Graph,
                                                    shapes: Graph) -> None:
    alignments = URIRef(ONTOLOGY_IRI + "/alignments")
    assert (alignments, OWL.versionIRI, URIRef(f"{alignments}/{VERSION}")) \
        in ontology_and_alignments
    (shapes_iri,) = shapes.subjects(RDF.type, OWL.Ontology)
    assert str(shapes_iri) == "https://w3id.org/policykg/shapes"
    assert (shapes_iri, OWL.versionInfo, Literal(VERSION)) in shapes


def test_no_imports(ontology_and_alignments: Graph) -> None:
    assert not list(ontology_and_alignments.triples((None, OWL.imports, None)))


# --------------------------------------------------------------------------------------
# Terms: labels, definitions, punning, hijacking
# --------------------------------------------------------------------------------------


def test_every_term_of_ours_has_label_and_definition(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects(RDF.type, None) if is_ours(s)}
    terms.discard(URIRef(ONTOLOGY_IRI))
    assert len(terms) >= 57
    for term in terms:
        labels = [o for o in ontology.objects(term, RDFS.label) if o.language == "en"]
        assert labels, f"{term} has no rdfs:label@en"
        definitions = [o for p in (SKOS.definition, RDFS.comment)
                       for o in ontology.objects(term, p)
                       if isinstance(o, Literal) and o.language == "en" and len(o) > 20]
        assert definitions, f"{term} has no definition"


def test_every_reused_term_has_a_label(ontology_and_alignments: Graph) -> None:
    g = ontology_and_alignments
    for s in set(g.subjects(RDF.type, None)):
        if isinstance(s, URIRef) and not is_ours(s):
            assert (s, RDFS.label, None) in g, f"{s} is declared without a label"


def test_no_punning(ontology_and_alignments: Graph) -> None:
    g = ontology_and_alignments
    for s in set(g.subjects(RDF.type, None)):
        kinds = {k for k in PROPERTY_KINDS if (s, RDF.type, k) in g}
        assert len(kinds) <= 1, f"{s} is declared as {kinds}"
        if (s, RDF.type, OWL.Class) in g:
            assert not kinds, f"{s} is both a class and a property"
            assert (s, RDF.type, OWL.NamedIndividual) not in g, f"{s} is a class and an individual"


def test_no_reserved_vocabulary_is_declared(ontology_and_alignments: Graph) -> None:
    for s in ontology_and_alignments.subjects(RDF.type, None):
        assert not (isinstance(s, URIRef) and str(s).startswith(RESERVED)), s


def test_no_ontology_hijacking(ontology_and_alignments: Graph) -> None:
    """A triple about someone else's term may only declare it, label it, or say where."""
    allowed = {RDF.type, RDFS.label, RDFS.isDefinedBy}
    g = ontology_and_alignments
    for s, p, _o in g:
        if isinstance(s, URIRef) and not is_ours(s):
            assert p in allowed, f"axiom about an external term: {s} {p}"
    # Nor may an external term be made a sub-class or sub-property of ours.
    for p in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty):
        for s, o in g.subject_objects(p):
            assert is_ours(s), f"{s} {p} {o}"


def test_every_term_used_in_an_axiom_is_declared(ontology_and_alignments: Graph) -> None:
    g = ontology_and_alignments
    for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain):
        for s, o in g.subject_objects(p):
            for term in (s, o):
                assert (term, RDF.type, None) in g, f"{term} used in {p} but not declared"
    for s, o in g.subject_objects(RDFS.range):
        if (s, RDF.type, OWL.ObjectProperty) in g:
            assert (o, RDF.type, OWL.Class) in g, f"range {o} of {s} is not a declared class"
        else:
            assert str(o).startswith((str(XSD), str(RDF))), f"range {o} of {s} is not a datatype"


def test_no_union_or_existential_on_the_superclass_side(ontology_and_alignments: Graph) -> None:
    # Keeps the ontology inside OWL 2 RL: domains, ranges and superclasses are named terms.
    g = ontology_and_alignments
    for p in (RDFS.subClassOf, RDFS.domain, RDFS.range):
        for _s, o in g.subject_objects(p):
            assert isinstance(o, URIRef), f"{p} with an anonymous class expression"
    assert not list(g.triples((None, OWL.someValuesFrom, None)))


def test_disjointness_as_in_the_model(ontology: Graph) -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    paragraph = text[text.index("Disjoint:"):].split("pairwise")[0]
    expected = {expand(n) for n in backticked(paragraph)}
    assert len(expected) == 12
    groups = [set(Collection(ontology, lst))
              for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses)
              for lst in ontology.objects(node, OWL.members)]
    assert expected in groups


def test_curation_individuals(ontology: Graph) -> None:
    for name in ("Curated", "Discovered"):
        assert (PK[name], RDF.type, PK.CurationStatus) in ontology
        assert (PK[name], RDF.type, OWL.NamedIndividual) in ontology
    assert (PK.curation, RDFS.range, PK.CurationStatus) in ontology


def test_attendance_modes(ontology: Graph) -> None:
    for mode in ("OfflineEventAttendanceMode", "OnlineEventAttendanceMode",
                 "MixedEventAttendanceMode"):
        assert (SCHEMA[mode], RDF.type, SCHEMA.EventAttendanceModeEnumeration) in ontology
        assert (SCHEMA[mode], RDF.type, OWL.NamedIndividual) in ontology


# --------------------------------------------------------------------------------------
# OWL 2 RL consistency (owlrl)
# --------------------------------------------------------------------------------------


def test_owl_rl_closure_of_ontology_and_sample_is_consistent(
    ontology_and_alignments: Graph,
) -> None:
    assert owl_rl_errors(ontology_and_alignments + sample()) == []


def test_owl_rl_closure_derives_the_superproperties(ontology_and_alignments: Graph) -> None:
    closed = ontology_and_alignments + sample()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    statement = URIRef(BASE + "id/statement/sample-01")
    prov = Namespace(PREFIXES["prov"])
    assert (statement, prov.wasAttributedTo, URIRef(BASE + "id/actor/dg-connect")) in closed
    assert (URIRef(BASE + "id/actor/mic"), RDF.type, PK.Actor) in closed


def test_owl_rl_detects_a_statement_that_is_also_an_actor(
    ontology_and_alignments: Graph,
) -> None:
    data = sample()
    data.add((URIRef(BASE + "id/statement/sample-01"), RDF.type, PK.Actor))
    errors = owl_rl_errors(ontology_and_alignments + data)
    assert any("Disjoint classes" in e and "sample-01" in e for e in errors), errors


# --------------------------------------------------------------------------------------
# SHACL
# --------------------------------------------------------------------------------------


def test_every_shape_has_a_readable_name_or_message(shapes: Graph) -> None:
    nodes = set(shapes.subjects(RDF.type, SH.NodeShape))
    nodes |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    for p in (SH.property, SH.node, SH.qualifiedValueShape):
        nodes |= set(shapes.objects(None, p))
    for lst in shapes.objects(None, SH["or"]):
        nodes |= set(Collection(shapes, lst))
    assert len(nodes) > 80
    for node in nodes:
        assert (node, SH.message, None) in shapes or (node, SH.name, None) in shapes, (
            f"shape without sh:name or sh:message: {list(shapes.predicate_objects(node))}")


def test_shapes_use_only_declared_terms_of_ours(
    shapes: Graph, ontology_and_alignments: Graph
) -> None:
    used = {t for triple in shapes for t in triple
            if isinstance(t, URIRef) and str(t).startswith(str(PK))}
    assert PK.Statement in used
    undeclared = [t for t in used if (t, RDF.type, None) not in ontology_and_alignments]
    assert not undeclared, undeclared


def test_the_sparql_constraints_declare_our_namespace(shapes: Graph) -> None:
    namespaces = {str(o) for o in shapes.objects(None, SH.namespace)}
    assert str(PK) in namespaces


def test_sample_uses_only_declared_terms_of_ours(ontology_and_alignments: Graph) -> None:
    used = {t for triple in sample() for t in triple[1:]
            if isinstance(t, URIRef) and str(t).startswith(str(PK))}
    undeclared = [t for t in used if (t, RDF.type, None) not in ontology_and_alignments]
    assert not undeclared, undeclared


def test_sample_conforms() -> None:
    conforms, results = validate(sample())
    assert conforms, results


# Each negative case: a change to the sample, the node that should be reported and the
# message it should be reported with.
STATEMENT = URIRef(BASE + "id/statement/sample-01")
MEETING = URIRef(BASE + "id/meeting/japan-eu-ict-policy-dialogue-28")
SPAN = URIRef(BASE + "id/evidence/sample-101-225")
QUOTE = URIRef(BASE + "id/evidence/sample-101-225#quote")
POSITION = URIRef(BASE + "id/evidence/sample-101-225#position")
DG_CONNECT = URIRef(BASE + "id/actor/dg-connect")


def _drop(s: URIRef, p: URIRef) -> Callable[[Graph], None]:
    def change(g: Graph) -> None:
        assert (s, p, None) in g
        g.remove((s, p, None))
    return change


def _set(s: URIRef, p: URIRef, o: URIRef | Literal) -> Callable[[Graph], None]:
    def change(g: Graph) -> None:
        assert (s, p, None) in g
        g.set((s, p, o))
    return change


def _byte_offsets(g: Graph) -> None:
    # What a UTF-8 byte count would give: wrong, because the text starts with Japanese.
    text = str(g.value(URIRef(BASE + "id/release/sample"), PK.text))
    quote = str(g.value(QUOTE, OA.exact))
    start = len(text[: text.index(quote)].encode("utf-8"))
    g.set((POSITION, OA.start, Literal(start, datatype=XSD.integer)))
    g.set((POSITION, OA.end, Literal(start + len(quote), datatype=XSD.integer)))


def _also_a_bare_selector(g: Graph) -> None:
    extra = BNode()
    g.add((SPAN, OA.hasSelector, extra))
    g.add((extra, OA.exact, Literal("The EU")))


NEGATIVE_CASES = {
    "statement without evidence": (
        _drop(STATEMENT, PK.evidence), STATEMENT,
        "A statement needs at least one pk:evidence, each a text span that conforms to "
        "the evidence shape."),
    "quote differs from the text at the offsets": (
        _set(QUOTE, OA.exact, Literal("Japan explained a number of its initiatives")), SPAN,
        "The quote (oa:exact) differs from the release text (pk:text of oa:hasSource) "
        "between oa:start and oa:end."),
    "offsets counted in UTF-8 bytes": (
        _byte_offsets, SPAN,
        "The quote (oa:exact) differs from the release text (pk:text of oa:hasSource) "
        "between oa:start and oa:end."),
    "meeting without date": (
        _drop(MEETING, SCHEMA.startDate), MEETING,
        "A meeting needs exactly one schema:startDate, an xsd:date."),
    "meeting date as a string": (
        _set(MEETING, SCHEMA.startDate, Literal("February 24, 2023")), MEETING,
        "A meeting needs exactly one schema:startDate, an xsd:date."),
    "end before start": (
        _set(POSITION, OA.end, Literal(100, datatype=XSD.integer)), SPAN,
        "The end offset (oa:end) must be greater than the start offset (oa:start)."),
    "two quote selectors": (
        _also_a_bare_selector, SPAN,
        "A text span needs exactly one selector with an oa:exact quote."),
    "statement without speech act": (
        _drop(STATEMENT, PK.speechAct), STATEMENT,
        "A statement needs exactly one pk:speechAct, a pk:SpeechAct."),
    "actor sameAs a Wikidata page instead of the entity": (
        _set(DG_CONNECT, SCHEMA.sameAs, URIRef("https://www.wikidata.org/wiki/Q8880")),
        DG_CONNECT,
        "An actor's schema:sameAs must be a Wikidata entity IRI "
        "(http://www.wikidata.org/entity/Q...) or an EU Publications Office corporate-body IRI."),
    "statement attributed to something that is not an actor": (
        _set(STATEMENT, PK.statedBy, URIRef(BASE + "id/topic/cybersecurity")), STATEMENT,
        "A statement needs at least one pk:statedBy, each a pk:Actor."),
    "actor without curation": (
        _drop(DG_CONNECT, PK.curation), DG_CONNECT,
        "Needs exactly one pk:curation, either pk:Curated or pk:Discovered."),
}


@pytest.mark.parametrize("case", list(NEGATIVE_CASES))
def test_shapes_reject(case: str) -> None:
    change, focus, message = NEGATIVE_CASES[case]
    data = sample()
    change(data)
    conforms, results = validate(data)
    assert not conforms
    assert (str(focus), message) in results, sorted(results)
