"""Series over time and claims with their date (#14), over HTTP against `policykg serve`,
each answer checked against SPARQL over the same store (its /sparql endpoint): on the
bundled release alone, and on a store of many releases (the bundled 28th Japan-EU ICT
Policy Dialogue, the fixture editions 27, 29, 31 and two meetings of one release, the
25th of 2019 from the genre fixtures, and the dated and posts fixtures of 2023 and 2025,
whose claims change between the years)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

import ontology
from graph import pipeline
from graph.source import bundled_releases
from tests.conftest import BASE, ROOT, fixture_releases, policykg_command, serving
from tests.test_statements_table import Page

FIXTURES = ROOT / "tests" / "fixtures"
MANY = [*fixture_releases(), FIXTURES / "genre" / "eu-policy-dialogue-2019-met.txt",
        *sorted((FIXTURES / "dated").glob("*.txt")), *sorted((FIXTURES / "posts").glob("*.txt"))]
SERIES = f"{BASE}id/series/japan-eu-ict-policy-dialogue"
EU = f"{BASE}id/actor/eu"
PREFIXES = f"""PREFIX pk: <{ontology.PK}>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@pytest.fixture(scope="module", params=["bundled", "many"])
def site(request, tmp_path_factory) -> str:
    """A store served: the bundled release with its pages rendered ahead by `policykg
    pages` (the pages and the CSV by Accept are answered from there), or it and the
    fixture releases of other years, rendered on request."""
    home = tmp_path_factory.mktemp(f"series-{request.param}")
    store = home / "store"
    extra = MANY if request.param == "many" else []
    pipeline.build(bundled_releases() + extra, store, BASE, validate=False, dumps=False)
    if not extra:
        subprocess.run([*policykg_command(), "pages", "--store", str(store)], check=True,
                       capture_output=True, env={**os.environ, "POLICYKG_BASE_IRI": BASE})
    with serving(store, home, timeout=30) as served:
        yield served.url.removesuffix("/sparql")
        assert ("no pages rendered ahead" in served.log.read_text()) == bool(extra)


def sparql(site: str, query: str) -> list[dict[str, str]]:
    response = requests.post(f"{site}/sparql", data={"query": PREFIXES + query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def page(site: str, path: str, **headers) -> requests.Response:
    response = requests.get(f"{site}{path}", headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response


def parsed(site: str, path: str) -> Page:
    found = Page()
    found.feed(page(site, path).text)
    return found


def path_of(iri: str) -> str:
    return "/page/" + iri.removeprefix(f"{BASE}id/")


def table_total(site: str, href: str) -> int:
    """How many statements the /statements view a page links to holds, by its JSON."""
    parts = urlsplit(href)
    assert parts.path == "/statements", href
    response = requests.get(f"{site}/statements.json", params=parse_qsl(parts.query),
                            timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def filters(href: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(href).query))


def key(iri: str) -> str:
    return iri.removeprefix(f"{BASE}id/")


# --------------------------------------------------------------------------------------
# A series page: its editions as a timeline, its topic × edition matrix
# --------------------------------------------------------------------------------------

def editions(site: str) -> list[dict[str, str]]:
    return sparql(site, f"""SELECT ?m ?edition ?date WHERE {{
        ?m pk:series <{SERIES}> ; a pk:Meeting .
        OPTIONAL {{ ?m pk:edition ?edition }} OPTIONAL {{ ?m schema:startDate ?date }} }}""")


def test_the_timeline_lists_every_edition_in_date_order(site):
    expected = editions(site)
    found = parsed(site, path_of(SERIES))
    dates = [attrs.get("datetime") for tag, attrs in found.tags if tag == "time"]
    assert len(dates) == len(expected)
    assert dates == sorted(dates)  # a timeline: oldest first
    assert sorted(dates) == sorted(row["date"] for row in expected)
    linked = [href for _, href in found.links]
    for row in expected:  # each edition linked, with its statements in the table
        assert path_of(row["m"]) in linked
    if len(expected) > 1:
        assert len(expected) >= 5  # the store of many releases holds the fixture editions


def test_every_matrix_cell_is_the_stores_count_and_links_to_those_statements(site):
    counts = {(row["m"], row["topic"]): int(row["n"]) for row in sparql(site, f"""
        SELECT ?m ?topic (COUNT(DISTINCT ?st) AS ?n) WHERE {{
          ?m pk:series <{SERIES}> . ?st pk:madeAt ?m ; pk:onTopic ?topic }}
        GROUP BY ?m ?topic""")}
    assert counts
    cells = {}
    for text, href in parsed(site, path_of(SERIES)).links:
        chosen = filters(href) if href.startswith("/statements?") else {}
        if set(chosen) == {"meeting", "topic"}:
            cells[(f"{BASE}id/{chosen['meeting']}", f"{BASE}id/{chosen['topic']}")] = int(text)
    assert cells == counts
    for (meeting, topic), n in list(cells.items())[:6]:  # the table holds what it says
        href = f"/statements?meeting={key(meeting)}&topic={key(topic)}"
        assert table_total(site, href) == n


def test_the_matrix_as_csv_by_extension_and_by_accept(site):
    by_extension = page(site, path_of(SERIES) + ".csv")
    by_accept = page(site, path_of(SERIES), Accept="text/csv")
    for response in (by_extension, by_accept):
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "Accept" in response.headers["Vary"]
    assert by_extension.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_extension.text)))
    stated = {(row["m"], row["topic"]): int(row["n"]) for row in sparql(site, f"""
        SELECT ?m ?topic (COUNT(DISTINCT ?st) AS ?n) WHERE {{
          ?m pk:series <{SERIES}> . ?st pk:madeAt ?m ; pk:onTopic ?topic }}
        GROUP BY ?m ?topic""")}
    on_agenda = {(row["m"], row["topic"]) for row in sparql(site, f"""
        SELECT DISTINCT ?m ?topic WHERE {{
          ?m pk:series <{SERIES}> ; pk:agendaItem/pk:topic ?topic }}""")}
    assert {(r["meeting_iri"], r["topic_iri"]) for r in rows} == set(stated) | on_agenda
    for row in rows:
        pair = (row["meeting_iri"], row["topic_iri"])
        assert int(row["statements"]) == stated.get(pair, 0)
        assert row["on_agenda"] == ("yes" if pair in on_agenda else "no")
        if stated.get(pair):
            assert table_total(site, urlsplit(row["statements_url"])._replace(
                scheme="", netloc="").geturl()) == stated[pair]
    # the page says so too, and an HTML client still gets the page
    assert 'type="text/csv"' in page(site, path_of(SERIES)).text
    assert page(site, path_of(SERIES), Accept="text/html,*/*;q=0.8").headers[
        "Content-Type"].startswith("text/html")


def test_a_csv_is_for_a_series_only(site):
    assert requests.get(f"{site}/page/series/no-such-series.csv", timeout=30).status_code == 404
    assert requests.get(f"{site}/page/actor/eu.csv", timeout=30).status_code == 404


# --------------------------------------------------------------------------------------
# An actor's statements per edition
# --------------------------------------------------------------------------------------

def test_an_actors_page_counts_its_statements_per_edition(site):
    counts = {row["m"]: int(row["n"]) for row in sparql(site, f"""
        SELECT ?m (COUNT(DISTINCT ?st) AS ?n) WHERE {{ ?st pk:statedBy <{EU}> ; pk:madeAt ?m }}
        GROUP BY ?m""")}
    assert counts
    found = {}
    for text, href in parsed(site, path_of(EU)).links:
        chosen = filters(href) if href.startswith("/statements?") else {}
        if set(chosen) == {"speaker", "meeting"}:
            assert chosen["speaker"] == key(EU)
            found[f"{BASE}id/{chosen['meeting']}"] = int(text.replace(",", ""))
    assert found == counts
    meeting, n = max(counts.items(), key=lambda item: item[1])
    assert table_total(site, f"/statements?speaker={key(EU)}&meeting={key(meeting)}") == n


# --------------------------------------------------------------------------------------
# Claims with their date
# --------------------------------------------------------------------------------------

LATEST = (ROOT / "queries" / "16-law-status-latest.rq").read_text(encoding="utf-8")


def test_each_status_is_shown_as_of_its_date_per_its_release(site):
    latest = sparql(site, LATEST.split("\n", 2)[2])  # after the title and description
    assert latest
    for row in latest:
        text = page(site, path_of(row["initiative"])).text
        section = text[text.index('id="claims"'):]
        section = section[:section.index("</section>")]
        assert f"— as of {row['asOf']}, per " in section
        assert f'href="{path_of(row["release"])}"' in section
        assert row["status"] in section


def test_a_claims_history_is_in_date_order_with_the_latest_first(site):
    posts = sparql(site, """SELECT ?person ?asOf WHERE {
        ?person pk:postClaim ?c . ?c pk:asOf ?asOf }""")
    held: dict[str, set[str]] = {}
    for row in posts:
        held.setdefault(row["person"], set()).add(row["asOf"])
    changed = {person: dates for person, dates in held.items() if len(dates) > 1}
    if not changed:
        pytest.skip("no person in this store has posts of two dates")
    for person, dates in changed.items():
        text = page(site, path_of(person)).text
        section = text[text.index('id="claims"'):]
        history = section[section.index("<details"):section.index("</details>")]
        shown = [date for date in sorted(dates) if f"as of {date}" in history]
        assert shown == sorted(dates)  # every claim, oldest first
        assert [history.index(f"as of {d}") for d in shown] == sorted(
            history.index(f"as of {d}") for d in shown)
        latest = section[:section.index("<details")]
        assert f"as of {max(dates)}" in latest and f"as of {min(dates)}" not in latest


def test_a_stated_relation_is_shown_as_of_its_releases_date(site):
    nis2 = f"{BASE}id/initiative/nis2-directive"
    stated = sparql(site, f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT DISTINCT ?object ?release ?issued WHERE {{
          ?fact rdf:subject <{nis2}> ; rdf:object ?object ;
                pk:evidence/oa:hasSource ?release . ?release dcterms:issued ?issued }}""")
    assert stated
    text = page(site, path_of(nis2)).text
    section = text[text.index('id="stated"'):]
    section = section[:section.index("</section>")]
    for row in stated:
        assert (f'as of {row["issued"]}, per <a href="{path_of(row["release"])}">'
                in section), row
