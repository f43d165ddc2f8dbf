"""Dereferencing and the linked-data pages, as clients meet them: HTTP against a running
`policykg serve` (the session fixture `endpoint`), the RDF parsed with rdflib and checked
against what the store holds."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import rdflib
import requests
from pyoxigraph import Literal, NamedNode

from graph.iris import OA, RDF, RDFS, SKOS
from graph.store import open_store
from ontology import ONTOLOGY_IRI, PK, VERSION_IRI
from tests.conftest import BASE
from tests.engines import endpoint_in_every_mode

endpoint = endpoint_in_every_mode()  # the same tests from the store and from an engine

RELEASE = "release/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"
MEETING = "meeting/japan-eu-ict-policy-dialogue-28"
STATEMENT = "statement/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue-13"
ENTITIES = ["actor/japan", "actor/nict", "initiative/notice", "initiative/nis2-directive",
            "topic/cybersecurity", MEETING, RELEASE, STATEMENT, "place/brussels",
            "series/japan-eu-ict-policy-dialogue"]
FORMATS = {  # Accept → (extension, rdflib parser)
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/rdf+xml": ("rdf", "xml"),
}


@pytest.fixture(scope="module")
def site(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


@pytest.fixture(scope="module")
def store(endpoint):
    return open_store(endpoint.store)


def get(site: str, path: str, accept: str | None = None, headers: dict | None = None,
        **kwargs) -> requests.Response:
    sent = {**({"Accept": accept} if accept else {}), **(headers or {})}
    return requests.get(site + path, headers=sent, allow_redirects=False, timeout=30,
                        **kwargs)


def text_of(html: str) -> str:
    """What a reader sees: the page's text without tags, scripts or styles."""
    parts: list[str] = []

    class Text(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.skip:
                parts.append(data)

    Text().feed(html)
    return "".join(parts)


# ------------------------------------------------------------------ dereferencing


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("accept, target", [
    ("text/html", "/page/{}"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/{}"),
    ("*/*", "/page/{}"),
    (None, "/page/{}"),
    ("text/turtle", "/data/{}.ttl"),
    ("application/n-triples", "/data/{}.nt"),
    ("application/ld+json", "/data/{}.jsonld"),
    ("application/rdf+xml", "/data/{}.rdf"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9, text/html;q=0.1", "/data/{}.jsonld"),
    ("text/html;q=0.2, application/n-triples", "/data/{}.nt"),
    ("application/rdf+xml;q=0.3, text/html;q=0.8", "/page/{}"),
])
def test_an_iri_answers_303_to_what_the_client_accepts(site, entity, accept, target):
    response = get(site, f"/id/{entity}", accept)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(target.format(entity))
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert f"/data/{entity}.{ext}>" in link
    assert f"/page/{entity}>" in link


def test_an_iri_answers_406_when_nothing_offered_is_acceptable(site):
    response = get(site, "/id/actor/japan", "image/png")
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_following_the_redirect_gives_the_page_and_the_data(site):
    page = requests.get(f"{site}/id/actor/japan", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    data = requests.get(f"{site}/id/actor/japan", headers={"Accept": "text/turtle"},
                        timeout=30)
    assert data.headers["Content-Type"].startswith("text/turtle")
    assert rdflib.Graph().parse(data=data.text, format="turtle")


def _store_triples(store, node: NamedNode, incoming: bool = True) -> set[tuple]:
    """The entity's triples in the store (all graphs), as rdflib terms."""
    found = set()
    quads = list(store.quads_for_pattern(node, None, None))
    if incoming:
        quads += list(store.quads_for_pattern(None, None, node))
    for q in quads:
        found.add(tuple(_rdflib(t) for t in (q.subject, q.predicate, q.object)))
    return found


def _rdflib(term):
    if isinstance(term, Literal):
        return rdflib.Literal(term.value, lang=term.language,
                              datatype=None if term.language else
                              rdflib.URIRef(term.datatype.value))
    return rdflib.URIRef(term.value)


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("accept", list(FORMATS))
def test_the_description_parses_and_holds_the_entity_s_triples(site, store, entity, accept):
    extension, parser = FORMATS[accept]
    response = get(site, f"/data/{entity}.{extension}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=response.content, format=parser)
    node = NamedNode(BASE + "id/" + entity)
    expected = _store_triples(store, node)
    got = set(graph)
    missing = {t for t in expected if t not in got}
    # JSON-LD and RDF/XML carry the same literals; compare lexical forms if typed
    # literals normalise differently in a parser
    missing = {t for t in missing
               if not any(str(g[2]) == str(t[2]) and g[:2] == t[:2] for g in got)}
    assert not missing, f"{len(missing)} of the store's triples missing: {list(missing)[:3]}"


def test_the_description_names_the_neighbours_and_quotes_the_evidence(site, store):
    graph = rdflib.Graph().parse(data=get(site, "/data/actor/nict.ttl").text, format="turtle")
    notice = rdflib.URIRef(BASE + "id/initiative/notice")
    assert (notice, rdflib.URIRef(PK + "implementedBy"),
            rdflib.URIRef(BASE + "id/actor/nict")) in graph
    assert str(graph.value(notice, rdflib.RDFS.label)) == "NOTICE"
    quotes = {str(o) for o in graph.objects(None, rdflib.URIRef(OA + "exact"))}
    assert any("NOTICE project being implemented by NICT" in q for q in quotes)


def test_unknown_iris_are_404_pages_with_suggestions(site):
    response = get(site, "/id/actor/cybersecurity-agency-of-nowhere", "text/html")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'href="/page/topic/cybersecurity"' in response.text
    for path in ("/page/initiative/no-such-thing", "/data/actor/nobody.ttl",
                 "/page/nokind/", "/data/actor/japan.png"):
        assert get(site, path).status_code == 404, path


# ------------------------------------------------------------------ pages


def test_an_entity_page_shows_labels_not_raw_iris(site):
    html = get(site, "/page/initiative/notice").text
    shown = text_of(html)
    assert "NOTICE" in shown
    assert "implemented by" in shown  # pk:implementedBy's label
    assert "ontology#" not in shown and PK not in shown
    assert 'href="/page/actor/nict"' in html  # values link to their pages
    assert 'href="/ontology#implementedBy"' in html  # properties to their documentation
    assert 'href="https://w3id.org' not in html  # here, not to w3id.org: pages work offline


def test_an_entity_page_quotes_its_evidence_with_speaker_topic_and_meeting(site):
    html = get(site, "/page/actor/nict").text
    shown = text_of(html)
    assert "“Japan introduced the NOTICE project being implemented by NICT”" in shown
    link = re.search(rf'href="(/page/{RELEASE}#t-(\d+)-(\d+))"', html)
    assert link, "the quote links into the annotated release"
    release = get(site, link.group(1).split("#")[0]).text
    assert f'id="t-{link.group(2)}-{link.group(3)}"' in release
    for target in ("/page/actor/japan", "/page/topic/cybersecurity", f"/page/{MEETING}"):
        assert f'href="{target}"' in html


def test_external_identifiers_are_links(site):
    html = get(site, "/page/actor/japan").text
    assert 'href="http://www.wikidata.org/entity/Q17"' in html
    html = get(site, "/page/initiative/nis2-directive").text
    assert 'href="http://data.europa.eu/eli/dir/2022/2555/oj"' in html


def test_literals_show_language_and_datatype(site):
    html = get(site, f"/page/{MEETING}").text
    assert re.search(r"2023-02-24<span class=\"dt\"[^>]*>xsd:date</span>", html)
    nict = get(site, "/page/actor/nict").text
    assert '<span lang="en">NICT</span><span class="lang" title="language">@en</span>' in nict


def test_the_page_embeds_the_entity_s_json_ld(site):
    html = get(site, "/page/initiative/notice").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    graph = rdflib.Graph().parse(data=block.group(1), format="json-ld")
    notice = rdflib.URIRef(BASE + "id/initiative/notice")
    assert (notice, rdflib.URIRef(PK + "implementedBy"),
            rdflib.URIRef(BASE + "id/actor/nict")) in graph


def test_the_page_links_its_alternates_and_the_workbench(site):
    html = get(site, "/page/actor/japan").text
    link = get(site, "/page/actor/japan").headers["Link"]
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="/data/actor/japan.{ext}"' in html
        assert f"</data/actor/japan.{ext}>" in link
    assert 'href="/sparql?query=DESCRIBE+%3Chttps://kg.test/id/actor/japan%3E"' in html


def test_the_neighbourhood_diagram_is_inline_svg_with_links(site):
    html = get(site, "/page/initiative/notice").text
    svg = re.search(r"<svg [^>]*class=\"neighbourhood\".*?</svg>", html, re.S).group(0)
    assert 'xlink:href="/page/actor/nict"' in svg and "implemented by" in svg


def test_many_incoming_links_are_paged(site, store):
    japan = NamedNode(BASE + "id/actor/japan")
    stated = NamedNode(PK + "statedBy")
    total = len({q.subject for q in store.quads_for_pattern(None, stated, japan)})
    assert total > 12  # more than a page shows
    html = get(site, "/page/actor/japan").text
    more = re.search(r'href="(/page/actor/japan\?rel=[^"]+)">all (\d+)', html)
    assert more and int(more.group(2)) == total
    listing = get(site, more.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'<li><a href="/page/statement/', listing)) == total


def test_the_meeting_page_has_its_agenda_in_order_and_statements_per_topic(site, store):
    html = get(site, f"/page/{MEETING}").text
    agenda = re.search(r'<h2 id="agenda">.*?</ol>', html, re.S).group(0)
    topics = re.findall(r'href="/page/topic/([^"]+)"', agenda)
    assert topics == ["smart-cities", "5g-and-beyond-5g", "cybersecurity",
                      "safe-and-fair-online-environment", "ai"][:len(topics)]
    assert len(topics) == 5
    shown = text_of(html)
    assert "What was said, by agenda topic" in shown
    assert "2023-02-24" in shown and "Brussels" in shown


def test_the_release_view_is_the_text_with_statements_and_mentions(site, store):
    html = get(site, f"/page/{RELEASE}").text
    body = re.search(r'<div class="release-text">(.*?)</div>', html, re.S).group(1)
    node = NamedNode(BASE + "id/" + RELEASE)
    text = next(store.quads_for_pattern(node, NamedNode(PK + "text"), None)).object.value
    without_numbers = re.sub(r"<sup>.*?</sup>", "", body)
    assert text_of(without_numbers) == text  # the whole text, nothing added or lost
    kinds = [NamedNode(PK + "Statement"), NamedNode(PK + "ReleaseStatement")]
    statements = {q.subject for kind in kinds  # the release's own words are linked too
                  for q in store.quads_for_pattern(None, NamedNode(RDF + "type"), kind)
                  if RELEASE.split("/")[1] in q.subject.value}
    assert len(re.findall(r"<sup><a href=\"/page/statement/", body)) == len(statements)
    assert '<a href="/page/initiative/notice"' in body
    assert "<mark" in body


@pytest.mark.parametrize("kind, member", [
    ("actor", "actor/japan"), ("initiative", "initiative/notice"),
    ("topic", "topic/cybersecurity"), ("meeting", MEETING), ("release", RELEASE)])
def test_index_pages_list_every_thing_of_a_kind_with_counts(site, kind, member):
    response = get(site, f"/page/{kind}/")
    assert response.status_code == 200
    assert f'href="/page/{member}"' in response.text
    assert re.search(r'<h1>.*\((\d+)\)', response.text)
    assert get(site, f"/id/{kind}/").headers["Location"].endswith(f"/page/{kind}/")


@pytest.mark.parametrize(("kind", "said"), [("release", False), ("series", False),
                                             ("actor", True), ("topic", True)])
def test_an_index_has_no_statements_column_that_is_0_on_every_row(site, kind, said):
    """Statements reach releases (their evidence) and series (their meetings) by no link of
    their own: a column of zeros would say nothing was said; it is left out."""
    html = get(site, f"/page/{kind}/").text
    counts = [int(n) for n in re.findall(r'<td class="n">(\d+)</td>', html)]
    shown = '<th scope="col" class="n">statements</th>' in html
    assert shown == said, kind
    assert ("the most discussed first" in html) == said
    if said:
        assert any(counts)
    else:
        assert counts == [] and "in the graph, by name." in text_of(html)


def test_the_home_page_reaches_every_index(site):
    html = get(site, "/").text
    for kind in ("actor", "initiative", "topic", "meeting"):
        assert f'href="/page/{kind}/"' in html
    assert 'href="/statements"' in html and 'href="/page/statement/"' not in html


def test_the_statements_index_is_the_statements_table(site):
    """/page/statement/ (and the kind's IRI) lead to /statements, whose columns say who said
    what, with which act, on which topic; the bar on every page leads there too."""
    for path in ("/page/statement/", "/page/statement/?kind=ReleaseStatement&page=2"):
        moved = get(site, path, accept="text/html")
        assert moved.status_code == 301, path
        assert moved.headers["Location"] == "/statements", path
    seen = get(site, "/id/statement/", accept="text/html")
    assert seen.status_code == 303 and seen.headers["Location"] == "/statements"
    table = requests.get(site + "/page/statement/", timeout=30)
    assert table.url == site + "/statements" and table.status_code == 200
    columns = re.findall(r'<th scope="col"[^>]*>(?:<a [^>]*>)?([A-Z][a-z ]+)', table.text)
    assert {"Speaker", "Act", "Topic", "What was said"} <= set(columns), columns
    for path in ("/", "/page/actor/eu", "/page/meeting/", "/search?q=cyber", "/sparql"):
        bar = get(site, path, accept="text/html").text.split('<nav aria-label="Browse">')[1]
        assert '<li><a href="/statements">Statements</a></li>' in bar.split("</nav>")[0], path


# ------------------------------------------------------------------ search


def test_search_ranks_exact_then_prefix_then_contains(site):
    results = get(site, "/search.json", params={"q": "cybersecurity"}).json()["results"]
    labels = [r["label"] for r in results]
    assert labels[0] == "Cybersecurity"
    prefix = labels.index("Cybersecurity human resource development initiatives")
    contains = labels.index("ICT Cybersecurity Comprehensive Measures 2022")
    assert 0 < prefix < contains
    assert results[0]["href"] == "/page/topic/cybersecurity"
    assert results[0]["iri"] == BASE + "id/topic/cybersecurity"


def test_search_finds_things_by_alias(site):
    results = get(site, "/search.json", params={"q": "NICT"}).json()["results"]
    assert results[0]["label"] == "National Institute of Information and Communications " \
                                  "Technology"
    assert results[0]["matched"] == "NICT"


def test_the_search_page_works_without_javascript(site):
    html = get(site, "/search", params={"q": "directive"}).text
    assert 'href="/page/initiative/nis2-directive"' in html
    assert "Nothing is called" in get(site, "/search", params={"q": "zzzqqq"}).text


def test_search_limits_are_bounded(site):
    assert len(get(site, "/search.json", params={"q": "a", "limit": "1000"})
               .json()["results"]) <= 50
    assert get(site, "/search.json", params={"q": ""}).json()["results"] == []


# ------------------------------------------------------------------ ontology


def test_the_ontology_documents_every_term(site, store):
    response = get(site, "/ontology", "text/html")
    assert response.status_code == 200 and "Accept" in response.headers["Vary"]
    html = response.text
    graph = NamedNode(BASE + "graph/ontology")
    ours = {q.subject.value for q in store.quads_for_pattern(None, None, None, graph)
            if q.subject.value.startswith(PK)}
    assert len(ours) > 40
    assert ONTOLOGY_IRI in text_of(html) and PK in text_of(html)  # the stable IRIs shown
    for iri in ours:
        assert f'id="{iri[len(PK):]}"' in html, iri
    actor = re.search(r'<article class="term" id="Actor">.*?</article>', html, re.S).group(0)
    assert "Agent" in actor  # its super-classes, by label
    stated = re.search(r'<article class="term" id="statedBy">.*?</article>', html, re.S).group(0)
    assert "domain" in stated and 'href="/ontology#Statement"' in stated


def test_the_ontology_is_turtle_for_machines_and_terms_dereference(site, store):
    response = get(site, "/ontology", "text/turtle")
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert response.headers["Content-Location"].endswith("/ontology.ttl")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (rdflib.URIRef(PK + "Actor"), rdflib.RDFS.label, None) in graph
    # The stable IRIs, not the deployment's base: the ontology, its version, its namespace.
    onto = rdflib.URIRef(ONTOLOGY_IRI)
    assert set(graph.subjects(rdflib.RDF.type, rdflib.OWL.Ontology)) == {
        onto, rdflib.URIRef(ONTOLOGY_IRI + "/alignments")}
    assert graph.value(onto, rdflib.OWL.versionIRI) == rdflib.URIRef(VERSION_IRI)
    assert str(graph.value(onto, rdflib.URIRef("http://purl.org/vocab/vann/"
                                               "preferredNamespaceUri"))) == PK
    assert not [n for n in graph.all_nodes() if str(n).startswith(BASE + "ontology")]
    # The version IRI and the alignment module (w3id.org/policykg/ontology/…) answer here
    # at /ontology/…, where w3id.org would send a client; an unknown version does not.
    for module in (VERSION_IRI, ONTOLOGY_IRI + "/alignments"):
        answer = get(site, "/ontology" + module.removeprefix(ONTOLOGY_IRI), "text/turtle")
        assert answer.status_code == 200, module
        described = rdflib.Graph().parse(data=answer.text, format="turtle")
        assert rdflib.URIRef(module) in set(described.all_nodes())
    assert get(site, "/ontology/0.1.0", "text/turtle").status_code == 404
    for ext in ("ttl", "nt", "jsonld", "rdf", "html"):
        assert get(site, f"/ontology.{ext}").status_code == 200


# ------------------------------------------------------------------ every link resolves


def test_every_thing_is_a_few_clicks_from_the_home_page_and_no_link_is_broken(site, store):
    """Following links from the home page (three clicks deep) reaches every actor,
    initiative, topic, meeting and statement, and no link of ours on the way is broken."""
    seen: set[str] = set()
    frontier = ["/"]
    for _ in range(3):
        following = []
        for path in frontier:
            response = get(site, path)
            assert response.status_code == 200, path
            if not response.headers["Content-Type"].startswith("text/html"):
                continue
            for href in re.findall(r'href="(/(?:page|ontology|search)[^"#]*)', response.text):
                href = href.replace("&amp;", "&")
                if href not in seen:
                    seen.add(href)
                    following.append(href)
        frontier = following
    for cls in ("Actor", "Initiative", "Topic", "Meeting", "Statement"):
        kinds, frontier = set(), {NamedNode(PK + cls)}
        while frontier:  # the class and all its sub-classes
            kinds |= frontier
            frontier = {q.subject for k in frontier for q in store.quads_for_pattern(
                None, NamedNode(RDFS + "subClassOf"), k)} - kinds
        things = {q.subject.value for k in kinds
                  for q in store.quads_for_pattern(None, NamedNode(RDF + "type"), k)}
        assert things
        missing = {t for t in things if "/page/" + t[len(BASE) + 3:] not in seen}
        assert not missing, f"{len(missing)} of {len(things)} {cls} not reached: {missing}"


def test_search_json_is_json_whatever_the_label(site):
    response = get(site, "/search.json", params={"q": "<script>"})
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(response.text)["results"] == []


def test_statement_pages_link_back_to_the_sentence(site):
    html = get(site, f"/page/{STATEMENT}").text
    assert re.search(rf'href="/page/{RELEASE}#t-\d+-\d+"', html)
    assert urljoin(site, f"/page/{RELEASE}")
    assert f"{RDFS}label" not in text_of(html) and f"{SKOS}prefLabel" not in text_of(html)


def _our_paths(store) -> set[str]:
    """The path on this server of every IRI of ours the store uses (subjects, objects,
    graph names), without fragments: what a client would ask the server for. IRIs under
    the base are at their path after it; the ontology's w3id.org IRIs (its terms, its
    version, its module) at /ontology…, where w3id.org sends a client."""
    found = set()
    for quad in store.quads_for_pattern(None, None, None):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            value = getattr(term, "value", "").split("#")[0] if isinstance(term, NamedNode) \
                else ""
            if value.startswith(BASE):
                found.add("/" + value[len(BASE):])
            elif value == ONTOLOGY_IRI or value.startswith(ONTOLOGY_IRI + "/"):
                found.add("/ontology" + value[len(ONTOLOGY_IRI):])
    return found


def test_every_iri_of_ours_resolves_for_people_and_machines(site, store):
    paths = _our_paths(store)
    kinds = {path.split("/")[1] for path in paths}
    assert {"id", "ontology", "graph", "dataset"} <= kinds
    assert {"/ontology", "/ontology/0.2", "/ontology/alignments"} <= paths
    session = requests.Session()
    for path in sorted(paths):
        page = session.get(site + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200, path
        if not path.startswith("/dumps/"):  # dump files are downloads, in their own type
            assert page.headers["Content-Type"].startswith("text/html"), path
    for path in sorted(p for p in paths if not p.startswith(("/id/", "/dumps/"))
                       or p.endswith("japan")):
        data = session.get(site + path, headers={"Accept": "text/turtle"}, timeout=30)
        assert data.status_code == 200, path
        assert data.headers["Content-Type"].startswith("text/turtle"), path
        rdflib.Graph().parse(data=data.text, format="turtle")


def test_a_named_graph_gives_its_triples(site, store):
    graph = NamedNode(BASE + "graph/release/2023-02-28-results-of-28th-japan-eu-ict-policy-"
                             "dialogue")
    expected = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
    response = get(site, "/graph/" + graph.value[len(BASE) + len("graph/"):],
                   "application/n-triples")
    assert len(rdflib.Graph().parse(data=response.text, format="nt")) == expected
    lexicon = NamedNode(BASE + "graph/lexicon")
    count = sum(1 for _ in store.quads_for_pattern(None, None, None, lexicon))
    assert f"holding {count} triples" in get(site, "/graph/lexicon", "text/html").text


@pytest.mark.parametrize("path", [
    "/page/evidence/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue-771-864",
    "/page/mention/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue-021"])
def test_spans_and_mentions_show_the_text_they_rest_on(site, store, path):
    html = get(site, path).text
    section = re.search(r'<h2 id="rests-on">.*?</section>', html, re.S).group(0)
    node = NamedNode(BASE + "id/" + path.removeprefix("/page/"))
    evidence = node if "/evidence/" in path else next(
        store.quads_for_pattern(node, NamedNode(OA + "hasTarget"), None)).object
    exact = next(q.object.value for q in store.quads_for_pattern(
        NamedNode(evidence.value + "#quote"), NamedNode(OA + "exact"), None))
    assert f"“{exact}”" in text_of(section)


def test_pages_revalidate_with_etags(site):
    first = get(site, "/page/actor/japan")
    etag = first.headers["ETag"]
    again = get(site, "/page/actor/japan", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    other = get(site, "/page/actor/eu", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    cached = get(site, "/page/actor/japan")  # a worker's cache, or a fresh rendering
    assert cached.text == first.text and cached.headers["Content-Type"] == \
        first.headers["Content-Type"]
    turtle = get(site, "/data/actor/japan.ttl")
    assert turtle.headers["ETag"] != etag


def test_the_release_text_is_shown_once_annotated(site):
    html = get(site, f"/page/{RELEASE}").text
    facts = re.search(r'<h2 id="facts">.*?</section>', html, re.S).group(0)
    assert "/ontology#text" not in facts
    assert text_of(html).count("This policy dialogue aims to deepen the mutual "
                               "understanding") == 1


def test_rdflib_dereferences_an_iri_as_a_linked_data_client(site):
    """rdflib fetching a URL asks for RDF by Accept and follows the 303, as linked-data
    clients do."""
    graph = rdflib.Graph()
    graph.parse(site + "/id/initiative/notice")
    notice = rdflib.URIRef(BASE + "id/initiative/notice")
    assert (notice, rdflib.URIRef(PK + "implementedBy"),
            rdflib.URIRef(BASE + "id/actor/nict")) in graph
    ontology = rdflib.Graph().parse(site + "/ontology")
    assert (rdflib.URIRef(PK + "Statement"), rdflib.RDF.type, rdflib.OWL.Class) in ontology


def test_a_description_pages_the_links_into_its_thing(endpoint, monkeypatch):
    """With a cap of 5 links a page, Japan's links come over several pages that together
    hold every one, each naming the next."""
    from server import create_app, describe

    monkeypatch.setattr(describe, "INCOMING_CAP", 5)
    client = create_app({"store": str(endpoint.store)}).test_client()
    japan = rdflib.URIRef(BASE + "id/actor/japan")
    seen, path, pages = set(), "/data/actor/japan.nt", 0
    while path:
        response = client.get(path)
        assert response.status_code == 200
        graph = rdflib.Graph().parse(data=response.data, format="nt")
        links = {(s, p) for s, p, _ in graph.triples((None, None, japan))}
        # the first page also has the links of the stated relations it gives evidence for
        assert len(links) > 0 and (pages == 0 or len(links) <= 5)
        seen |= links
        pages += 1
        following = re.search(r'<([^>]+)>; rel="next"', response.headers["Link"])
        path = following.group(1) if following else None
    store = open_store(endpoint.store)
    expected = {(rdflib.URIRef(q.subject.value), rdflib.URIRef(q.predicate.value))
                for q in store.quads_for_pattern(None, None, NamedNode(japan))}
    assert seen == expected and pages == -(-len(expected) // 5)
    assert client.get(f"/data/actor/japan.nt?page={pages + 1}").status_code == 404
