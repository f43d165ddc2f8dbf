"""The initiatives index (#14) over HTTP against `policykg serve`, checked against SPARQL
over the same store: its kind, status (as of, per release), owner and topics columns, and
kind counts that link to the index narrowed to that kind ("law 2" lists the two laws, not
the ontology's term). On the bundled release and on a store of many releases."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from graph import pipeline
from graph.source import bundled_releases
from tests.conftest import BASE, serving
from tests.test_series import LATEST, MANY, page, path_of, sparql

KINDS_OF_INITIATIVE = "?i a ?k . ?k rdfs:subClassOf* pk:Initiative ."


@pytest.fixture(scope="module", params=["bundled", "many"])
def site(request, tmp_path_factory) -> str:
    home = tmp_path_factory.mktemp(f"initiatives-{request.param}")
    store = home / "store"
    extra = MANY if request.param == "many" else []
    pipeline.build(bundled_releases() + extra, store, BASE, validate=False, dumps=False)
    with serving(store, home, timeout=30) as served:
        yield served.url.removesuffix("/sparql")


class Rows(HTMLParser):
    """The index's breakdown links and its table's rows: each cell's text and links."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: list[tuple[str, str]] = []  # (text, href) in the breakdown
        self.rows: list[dict[str, dict]] = []  # column → {"text", "links"}
        self.columns: list[str] = []
        self._in: list[str] = []
        self._cell: dict | None = None
        self._link: list | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "ul" and attrs.get("aria-label") == "By kind":
            self._in.append("kinds")
        if tag == "th" and attrs.get("scope") == "col":
            self._in.append("th")
        if tag == "tr" and self.columns:
            self.rows.append({})
        if tag == "td":
            self._cell = {"text": "", "links": []}
        if tag == "a":
            self._link = [attrs.get("href"), ""]

    def handle_data(self, data) -> None:
        if self._link is not None:
            self._link[1] += data
        if self._in and self._in[-1] == "th":
            self.columns.append(data.strip())
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag) -> None:
        if tag == "a" and self._link is not None:
            href, text = self._link
            if self._in and self._in[-1] == "kinds":
                self.kinds.append((" ".join(text.split()), href))
            if self._cell is not None:
                self._cell["links"].append((" ".join(text.split()), href))
            self._link = None
        if tag == "th" and self._in and self._in[-1] == "th":
            self._in.pop()
        if tag == "ul" and self._in and self._in[-1] == "kinds":
            self._in.pop()
        if tag == "td" and self._cell is not None:
            row = self.rows[-1]
            row[self.columns[len(row)]] = {**self._cell, "text": " ".join(
                self._cell["text"].split())}
            self._cell = None


def index(site: str, query: str = "") -> Rows:
    found = Rows()
    found.feed(page(site, "/page/initiative/" + query).text)
    return found


def by_name(rows: Rows) -> dict[str, dict]:
    return {row["name"]["links"][0][1]: row for row in rows.rows}


def test_the_columns(site):
    found = index(site)
    assert found.columns == ["name", "kind", "status", "owner", "topics", "statements"]
    total = int(sparql(site, f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {KINDS_OF_INITIATIVE} }}"
                       )[0]["n"])
    assert len(found.rows) == min(total, 100)


def test_each_status_is_the_latest_claim_as_of_its_date_per_its_release(site):
    latest = sparql(site, LATEST.split("\n", 2)[2])
    rows = by_name(index(site))
    assert latest
    for row in latest:
        cell = rows[path_of(row["initiative"])]["status"]
        assert f"{row['status']} as of {row['asOf']}, per {row['releaseTitle']}" in cell["text"]
        assert path_of(row["release"]) in [href for _, href in cell["links"]]
    stated = {row["initiative"] for row in latest}
    for name, row in rows.items():  # no status where no release states one
        if not any(path_of(i) == name for i in stated):
            assert re.sub(r"adopted (as|from) [^.]+$", "", row["status"]["text"]) == ""


def test_a_law_and_its_proposal_link_each_other(site):
    """One IRI per stage (pk:adoptedAs): a law a release never mentions has no status of
    its own but is where its proposal, which a release said was proposed, went; each row
    links the other, so "which laws, and their status" finds the proposal from the law."""
    stages = sparql(site, "SELECT ?proposal ?act WHERE { ?proposal pk:adoptedAs ?act }")
    assert stages
    rows = by_name(index(site))
    for row in stages:
        proposal, act = path_of(row["proposal"]), path_of(row["act"])
        assert act in [href for _, href in rows[proposal]["status"]["links"]]
        assert "adopted as" in rows[proposal]["status"]["text"]
        assert proposal in [href for _, href in rows[act]["status"]["links"]]
        assert "adopted from" in rows[act]["status"]["text"]


def test_owners_and_topics_are_the_stores(site):
    def grouped(query: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for row in sparql(site, query):
            found.setdefault(path_of(row["i"]), set()).add(path_of(row["o"]))
        return found

    owners = grouped("SELECT DISTINCT ?i ?o WHERE { ?i pk:initiativeOf ?o }")
    implementers = grouped("SELECT DISTINCT ?i ?o WHERE { ?i pk:implementedBy ?o }")
    topics = grouped(f"SELECT DISTINCT ?i ?o WHERE {{ {KINDS_OF_INITIATIVE} "
                     "?st pk:mentions ?i ; pk:onTopic ?o }")
    assert owners and topics
    for name, row in by_name(index(site)).items():
        cell = row["owner"]
        assert {href for _, href in cell["links"]} == \
            owners.get(name, set()) | implementers.get(name, set())
        assert ("implemented by" in cell["text"]) == (name in implementers)
        shown = {href for _, href in row["topics"]["links"]}
        assert shown <= topics.get(name, set())
        assert len(shown) == min(3, len(topics.get(name, ())))


def test_kind_counts_link_to_the_things_of_that_kind(site):
    found = index(site)
    assert found.kinds
    for text, href in found.kinds:
        name, count = re.fullmatch(r"(.+) (\d+)", text).groups()
        query = dict(parse_qsl(urlsplit(href).query))
        assert urlsplit(href).path == "/page/initiative/" and set(query) == {"kind"}
        members = {path_of(row["i"]) for row in sparql(site, f"""SELECT DISTINCT ?i WHERE {{
            ?i a pk:{query['kind']} }}""")}
        assert len(members) == int(count)
        narrowed = index(site, f"?kind={query['kind']}")
        assert set(by_name(narrowed)) == members  # "law 2": the two laws
        assert narrowed.kinds == found.kinds  # the others a click away
        assert f"<h1>Initiatives: {name} " in page(site, href).text
    laws = [href for text, href in found.kinds if text.startswith("law ")]
    assert laws == ["/page/initiative/?kind=Law"]


def test_an_unknown_kind_is_refused_with_the_kinds_it_may_be(site):
    response = requests.get(f"{site}/page/initiative/?kind=Nope", timeout=30)
    assert response.status_code == 400
    assert "Law" in response.text and "'Nope'" in response.text
