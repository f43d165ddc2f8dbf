"""`/ontology`: the ontology (`https://w3id.org/policykg/ontology`, the same in every
deployment) as documentation for people (every class and property with its label,
definition, domain and range, alignments and how much the data uses it) or as RDF for
machines, by Accept. Read from the ontology graph of the store, so the page always documents
the terms the data was built with, and pages link our terms here, not to w3id.org."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, request
from pyoxigraph import BlankNode, NamedNode, Triple

from graph.iris import DCTERMS, OWL, RDF, RDFS, SKOS
from ontology import ONTOLOGY_IRI, PK

from . import describe
from .entity_view import Value, Viewer
from .links import Links
from .negotiate import DESCRIPTIONS, EXTENSIONS, HTML, extension
from .respond import cached, html, opened, pick, rdf

bp = Blueprint("ontology", __name__)

SECTIONS = (("Classes", OWL + "Class"), ("Object properties", OWL + "ObjectProperty"),
            ("Datatype properties", OWL + "DatatypeProperty"),
            ("Annotation properties", OWL + "AnnotationProperty"),
            ("Individuals", OWL + "NamedIndividual"))
RELATIONS = (("sub-class of", RDFS + "subClassOf"), ("sub-property of", RDFS + "subPropertyOf"),
             ("domain", RDFS + "domain"), ("range", RDFS + "range"),
             ("equivalent to", OWL + "equivalentClass"),
             ("equivalent to", OWL + "equivalentProperty"),
             ("inverse of", OWL + "inverseOf"), ("disjoint with", OWL + "disjointWith"),
             ("close match", SKOS + "closeMatch"), ("exact match", SKOS + "exactMatch"),
             ("broad match", SKOS + "broadMatch"), ("see also", RDFS + "seeAlso"))


@dataclass
class TermDoc:
    anchor: str  # the fragment of the term's IRI (its id on the page)
    value: Value
    definition: str | None
    relations: list[tuple[str, list[Value]]]
    used: int | None  # instances of a class, triples of a property
    sub: list[Value] = field(default_factory=list)  # terms declared under it


@dataclass
class Docs:
    title: str
    description: str | None
    version: str | None
    version_iri: str | None
    iri: str
    namespace: str
    modified: str | None
    sections: list[tuple[str, list[TermDoc]]]
    reused: list[tuple[Value, str | None]]  # other vocabularies' terms, with the kind


def ontology_triples(current) -> list[Triple]:
    graph = NamedNode(f"{current.base}graph/ontology")
    return [Triple(q.subject, q.predicate, q.object)
            for q in current.store.quads_for_pattern(None, None, None, graph)]


def documentation(current, links: Links) -> Docs:
    base = current.base
    triples = ontology_triples(current)
    viewer = Viewer(current.store, base, links)
    about: dict[str, list[Triple]] = {}
    for t in triples:
        about.setdefault(t.subject.value, []).append(t)
    used = {row["term"].value: int(row["n"].value)
            for row in describe.select(current.store, base, "partitions")}

    def objects(iri: str, predicate: str) -> list:
        return [t.object for t in about.get(iri, ()) if t.predicate.value == predicate]

    def named(terms) -> list[Value]:
        return [viewer.value(t) for t in terms if isinstance(t, NamedNode)]

    children: dict[str, list[str]] = {}
    for t in triples:
        if t.predicate.value in (RDFS + "subClassOf", RDFS + "subPropertyOf") \
                and isinstance(t.object, NamedNode):
            children.setdefault(t.object.value, []).append(t.subject.value)

    used.update(instances(current.store, {iri for iri in about if iri.startswith(PK) and
                                          NamedNode(OWL + "Class") in objects(iri, RDF + "type")},
                          children))
    sections, reused, placed = [], [], set()
    for title, kind in SECTIONS:
        docs = []
        for iri in sorted(about):
            if iri in placed or NamedNode(kind) not in objects(iri, RDF + "type"):
                continue
            if not iri.startswith(PK):
                reused.append((viewer.value(NamedNode(iri)), title))
                placed.add(iri)
                continue
            placed.add(iri)
            definitions = objects(iri, SKOS + "definition") or objects(iri, RDFS + "comment")
            docs.append(TermDoc(
                iri[len(PK):], viewer.value(NamedNode(iri)),
                definitions[0].value if definitions else None,
                [(name, named(objects(iri, predicate))) for name, predicate in RELATIONS
                 if named(objects(iri, predicate))],
                used.get(iri), sorted(named(map(NamedNode, children.get(iri, ()))),
                                      key=lambda v: v.text)))
        docs.sort(key=lambda d: d.value.text.casefold())
        sections.append((title, docs))
    first = {p: (objects(ONTOLOGY_IRI, p) or [None])[0]
             for p in (DCTERMS + "title", DCTERMS + "description", DCTERMS + "modified",
                       OWL + "versionInfo", OWL + "versionIRI")}
    return Docs(
        title=first[DCTERMS + "title"].value if first[DCTERMS + "title"] else "Ontology",
        description=_value(first[DCTERMS + "description"]),
        version=_value(first[OWL + "versionInfo"]),
        version_iri=_value(first[OWL + "versionIRI"]), iri=ONTOLOGY_IRI, namespace=PK,
        modified=_value(first[DCTERMS + "modified"]),
        sections=[s for s in sections if s[1]],
        reused=sorted(reused, key=lambda r: r[0].iri or ""))


def instances(store, classes: set[str], children: dict[str, list[str]]) -> dict[str, int]:
    """Things of each class or of its sub-classes (an actor typed pk:Country or
    pk:Organisation is an Actor), each counted once though typed twice or in two graphs.
    The build's VoID partitions count a class's own things only."""
    members = {kind: set(describe.subjects(store, describe.TYPE, NamedNode(kind)))
               for kind in classes}

    def under(iri: str, seen: set[str]) -> set[str]:
        if iri not in seen:
            seen.add(iri)
            for child in children.get(iri, ()):
                under(child, seen)
        return seen

    return {iri: len(set().union(*(members.get(kind, ()) for kind in under(iri, set()))))
            for iri in classes}


def _value(term) -> str | None:
    return None if term is None or isinstance(term, BlankNode) else term.value


def _answer(fmt) -> Response:
    current = opened()
    if not current.base:
        abort(404, "this store was not built by policykg: it has no ontology")
    links = Links(current.base, request.script_root)
    alternates = ", ".join(
        [f'<{request.script_root}/ontology.html>; rel="alternate"; type="text/html"'] +
        [f'<{request.script_root}/ontology.{ext}>; rel="alternate"; type="{f.media_type}"'
         for ext, f in EXTENSIONS.items()])
    if fmt is HTML:
        return html("ontology.html", current, docs=documentation(current, links),
                    headers={"Link": alternates})
    return rdf(ontology_triples(current), fmt, current, headers={"Link": alternates})


@bp.route("/ontology")
@cached
def ontology() -> Response:
    """The ontology: documentation or RDF, by Accept (hash IRIs: `/ontology#Actor` on a page
    asks for this, and so does a client w3id.org sends here for `pk:Actor`)."""
    fmt = pick((HTML, *DESCRIPTIONS))
    response = _answer(fmt)
    suffix = "html" if fmt is HTML else extension(fmt)
    response.headers["Content-Location"] = f"{request.script_root}/ontology.{suffix}"
    return response


@bp.route("/ontology.<suffix>")
@cached
def ontology_as(suffix: str) -> Response:
    if suffix != "html" and suffix not in EXTENSIONS:
        abort(404, "the ontology is at /ontology.{html,ttl,nt,jsonld,rdf}")
    return _answer(HTML if suffix == "html" else EXTENSIONS[suffix])
