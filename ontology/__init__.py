"""The policykg ontology, its alignment module and its SHACL shapes, as files and graphs.

Our terms have one namespace in every deployment, :data:`PK`
(``https://w3id.org/policykg/ontology#``): a deployment's base IRI names its data
(``{base}id/…``, ``{base}graph/…``), never the vocabulary, so two knowledge graphs built
under different bases share their terms and their queries. The Turtle files write these
IRIs out in full and can be parsed without a base. Code takes the namespace from here
(``ontology.PK``, or ``Iris.term`` for one term) rather than spelling it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rdflib is imported when a graph is parsed: the server needs only PK
    from rdflib import Graph

__all__ = [
    "ALIGNMENTS_TTL",
    "DECLARATIONS_TTL",
    "FILES",
    "MIGRATE_0_1",
    "ONTOLOGY_IRI",
    "ONTOLOGY_TTL",
    "PK",
    "SHAPES_TTL",
    "VERSION",
    "VERSION_IRI",
    "load_graph",
    "shapes_graph",
]

_HERE = Path(__file__).resolve().parent

#: The OWL ontology: classes, properties and the two curation individuals.
ONTOLOGY_TTL: Path = _HERE / "policykg.ttl"
#: Mappings to schema.org, SEMIC, ELI, LKIF and others, kept out of the core ontology.
ALIGNMENTS_TTL: Path = _HERE / "alignments.ttl"
#: Declarations (no axioms) of the VoID/DCAT/SPDX/FOAF terms of the metadata graph, which
#: keep the ontology plus a store's data in OWL 2 DL.
DECLARATIONS_TTL: Path = _HERE / "declarations.ttl"
#: What the ontology graph of a store holds, and what :func:`load_graph` returns.
FILES: tuple[Path, ...] = (ONTOLOGY_TTL, ALIGNMENTS_TTL, DECLARATIONS_TTL)
#: SHACL shapes.
SHAPES_TTL: Path = _HERE / "shapes.ttl"
#: SPARQL Update that moves a 0.1 store's terms ({base}ontology#…) to :data:`PK`.
MIGRATE_0_1: Path = _HERE / "migrate-0.1.ru"

#: The ontology's IRI: the one to cite; w3id.org redirects it (docs/model.md).
ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"
#: The namespace of our terms, the ``pk:`` prefix.
PK = ONTOLOGY_IRI + "#"
#: Version of the ontology, as in its ``owl:versionInfo``.
VERSION = "0.2"
#: The IRI of this version, as in its ``owl:versionIRI``.
VERSION_IRI = f"{ONTOLOGY_IRI}/{VERSION}"


def _parse(*paths: Path) -> Graph:
    from rdflib import Graph

    graph = Graph()
    graph.bind("pk", PK)
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def load_graph() -> Graph:
    """Return the ontology, its alignment module and its declarations in one graph.

    This is the graph to give pySHACL as ``ont_graph`` (so that ``sh:class`` sees the
    sub-class axioms) and to an OWL RL reasoner for consistency checks.
    """
    return _parse(*FILES)


def shapes_graph() -> Graph:
    """Return the SHACL shapes."""
    return _parse(SHAPES_TTL)
