"""The policykg ontology, its alignment module and its SHACL shapes, as files and graphs.

The Turtle files in this package use relative IRIs (``@prefix pk: <ontology#>``), so that
one file serves every deployment: the knowledge graph's base IRI is supplied when a file
is parsed, and ``<ontology#Actor>`` becomes ``{base}ontology#Actor``.

One thing a parser's base cannot reach is text inside string literals. The SPARQL
constraints in ``shapes.ttl`` need our namespace, so that file declares the ``pk`` prefix
with the placeholder ``{PK}``; :func:`turtle` replaces it with :func:`namespace` before
parsing. Always read the files through these helpers rather than parsing them directly.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

__all__ = [
    "ALIGNMENTS_TTL",
    "ONTOLOGY_TTL",
    "PLACEHOLDER",
    "SHAPES_TTL",
    "VERSION",
    "load_graph",
    "namespace",
    "ontology_iri",
    "shapes_graph",
    "turtle",
]

_HERE = Path(__file__).resolve().parent

#: The OWL ontology: classes, properties and the two curation individuals.
ONTOLOGY_TTL: Path = _HERE / "policykg.ttl"
#: Mappings to schema.org, SEMIC, ELI, LKIF and others, kept out of the core ontology.
ALIGNMENTS_TTL: Path = _HERE / "alignments.ttl"
#: SHACL shapes; contains the :data:`PLACEHOLDER` that :func:`turtle` fills in.
SHAPES_TTL: Path = _HERE / "shapes.ttl"

#: Version of the ontology, as in its ``owl:versionInfo``.
VERSION = "0.1.0"
#: Text in shapes.ttl that stands for our namespace inside SPARQL strings.
PLACEHOLDER = "{PK}"


def _check_base(base: str) -> str:
    """Return ``base`` if relative IRIs can be resolved against it, else raise ValueError.

    A base without a trailing slash would silently resolve ``ontology#`` against its
    parent directory (``http://h/kg`` gives ``http://h/ontology#``), so refuse it.
    """
    if "://" not in base or not base.endswith("/"):
        raise ValueError(f"base IRI must be absolute and end with '/': {base!r}")
    return base


def ontology_iri(base: str) -> str:
    """Return the ontology's IRI, ``{base}ontology``: the one to cite and dereference."""
    return _check_base(base) + "ontology"


def namespace(base: str) -> str:
    """Return the namespace of our terms, ``{base}ontology#`` (the ``pk:`` prefix)."""
    return ontology_iri(base) + "#"


def turtle(path: str | Path, base: str) -> str:
    """Return the Turtle text of ``path`` with :data:`PLACEHOLDER` replaced by our namespace.

    Only shapes.ttl contains the placeholder, but applying this to every file keeps one
    code path for reading them. Relative IRIs are left alone: pass ``base`` as the
    parser's base (``publicID`` in rdflib, ``base_iri`` in pyoxigraph) as well.
    """
    text = Path(path).read_text(encoding="utf-8")
    return text.replace(PLACEHOLDER, namespace(base))


def _parse(paths: tuple[Path, ...], base: str) -> Graph:
    graph = Graph()
    graph.bind("pk", namespace(base))
    for path in paths:
        graph.parse(data=turtle(path, base), format="turtle", publicID=base)
    return graph


def load_graph(base: str) -> Graph:
    """Return the ontology and its alignment module, parsed with ``base``, in one graph.

    This is the graph to give pySHACL as ``ont_graph`` (so that ``sh:class`` sees the
    sub-class axioms) and to an OWL RL reasoner for consistency checks.
    """
    return _parse((ONTOLOGY_TTL, ALIGNMENTS_TTL), base)


def shapes_graph(base: str) -> Graph:
    """Return the SHACL shapes parsed with ``base``, placeholder filled in."""
    return _parse((SHAPES_TTL,), base)
