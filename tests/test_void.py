"""The dataset's description (VoID + DCAT in {base}graph/metadata): every count equals what
the store holds — recounted here in Python over the store's quads, not with the build's
queries — and the licence, attribution and provenance name the source, not us as MIC."""

from __future__ import annotations

from collections import Counter

import pytest
from pyoxigraph import BlankNode, NamedNode

from graph.iris import DCAT, DCTERMS, PROV, RDF, VOID
from ontology import PK

from .conftest import BASE

META = f"{BASE}graph/metadata"
DATASET = f"{BASE}dataset"
SOURCE = "https://www.soumu.go.jp/main_sosiki/joho_tsusin/eng/pressrelease/2023/2/28_04.html"


@pytest.fixture(scope="module")
def described(all_store):
    _, store = all_store
    meta = [q for q in store if q.graph_name.value == META]
    data = {(q.subject, q.predicate, q.object) for q in store if q.graph_name.value != META}
    return store, meta, data


def values(meta, subject: str, predicate: str) -> list:
    return [q.object for q in meta if q.subject.value == subject
            and q.predicate.value == predicate]


def one_int(meta, subject: str, predicate: str) -> int:
    found = values(meta, subject, predicate)
    assert len(found) == 1, (subject, predicate, found)
    return int(found[0].value)


def test_dataset_counts_equal_the_stores(described):
    _, meta, data = described
    assert one_int(meta, DATASET, VOID + "triples") == len(data)
    subjects = {s for s, _, _ in data}
    assert one_int(meta, DATASET, VOID + "distinctSubjects") == len(subjects)
    assert one_int(meta, DATASET, VOID + "distinctObjects") == len({o for _, _, o in data})
    assert one_int(meta, DATASET, VOID + "properties") == len({p for _, p, _ in data})
    types = {o for _, p, o in data if p.value == RDF + "type"}
    assert one_int(meta, DATASET, VOID + "classes") == len(types)
    entities = {s for s in subjects if isinstance(s, NamedNode)
                and s.value.startswith(f"{BASE}id/")}
    assert one_int(meta, DATASET, VOID + "entities") == len(entities)


def test_partitions_equal_the_stores(described):
    _, meta, data = described
    per_property = Counter(p.value for _, p, _ in data)
    parts = values(meta, DATASET, VOID + "propertyPartition")
    assert len(parts) == len(per_property)
    for part in parts:
        prop = values(meta, part.value, VOID + "property")[0].value
        assert one_int(meta, part.value, VOID + "triples") == per_property[prop]
    instances: dict[str, set] = {}
    for s, p, o in data:
        if p.value == RDF + "type" and isinstance(o, NamedNode):
            instances.setdefault(o.value, set()).add(s)
    parts = values(meta, DATASET, VOID + "classPartition")
    assert len(parts) == len(instances)
    for part in parts:
        cls = values(meta, part.value, VOID + "class")[0].value
        assert one_int(meta, part.value, VOID + "entities") == len(instances[cls])


def test_vocabularies_examples_endpoint_and_dumps(described):
    _, meta, data = described
    vocabularies = {v.value for v in values(meta, DATASET, VOID + "vocabulary")}
    assert {PK, DCTERMS, PROV, RDF, "http://www.w3.org/2004/02/skos/core#"} \
        <= vocabularies
    examples = {e.value for e in values(meta, DATASET, VOID + "exampleResource")}
    subjects = {s.value for s, _, _ in data}
    assert examples <= subjects
    assert {e.split("/id/")[1].split("/")[0] for e in examples} \
        == {"meeting", "statement", "actor"}
    assert [e.value for e in values(meta, DATASET, VOID + "sparqlEndpoint")] == [f"{BASE}sparql"]
    assert [u.value for u in values(meta, DATASET, VOID + "uriSpace")] == [BASE]
    dumps_listed = sorted(u.value for u in values(meta, DATASET, VOID + "dataDump"))
    distributions = values(meta, DATASET, DCAT + "distribution")
    assert len(dumps_listed) == len(distributions) == 6
    for dist in distributions:
        media = values(meta, dist.value, DCAT + "mediaType")[0].value
        assert media.startswith("https://www.iana.org/assignments/media-types/")
        assert values(meta, dist.value, DCAT + "compressFormat")[0].value.endswith(
            "/application/gzip")
        assert values(meta, dist.value, DCAT + "downloadURL")[0].value in dumps_listed
    service = values(meta, DATASET, DCAT + "accessService")[0].value
    assert [u.value for u in values(meta, service, DCAT + "endpointURL")] == [f"{BASE}sparql"]
    assert values(meta, DATASET, DCAT + "version") and values(meta, DATASET, DCTERMS + "issued")


def test_licence_attribution_and_provenance(described):
    _, meta, _ = described
    license_ = "https://creativecommons.org/licenses/by/4.0/"
    assert [v.value for v in values(meta, DATASET, DCTERMS + "license")] == [license_]
    assert SOURCE in {v.value for v in values(meta, DATASET, DCTERMS + "source")}
    assert SOURCE in {v.value for v in values(meta, DATASET, PROV + "wasDerivedFrom")}
    assert [p.value for p in values(meta, SOURCE, DCTERMS + "publisher")] \
        == [f"{BASE}id/actor/mic"]
    publisher = values(meta, DATASET, DCTERMS + "publisher")
    assert [p.value for p in publisher] == [f"{BASE}id/actor/policykg-project"]
    rights = values(meta, DATASET, DCTERMS + "rights")[0].value
    assert "Ministry of Internal Affairs and Communications" in rights
    assert SOURCE in rights and "not a publication of" in rights and "CC BY 4.0" in rights


def test_metadata_graph_has_no_blank_nodes(described):
    _, meta, _ = described
    assert not any(isinstance(t, BlankNode) for q in meta for t in (q.subject, q.object))
