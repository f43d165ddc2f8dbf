"""Pages for readers (#14), over HTTP against the session's `policykg serve` (bundled and
fixture releases): bookkeeping kept in a collapsed "RDF details" section, each alias and
each sentence once, what an actor said apart from what mentions it, a topic's statements
by side, a real 404 page for browsers (and text for machines), and counts on the home and
ontology pages equal to SPARQL COUNTs over the same store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.query import run
from graph.store import open_store
from tests.conftest import BASE
from tests.test_pages import get, text_of

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PREFIXES = """PREFIX pk: <https://w3id.org/policykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
EU = "https://kg.test/id/actor/eu"
RELEASE = "2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"
STATEMENT = RELEASE + "-20"  # "Japan explained …": attribution text "Japan"
EVIDENCE = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX series: <https://kg.test/id/series/>
"""


@pytest.fixture(scope="module")
def site(endpoint) -> str:
    return endpoint.url.removesuffix("/sparql")


@pytest.fixture(scope="module")
def count(endpoint):
    """SELECT (COUNT(…) AS ?n) over the store the server serves, opened read-only beside it
    (not through the endpoint, whose admission control may turn a query away under load)."""
    store = open_store(endpoint.store)

    def ask(where: str) -> int:
        return int(next(iter(run(store, PREFIXES + where, BASE)))["n"].value)

    return ask


def parts(html: str) -> tuple[str, str]:
    """(what a reader sees at once, the collapsed RDF details) of an entity page."""
    start = html.index('<details class="rdf-details">')
    end = html.index("</details>", start)
    return html[:start] + html[end:], html[start:end]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


# ------------------------------------------------------------------ what a reader sees


@pytest.mark.parametrize("path, hidden", [
    ("/page/actor/eu", ["curation", "has body (Web Annotation)", "rdf:object",
                        "same as (schema.org)", "alternative label"]),
    ("/page/topic/cybersecurity", ["curation", "has close match", "has body", "is in scheme",
                                   "is top concept in scheme"]),
    (f"/page/statement/{STATEMENT}", ["attribution text"]),
])
def test_bookkeeping_is_kept_in_the_collapsed_rdf_details(site, path, hidden):
    page = get(site, path, "text/html")
    assert page.status_code == 200
    shown, details = parts(page.text)
    assert "<summary" in details and " open" not in details.split(">", 1)[0]
    for name in hidden:
        assert name not in text_of(shown), name
        assert name in text_of(details), name


def test_a_topic_s_definition_is_shown_once_under_its_name(site):
    shown, _ = parts(get(site, "/page/topic/cybersecurity", "text/html").text)
    definition = re.search(r'<p class="description">([^<]+)</p>', shown).group(1)
    assert text_of(shown).count(definition) == 1


def test_a_release_names_its_language(site):
    shown, _ = parts(get(site, f"/page/release/{RELEASE}", "text/html").text)
    facts = section(shown, "facts")
    row = re.search(r'<th scope="row">(?:(?!</tr>).)*?language(?:(?!</tr>).)*</tr>', facts,
                    re.S | re.I).group(0)
    assert "English" in text_of(row) and "id.loc.gov" not in text_of(row)
    assert 'href="http://id.loc.gov/vocabulary/iso639-1/en"' in row  # still the IRI, linked


def test_the_dataset_s_example_resources_are_bookkeeping(site, endpoint):
    examples = [row["x"].value for row in run(
        open_store(endpoint.store),
        "SELECT ?x WHERE { ?d <http://rdfs.org/ns/void#exampleResource> ?x }", BASE)]
    assert examples
    for iri in examples:
        shown, details = parts(get(site, "/page/" + iri.split("/id/", 1)[1], "text/html").text)
        assert "exampleResource" not in shown and "exampleResource" in details


def test_the_external_identifiers_are_still_links_under_elsewhere(site):
    shown, _ = parts(get(site, "/page/actor/eu", "text/html").text)
    assert 'href="http://www.wikidata.org/entity/Q458"' in section(shown, "elsewhere")


def test_aliases_are_shown_once_whatever_their_case(site):
    page = get(site, "/page/topic/cybersecurity", "text/html").text
    aka = re.search(r'<p class="aka">Also called: ([^<]*)</p>', page).group(1)
    names = aka.split(", ")
    folded = [n.casefold() for n in names]
    assert len(folded) == len(set(folded)), names
    assert "cybersecurity" not in folded  # the name itself is not an alias of it
    assert "cyber security" in folded


def test_an_actor_page_separates_what_it_said_from_what_mentions_it(site, count):
    html = get(site, "/page/actor/eu", "text/html").text
    made = count(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s pk:statedBy <{EU}> }}")
    others = count(f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        ?s ?p <{EU}> . ?p rdfs:domain pk:Statement
        FILTER NOT EXISTS {{ ?s pk:statedBy <{EU}> }} }}""")
    assert made > 0 and others > 0
    said, about = section(html, "said"), section(html, "about")
    assert f"({made} statements)" in text_of(said)
    assert f"({others} statements)" in text_of(about)
    assert "Statements that mention European Union" in text_of(about)
    # every statement listed under what the EU said names the EU among its speakers
    for item in said.split("<li>")[1:]:
        assert 'href="/page/actor/eu"' in item.split('class="quote"')[0]
    for item in about.split("<li>")[1:]:
        assert 'href="/page/actor/eu"' not in item.split('class="quote"')[0]


def test_a_topic_page_groups_its_statements_by_side(site):
    about = section(get(site, "/page/topic/cybersecurity", "text/html").text, "about")
    sides = re.findall(r'<h3 class="side">([^<]*) <span', about)
    assert len(sides) >= 2 and len(sides) == len(set(sides)), sides
    for block in re.split(r'<h3 class="side">', about)[1:]:
        side = block.split(" <span", 1)[0]
        for item in block.split("<li>")[1:]:
            meta = text_of(item.split('class="quote"')[0])
            speakers = meta.split(" · ")[0].strip()
            assert " and ".join(sorted(speakers.split(", "))) == side, (side, speakers)


def test_a_sentence_is_quoted_once_under_the_relations_it_states(site):
    stated = section(get(site, "/page/actor/eu", "text/html").text, "stated")
    quotes = re.findall(r'<blockquote class="quote"><p>“([^”]*)”', stated)
    assert quotes and len(quotes) == len(set(quotes)), quotes
    nis2 = next(q for q in quotes if "NIS2" in q)
    block = stated[:stated.index(nis2)].rsplit("<li>", 1)[1]
    assert block.count('class="meta"') >= 3  # NIS2, the CRA proposal, the SOC project
    # the series' name, quoted as the party of each of its meetings: once, and counted
    again = re.search(r"“Japan-EU ICT Policy Dialogue”.*?\(and (\d+) more times?\)", stated,
                      re.S)
    assert again and int(again.group(1)) >= 1
    assert stated.count("“Japan-EU ICT Policy Dialogue”") == 1


@pytest.fixture(scope="module")
def many(many_endpoint):
    """The store of many releases (conftest many_endpoint): its pages' address, and the
    store opened read-only beside the server to count what the pages should show."""
    return many_endpoint.url.removesuffix("/sparql"), open_store(many_endpoint.store)


def select(store, where: str) -> list[dict[str, str]]:
    return [{k: row[k].value for k in ("n", "date") if row[k] is not None}
            for row in run(store, PREFIXES + EVIDENCE + where, BASE)]


@pytest.mark.parametrize("path", ["/page/actor/eu", "/page/actor/japan",
                                  "/page/series/japan-eu-ict-policy-dialogue"])
def test_a_relation_many_releases_state_is_one_line_with_them_all(many, path):
    """A series' parties are stated by each edition's release, and Japan is a party to
    dozens of meetings: each relation is one line, whatever the releases stating it."""
    site, store = many
    stated = section(get(site, path, "text/html").text, "stated")
    lines = [text_of(item.split("</p>", 1)[0])
             for item in stated.split('<p class="meta">')[1:]]
    assert len(lines) == len(set(lines)), lines
    thing = f"<{BASE}id/{path.removeprefix('/page/')}>"
    total = int(select(store, f"""SELECT (COUNT(*) AS ?n) {{ SELECT DISTINCT ?s ?p ?o {{
        {{ ?f rdf:subject {thing} }} UNION {{ ?f rdf:object {thing} }}
        ?f rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }} }}""")[0]["n"])
    assert f"({total})" in text_of(stated.split("</h2>", 1)[0])
    assert len(lines) == min(total, 20)


def test_a_relation_shows_every_release_stating_it_dated_the_latest_first(many):
    site, store = many
    stated = section(get(site, "/page/actor/eu", "text/html").text, "stated")
    line = "Japan-EU ICT Policy Dialogue — party — European Union"
    item = next(i for i in stated.split('<p class="meta">')[1:]
                if text_of(i.split("</p>", 1)[0]) == line)
    asof = item.split('<div class="asof">', 1)[1].split("</div>", 1)[0]
    dates = [row["date"] for row in select(store, """SELECT DISTINCT ?date {
        ?f rdf:subject series:japan-eu-ict-policy-dialogue ; rdf:predicate pk:party ;
           rdf:object <""" + EU + """> ; pk:evidence/oa:hasSource ?release .
        ?release <http://purl.org/dc/terms/issued> ?date }""")]
    assert len(dates) >= 6  # the six editions' releases
    newest_first = sorted(dates, reverse=True)
    # the latest, then all of them ("as of <date>, per <release>"), the latest first
    assert re.findall(r"as of (\d{4}-\d{2}-\d{2}), per <a ", asof) == \
        [newest_first[0], *newest_first]
    assert f"per {len(dates)} releases, since {newest_first[-1]}" in text_of(asof)


def test_a_quote_counts_the_places_it_is_said_not_the_facts_resting_on_it(site, count):
    """A meeting's series is a party of two (Japan, the EU): two stated relations rest on
    one span of each release. The quote counts the places (one per release), not the
    relations."""
    stated = section(get(site, "/page/series/japan-eu-ict-policy-dialogue", "text/html").text,
                     "stated")
    again = re.search(r"“Japan-EU ICT Policy Dialogue”.*?\(and (\d+) more times?\)", stated,
                      re.S)
    places = count(EVIDENCE + """SELECT (COUNT(DISTINCT CONCAT(STR(?release), " ", STR(?start)))
                                                 AS ?n) {
        ?fact a rdf:Statement ; rdf:subject series:japan-eu-ict-policy-dialogue ;
              pk:evidence ?ev .
        ?ev oa:hasSource ?release ; oa:hasSelector ?q , ?p .
        ?q oa:exact "Japan-EU ICT Policy Dialogue" . ?p oa:start ?start }""")
    relations = count(EVIDENCE + """SELECT (COUNT(DISTINCT ?fact) AS ?n) {
        ?fact a rdf:Statement ; rdf:subject series:japan-eu-ict-policy-dialogue ;
              pk:evidence/oa:hasSelector/oa:exact "Japan-EU ICT Policy Dialogue" }""")
    assert relations > places > 1
    assert again and int(again.group(1)) == places - 1


def test_the_two_lists_of_statements_are_paged_apart(site, count):
    made = count(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s pk:statedBy <{EU}> }}")
    assert made > 20  # more than a page
    html = get(site, "/page/actor/eu?said=2", "text/html").text
    said = section(html, "said")
    assert '<ol class="said" start="21">' in said
    assert said.count('class="quote"') == made - 20
    assert section(html, "about").count('<ol class="said" start="1">') == 1
    assert get(site, "/page/actor/eu?about=0", "text/html").status_code == 400


# ------------------------------------------------------------------ 404


@pytest.mark.parametrize("path", ["/nope", "/page/unknown/", "/page/actor/japn",
                                  "/id/actor/unknown", "/id/unknown", "/data/actor/zz.ttl",
                                  "/statements/unknown", "/statements/x/y.csv"])
def test_an_unknown_path_is_a_404_page_for_a_browser(site, path):
    page = get(site, path, BROWSER)
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "<title>Not found · policykg</title>" in html
    assert 'role="search"' in html and 'class="bar"' in html  # the site's layout, searchable
    assert 'href="/"' in html


def test_the_404_page_suggests_what_the_path_was_near(site):
    html = get(site, "/page/actor/japn", BROWSER).text
    assert 'href="/page/actor/japan"' in html
    assert 'value="japn"' in html  # the search box holds the path's words


@pytest.mark.parametrize("accept", ["text/turtle", "application/json",
                                    "application/sparql-results+json", "*/*", None])
@pytest.mark.parametrize("path", ["/nope", "/id/actor/unknown", "/statements/unknown"])
def test_an_unknown_path_is_one_line_of_text_for_a_machine(site, path, accept):
    answer = get(site, path, accept)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text.startswith("404 Not Found: ") and answer.text.count("\n") == 1


# ------------------------------------------------------------------ true counts


def test_the_home_page_counts_are_the_store_s(site, count):
    text = " ".join(text_of(get(site, "/", "text/html").text).split())
    said = re.search(r"holds (\d+) releases? reporting (\d+) meetings?, with (\d+) statements? "
                     r"made by (\d+) actors?\. In all it describes (\d+) actors?, (\d+) "
                     r"initiatives? and (\d+) topics?\.", text)
    assert said, text[:600]
    expected = [
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pk:Release }",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pk:Meeting }",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pk:Statement }",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?s a pk:Statement ; pk:statedBy ?x }",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a/rdfs:subClassOf* pk:Actor }",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a/rdfs:subClassOf* pk:Initiative }",
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pk:Topic }",
    ]
    assert [int(n) for n in said.groups()] == [count(q) for q in expected]
    assert int(said.group(4)) < int(said.group(5))  # speakers are some of the actors


@pytest.mark.parametrize("term", ["Actor", "Initiative", "Statement", "Organisation",
                                  "Topic", "Meeting"])
def test_the_ontology_page_counts_a_class_with_its_sub_classes(site, count, term):
    html = get(site, "/ontology", "text/html").text
    start = html.index(f'<article class="term" id="{term}">')
    article = html[start:html.index("</article>", start)]
    shown = int(re.search(r"in the data</th><td>(\d+)</td>", article).group(1))
    assert shown == count("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE "
                                    f"{{ ?x a/rdfs:subClassOf* pk:{term} }}")
    if term == "Actor":
        assert shown > 0


# ------------------------------------------------------------------ the diagram without dot


@pytest.fixture(scope="module")
def site_without_dot(tmp_path_factory):
    """`policykg serve` where graphviz is not installed: a PATH of everything in /usr/bin
    but dot."""
    from graph import pipeline
    from graph.source import bundled_releases
    from tests.conftest import serving

    home = tmp_path_factory.mktemp("no-dot")
    tools = home / "bin"
    tools.mkdir()
    for program in Path("/usr/bin").iterdir():
        if program.name != "dot":
            (tools / program.name).symlink_to(program)
    store = home / "store"
    pipeline.build(bundled_releases(), store, BASE, dumps=False)
    with serving(store, home, environment={"PATH": str(tools)}) as served:
        yield served.url.removesuffix("/sparql")


def test_without_dot_the_neighbourhood_is_the_list(site_without_dot):
    html = get(site_without_dot, "/page/initiative/notice", "text/html").text
    around = html[html.index('<section aria-labelledby="around"'):]
    around = around[:around.index("</section>")]
    assert "<svg" not in around and "drawn" not in around.split(">", 1)[0]
    assert '<ul class="around-list">' in around
    assert 'href="/page/actor/nict"' in around and "implemented by" in around


def test_a_statement_page_shows_what_the_statement_says_to_a_reader(site):
    shown, details = parts(get(site, "/page/statement/2023-02-28-results-of-28th-japan-eu-"
                                     "ict-policy-dialogue-13", "text/html").text)
    facts = text_of(section(shown, "facts"))
    for name in ("stated by", "mentions", "on topic", "speech act", "made at"):
        assert name in facts, name
    assert "What the releases say" in text_of(section(shown, "about"))
    assert "in statement" in text_of(details)  # its mentions' bookkeeping
