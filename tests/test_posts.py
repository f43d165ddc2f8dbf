"""People's posts as dated, sourced claims (issue #16): a post a release names a person in
is a pk:PostClaim, W3C ORG's n-ary membership (org:member, org:organization) with the
title as written (pk:postTitle), the date it holds as of, its release and its evidence.

Two fictitious releases (tests/fixtures/posts/) name the same two heads of delegation in
2023 and 2025; the Japanese head holds another post in 2025. They are built with
`policykg build` and queried with `policykg query`, as users do; the person's page is
fetched from `policykg serve`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from .conftest import BASE, serving
from .test_dated_claims import Run, built, rows, thing
from .test_ontology import PK, owl_rl_errors
from .test_shacl_sparql import assert_rejected_by_both

POSTS = Path(__file__).resolve().parent / "fixtures" / "posts"
OLD = "2023-05-22-results-of-the-5th-japan-uk-digital-policy-dialogue"
NEW = "2025-06-04-results-of-the-6th-japan-uk-digital-policy-dialogue"
ORG = Namespace("http://www.w3.org/ns/org#")
MORI = URIRef(thing("person", "kenta-mori"))


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("posts")


@pytest.fixture(scope="module")
def policykg(home: Path) -> Run:
    # the newer release first: the order of the files says nothing about the posts' order
    return built(home, POSTS / "jp-uk-digital-dialogue-2025.txt",
                 POSTS / "jp-uk-digital-dialogue-2023.txt")


# The post claims with what their shapes look at: the people, the organisations, the
# evidence and its selectors, and the releases' type, text, title and date. (pySHACL over
# the whole store takes minutes; the build has checked the whole store with our checks.)
POST_CLAIMS = """CONSTRUCT { ?s ?p ?o } WHERE {
  { SELECT DISTINCT ?s WHERE {
      { ?s pk:postClaim [] } UNION { [] pk:postClaim ?s }
      UNION { [] pk:postClaim/(org:organization|prov:wasDerivedFrom) ?s }
      UNION { ?holder pk:postClaim [] ; pk:evidence ?s }
      UNION { [] pk:postClaim/pk:evidence ?s }
      UNION { ?holder pk:postClaim [] ; pk:evidence/oa:hasSelector ?s }
      UNION { [] pk:postClaim/pk:evidence/oa:hasSelector ?s } } }
  ?s ?p ?o
  FILTER NOT EXISTS { ?s a pk:Release .
                      FILTER (?p NOT IN (rdf:type, pk:text, dcterms:title, dcterms:issued)) } }"""


@pytest.fixture(scope="module")
def data(policykg: Run) -> Graph:
    dumped = policykg("query", POST_CLAIMS, "--format", "nt")
    return Graph().parse(data=dumped.stdout, format="nt")


def test_a_person_who_changed_post_has_both_posts_in_date_order(policykg: Run) -> None:
    found = [(r["post"], r["organisation"], r["asOf"], r["release"])
             for r in rows(policykg, "18-posts-held") if r["name"] == "Kenta Mori"]
    assert found == [
        ("Director-General, Global Strategy Bureau", thing("actor", "mic"), "2023-05-22",
         thing("release", OLD)),
        ("Vice-Minister for Policy Coordination", thing("actor", "mic"), "2025-06-04",
         thing("release", NEW))]
    quotes = [r["quote"] for r in rows(policykg, "18-posts-held") if r["name"] == "Kenta Mori"]
    assert quotes[0].startswith("Mr. Kenta Mori, Director-General, Global Strategy Bureau")
    assert quotes[1].startswith("Mr. Kenta Mori, Vice-Minister for Policy Coordination")


def test_a_post_held_in_both_years_is_claimed_by_each_release(policykg: Run) -> None:
    found = [(r["post"], r["organisationLabel"], r["asOf"])
             for r in rows(policykg, "18-posts-held") if r["name"] == "Fiona Hale"]
    post = ("Director for Digital Infrastructure",
            "Department for Science, Innovation and Technology")
    assert found == [(*post, "2023-05-22"), (*post, "2025-06-04")]


def test_the_latest_post_is_derived_by_query(policykg: Run) -> None:
    found = rows(policykg, """SELECT DISTINCT ?post ?asOf WHERE {
          ?person rdfs:label "Kenta Mori"@en ; pk:postClaim ?claim .
          ?claim pk:postTitle ?post ; pk:asOf ?asOf .
          FILTER NOT EXISTS { ?person pk:postClaim/pk:asOf ?later . FILTER (?later > ?asOf) }
        }""")
    assert found == [{"post": "Vice-Minister for Policy Coordination", "asOf": "2025-06-04"}]


def test_no_undated_post_is_asserted(policykg: Run) -> None:
    # No person has a job title or a membership of their own; every post claim is of the
    # person whose pk:postClaim points to it, and that person is its org:member.
    (answer,) = rows(policykg, """ASK { { ?p schema:jobTitle ?t } UNION { ?p org:memberOf ?o }
              UNION { ?c a pk:PostClaim . FILTER NOT EXISTS { ?p pk:postClaim ?c } }
              UNION { ?p pk:postClaim ?c . FILTER NOT EXISTS { ?c org:member ?p } }
              UNION { ?p pk:postClaim ?c . ?c org:member ?q . FILTER (?p != ?q) } }""")
    assert answer == {"boolean": "false"}
    (count,) = rows(policykg, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a pk:PostClaim }")
    assert count == {"n": "4"}


def test_posts_of_both_years_are_consistent_under_owl_rl(policykg: Run) -> None:
    dumped = policykg("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "--format", "nt")
    graph = Graph().parse(data=dumped.stdout, format="nt")
    assert (PK.PostClaim, None, None) in graph  # the ontology is in the union
    assert owl_rl_errors(graph) == []
    claim = next(graph.objects(MORI, PK.postClaim))
    graph.add((claim, RDF.type, PK.Person))
    assert owl_rl_errors(graph)  # a claim is no actor


def test_the_person_page_shows_each_post_as_of_its_date(policykg: Run, home: Path,
                                                        tmp_path: Path) -> None:
    with serving(home / "data" / "policykg" / "store", tmp_path) as endpoint:
        page = requests.get(endpoint.url.removesuffix("/sparql") + "/id/person/kenta-mori",
                            headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    for post, date in (("Director-General, Global Strategy Bureau", "2023-05-22"),
                       ("Vice-Minister for Policy Coordination", "2025-06-04")):
        assert (f"Kenta Mori: {post}, Ministry of Internal Affairs and Communications, "
                f"as of {date}") in page.text


# --------------------------------------------------------------------------------------
# The post-claim shapes: each wrong post claim of the built data is refused, by pySHACL
# and by our SPARQL checks alike
# --------------------------------------------------------------------------------------

Change = Callable[[Graph, URIRef], None]


def _drop(p: URIRef) -> Change:
    def change(g: Graph, claim: URIRef) -> None:
        assert (claim, p, None) in g
        g.remove((claim, p, None))
    return change


def _add(p: URIRef, o) -> Change:
    return lambda g, claim: g.add((claim, p, o))


MIC = URIRef(thing("actor", "mic"))
CASES: dict[str, tuple[Change, str]] = {
    "post claim without a date": (
        _drop(PK.asOf),
        "A claim needs exactly one pk:asOf, an xsd:date (the date it holds as of)."),
    "post claim without evidence": (
        _drop(PK.evidence),
        "A claim needs at least one pk:evidence, each a text span that conforms to the "
        "evidence shape."),
    "post claim without a member": (
        _drop(ORG.member),
        "A post claim needs exactly one org:member, the pk:Person who held the post."),
    "post claim whose member is an organisation": (
        lambda g, claim: g.set((claim, ORG.member, MIC)),
        "A post claim needs exactly one org:member, the pk:Person who held the post."),
    "post title without a language": (
        lambda g, claim: g.set((claim, PK.postTitle, Literal("Director-General"))),
        "A post claim has at most one pk:postTitle, a string with a language tag."),
    "post claim of no post": (
        lambda g, claim: (g.remove((claim, PK.postTitle, None)),
                          g.remove((claim, ORG.organization, None))),
        "A post claim does not conform to the policykg post-claim shape."),
    "post claim about no one": (
        lambda g, claim: g.remove((None, PK.postClaim, claim)),
        "A claim is about exactly one thing, the subject of its pk:statusClaim, "
        "pk:entryIntoForceClaim, pk:scheduleClaim or pk:postClaim link."),
}


def _claim_of_2023(data: Graph) -> URIRef:
    (claim,) = [c for c in data.objects(MORI, PK.postClaim)
                if str(data.value(c, PK.asOf)) == "2023-05-22"]
    return claim


@pytest.mark.parametrize("case", list(CASES))
def test_post_claim_shapes_reject(case: str, data: Graph) -> None:
    change, message = CASES[case]
    wrong = Graph()
    for triple in data:
        wrong.add(triple)
    claim = _claim_of_2023(wrong)
    change(wrong, claim)
    assert_rejected_by_both(wrong, claim, message, BASE)


def test_only_a_person_holds_a_post(data: Graph) -> None:
    wrong = Graph()
    for triple in data:
        wrong.add(triple)
    wrong.add((MIC, PK.postClaim, _claim_of_2023(wrong)))
    assert_rejected_by_both(wrong, MIC, "Only a pk:Person holds a post (pk:postClaim).", BASE)
