"""Every IRI policykg mints, from one base (DESIGN.md §2), and the reused vocabularies."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pyoxigraph import NamedNode, Store

from ontology import PK

DEFAULT_BASE = "https://policykg.example.org/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
ELI = "http://data.europa.eu/eli/ontology#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
# A release's language as an IRI (DCMI recommends a controlled vocabulary): the Library of
# Congress's ISO 639-1 codes, whose local names are the two-letter codes the facts carry.
LANGUAGES = "http://id.loc.gov/vocabulary/iso639-1/"


def base_from_env() -> str:
    return os.environ.get("POLICYKG_BASE_IRI", DEFAULT_BASE)


def check_base(base: str) -> str:
    """A base must be an absolute http(s) IRI ending in "/" so paths can be appended."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/") or " " in base:
        raise ValueError(f"base IRI must be an absolute http(s) IRI ending in '/': {base!r}")
    return base


@dataclass(frozen=True)
class Iris:
    """The IRIs of one base, and our ontology's terms (the same under every base)."""

    base: str

    def term(self, local: str) -> NamedNode:
        return NamedNode(PK + local)

    def thing(self, entity_id: str) -> NamedNode:
        """`actor/japan` → {base}id/actor/japan."""
        return NamedNode(f"{self.base}id/{entity_id}")

    def graph(self, name: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/{name}")


def ns(prefix: str, local: str) -> NamedNode:
    return NamedNode(prefix + local)


STORE_BASE_QUERY = f"SELECT ?base WHERE {{ GRAPH ?g {{ ?d <{VOID}uriSpace> ?base }} }} LIMIT 1"


def store_base(store: Store) -> str | None:
    """The base IRI a store was built with (recorded in its metadata graph)."""
    for row in store.query(STORE_BASE_QUERY):
        return row["base"].value
    return None
