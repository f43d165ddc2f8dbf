"""/statements as a reader and a script meet it: `policykg serve` over the bundled release,
and `serve --engine` in front of an engine it was published to, asked over HTTP. Every
count is checked against SPARQL over the same store (the conftest `query` fixture), not
against the table's own code."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from html.parser import HTMLParser

import pytest
import requests

import ontology
from graph import pipeline
from graph.source import bundled_releases
from tests.conftest import BASE, policykg_command, serving
from tests.engines import SERVED_FROM, served_from

PK = f"PREFIX pk: <{ontology.PK}>\n"
EU, JAPAN = f"{BASE}id/actor/eu", f"{BASE}id/actor/japan"
CYBER, AI = f"{BASE}id/topic/cybersecurity", f"{BASE}id/topic/ai"


@pytest.fixture(scope="module", params=SERVED_FROM)
def site(request, tmp_path_factory):
    """The bundled release's store, served from the store and from an engine it was
    published to (tests/engines.py); its URL."""
    home = tmp_path_factory.mktemp("statements")
    store = home / "store"
    pipeline.build(bundled_releases(), store, BASE)
    with served_from(request.param, store, home) as served:
        yield served.url.removesuffix("/sparql")


def table(site: str, **params) -> dict:
    response = requests.get(f"{site}/statements.json", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def counted(query, where: str) -> dict[str, int]:
    """Statements per value of ?v, by SPARQL."""
    rows = query(f"{PK}SELECT ?v (COUNT(DISTINCT ?st) AS ?n) WHERE {{ ?st a pk:Statement . "
                 f"{where} }} GROUP BY ?v")
    return {row["v"]: int(row["n"]) for row in rows}


def facet(found: dict, name: str) -> dict[str, int]:
    """A facet's counts in the JSON, by the value's key as its link writes it."""
    return {v["value"]: v["count"] for v in found["facets"][name]["values"]}


def key(iri: str) -> str:
    return iri.removeprefix(f"{BASE}id/")


def test_facet_counts_are_the_stores(site, query):
    found = table(site)
    total = int(query(f"{PK}SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE {{ ?st a pk:Statement }}"
                      )[0]["n"])
    assert found["total"] == total > 20
    expected = {
        "speaker": counted(query, "?st pk:statedBy ?v"),
        "act": counted(query, "?st pk:speechAct ?v"),
        "topic": counted(query, "?st pk:onTopic ?v"),
        "mentions": counted(query, "?st pk:mentions ?v"),
        "meeting": counted(query, "?st pk:madeAt ?v"),
        "series": counted(query, "?st pk:madeAt/pk:series ?v"),
    }
    for name, by_value in expected.items():
        shown = facet(found, name)
        assert shown, name
        assert len(shown) == min(10, len(by_value)), name  # the ten most frequent
        assert found["facets"][name]["distinct"] == len(by_value), name
        for value, count in shown.items():
            assert by_value[f"{BASE}id/{value}"] == count, (name, value)
        assert sorted(shown.values(), reverse=True) == list(shown.values()), name
    assert facet(found, "year") == {"2023": 26}
    # both parties speak in the bundled release, each for its own side
    assert facet(found, "side") == {"actor/japan": expected["speaker"][JAPAN],
                                    "actor/eu": expected["speaker"][EU]}


def test_filters_combine_one_facets_values_or_facets_and(site, query):
    by_eu = table(site, speaker="actor/eu", size="all")
    assert by_eu["total"] == counted(query, "?st pk:statedBy ?v")[EU] > 0
    assert all(any(s["iri"] == EU for s in row["speakers"]) for row in by_eu["rows"])

    rows = query(f"{PK}SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE {{ ?st pk:statedBy <{EU}> ; "
                 f"pk:onTopic ?t . VALUES ?t {{ <{CYBER}> <{AI}> }} }}")
    expected = int(rows[0]["n"])
    assert expected > 0
    found = requests.get(f"{site}/statements.json?speaker=actor/eu&topic=topic/cybersecurity"
                         "&topic=topic/ai&size=all", timeout=30).json()
    assert found["total"] == expected
    for row in found["rows"]:
        assert EU in [s["iri"] for s in row["speakers"]]
        assert {CYBER, AI} & {t["iri"] for t in row["topics"]}
    assert found["filters"] == {"speaker": ["actor/eu"],
                                "topic": ["topic/cybersecurity", "topic/ai"]}
    # a facet in use is counted over the other facets' choice: every topic the EU spoke on
    assert facet(found, "topic") == {key(k): n for k, n in counted(
        query, f"?st pk:statedBy <{EU}> ; pk:onTopic ?v").items()}
    # and the others over the whole choice
    assert sum(facet(found, "year").values()) == expected


def test_an_unknown_value_selects_nothing(site):
    found = table(site, speaker="actor/nobody")
    assert found["total"] == 0 and found["rows"] == []
    page = requests.get(f"{site}/statements", params={"speaker": "actor/nobody"}, timeout=30)
    assert page.status_code == 200
    assert "No statement matches these filters" in page.text
    assert "Speaker: actor/nobody" in page.text  # the reader sees the filter that emptied it
    assert table(site, year="1999")["total"] == 0


@pytest.mark.parametrize(("params", "says"), [
    ({"size": "0"}, "size= must be a whole number from 1 to 500"),
    ({"size": "many"}, "size= must be a whole number"),
    ({"size": "all"}, "size=all is for .csv and .json"),
    ({"page": "0"}, "page= must be a whole number from 1"),
    ({"page": "-1"}, "page= must be a whole number from 1"),
    ({"sort": "colour"}, "sort= must be one of date, meeting, speaker"),
    ({"year": "23"}, "year= must be a year of four digits"),
    ({"speaker": ["actor/eu"] * 101}, "speaker= is given 101 times"),
])
def test_malformed_parameters_are_refused_with_a_reason(site, params, says):
    response = requests.get(f"{site}/statements", params=params, timeout=30)
    assert response.status_code == 400
    assert says in response.text


def test_csv_and_json_by_accept_or_extension(site, query):
    total = len(query(f"{PK}SELECT DISTINCT ?st WHERE {{ ?st a pk:Statement }}"))
    by_japan = counted(query, "?st pk:statedBy ?v")[JAPAN]
    by_accept = requests.get(f"{site}/statements", params={"speaker": "actor/japan"},
                             headers={"Accept": "text/csv"}, timeout=30)
    by_extension = requests.get(f"{site}/statements.csv", params={"speaker": "actor/japan"},
                                timeout=30)
    for response in (by_accept, by_extension):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "Accept" in response.headers["Vary"]
    assert by_accept.text == by_extension.text
    rows = list(csv.DictReader(io.StringIO(by_extension.text)))
    assert rows[0].keys() >= {"date", "meeting", "meeting_iri", "speakers", "speaker_iris",
                              "act", "act_iri", "topics", "topic_iris", "quote", "quote_url",
                              "mentions", "mention_iris", "statement_iri"}
    assert len(rows) == by_japan  # one page of 50 holds them all
    assert all(JAPAN in row["speaker_iris"].split() for row in rows)
    first = rows[0]
    assert first["meeting"] == "28th Japan-EU ICT Policy Dialogue"
    assert first["meeting_iri"] == f"{BASE}id/meeting/japan-eu-ict-policy-dialogue-28"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/page/release/.+#t-\d+-\d+", first["quote_url"])

    as_json = requests.get(f"{site}/statements", headers={"Accept": "application/json"},
                           timeout=30)
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.json()["total"] == total
    assert requests.get(f"{site}/statements.json", timeout=30).json() == as_json.json()
    html = requests.get(f"{site}/statements", headers={"Accept": "text/html,*/*;q=0.8"},
                        timeout=30)
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    refused = requests.get(f"{site}/statements", headers={"Accept": "image/png"}, timeout=30)
    assert refused.status_code == 406
    assert requests.get(f"{site}/statements.xml", timeout=30).status_code == 404
    everything = requests.get(f"{site}/statements.csv?size=all", timeout=30)
    assert len(list(csv.DictReader(io.StringIO(everything.text)))) == total


def test_sorting_and_paging(site):
    total = table(site)["total"]
    last = -(-total // 5)
    pages = [table(site, size="5", page=str(n)) for n in range(1, last + 1)]
    assert [len(p["rows"]) for p in pages] == [5] * (last - 1) + [total - 5 * (last - 1)]
    assert pages[0]["prev"] is None and pages[0]["next"].endswith("size=5&page=2")
    assert pages[5]["next"] is None
    seen = [row["statement"] for p in pages for row in p["rows"]]
    assert len(set(seen)) == total
    # by date (the meeting's, else the release's), then in the release's text order
    order = [(row["date"], int(re.search(r"#t-(\d+)-", row["quote_url"]).group(1)))
             for p in pages for row in p["rows"]]
    assert order == sorted(order)
    newest = table(site, sort="-date", size="all")["rows"]
    assert [r["statement"] for r in newest] == seen[::-1]
    by_speaker = table(site, sort="speaker", size="all")["rows"]
    firsts = [sorted(s["label"] for s in r["speakers"])[0] if r["speakers"] else "~"
              for r in by_speaker]
    assert firsts == sorted(firsts)


def test_a_page_past_the_last_is_not_found_and_says_how_many_there_are(site):
    total = table(site)["total"]
    last = -(-total // 5)
    past = requests.get(f"{site}/statements?speaker=actor/japan&size=5&page=999", timeout=30)
    japan = table(site, speaker="actor/japan")["total"]
    pages = -(-japan // 5)
    assert past.status_code == 404
    page = Page()
    page.feed(past.text)
    assert f"There is no page 999: this view has {pages} pages ({japan} statements, 5 a page)" \
        in " ".join(past.text.split())
    assert (f"Go to the last page ({pages})",
            f"/statements?speaker=actor/japan&size=5&page={pages}") in page.links
    assert "page 999 of" not in past.text and not any(href.endswith("page=998")
                                                      for _, href in page.links)
    for ext in ("json", "csv"):
        response = requests.get(f"{site}/statements.{ext}?size=5&page={last + 1}", timeout=30)
        assert response.status_code == 404
        assert f"this view has {last} pages ({total} rows, 5 a page): there is no page " \
            f"{last + 1}" in response.text
    assert requests.get(f"{site}/statements.csv?size=5&page={last}", timeout=30).ok
    assert requests.get(f"{site}/statements.json?size=all&page=2", timeout=30
                        ).status_code == 404


@pytest.mark.parametrize(("path", "name"), [
    ("/statements.csv", "policykg-statements.csv"),
    ("/statements.csv?speaker=actor/eu", "policykg-statements-speaker-eu.csv"),
    ("/statements.json?speaker=actor/eu&speaker=actor/japan&topic=topic/cybersecurity"
     "&year=2023",  # the facets' order
     "policykg-statements-year-2023-speaker-eu-japan-topic-cybersecurity.json"),
    ("/statements.csv?size=5&page=2", "policykg-statements-page-2.csv"),
    ("/statements.csv?size=all&mentions=" + "https://www.wikidata.org/wiki/Q%C3%A9;x\"\r\n",
     "policykg-statements-mentions-qe-x.csv"),
])
def test_downloads_are_named_after_their_filters_and_saved(site, path, name):
    response = requests.get(f"{site}{path}", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_a_table_asked_for_by_accept_is_shown_in_place(site):
    """A program that negotiates CSV or JSON reads the body; a browser saves only what a
    download link asks for by its extension."""
    for media, ext in (("text/csv", "csv"), ("application/json", "json")):
        response = requests.get(f"{site}/statements?speaker=actor/eu",
                                headers={"Accept": media}, timeout=30)
        assert response.headers["Content-Disposition"] == \
            f'inline; filename="policykg-statements-speaker-eu.{ext}"'
    page = parsed(site, "/statements?speaker=actor/eu")
    downloads = [href for text, href in page.links if text.startswith(("CSV", "JSON"))]
    assert downloads and all(href.startswith(("/statements.csv?", "/statements.json?"))
                             for href in downloads)


class Page(HTMLParser):
    """What a page's markup says: its elements' attributes and the texts of a few."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.links: list[tuple[str, str]] = []  # (link text, href)
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def parsed(site: str, path: str) -> Page:
    response = requests.get(f"{site}{path}", timeout=30)
    assert response.status_code == 200, response.text
    page = Page()
    page.feed(response.text)
    return page


def test_the_page_is_a_labelled_table_with_filters_as_links(site):
    page = parsed(site, "/statements?size=5")
    names = [tag for tag, _ in page.tags]
    assert "table" in names and "caption" in names
    headers = [attrs for tag, attrs in page.tags if tag == "th"]
    assert len(headers) == 7 and all(h.get("scope") == "col" for h in headers)
    assert next(h for h in headers if "aria-sort" in h)["aria-sort"] == "ascending"
    labelled = {attrs["for"] for tag, attrs in page.tags if tag == "label"}
    assert {"sort", "size"} <= labelled
    # a facet value is a link to the table filtered by it, from page 1, size kept
    facets: dict[str, str] = {}  # the first link of each text: speakers before mentions
    for text, href in page.links:
        if href.startswith("/statements?"):
            facets.setdefault(text, href)
    assert facets["European Union"] == "/statements?speaker=actor/eu&size=5"
    assert facets["Cybersecurity"].startswith("/statements?topic=topic/cybersecurity")
    assert facets["next →"] == "/statements?size=5&page=2"
    chosen = parsed(site, "/statements?speaker=actor/eu&act=speech-act/explained")
    remove = next(href for text, href in chosen.links if text.startswith("Speaker:"))
    assert remove == "/statements?act=speech-act/explained"


def test_every_facet_beyond_its_top_ten_links_to_all_its_values(site, query):
    """Datasette's "…" under a facet: a link to the same view with the facet's every value
    listed (`all=`), the other filters, the order and the page kept; and back."""
    view = "speaker=actor/japan&sort=-date"
    found = requests.get(f"{site}/statements.json?{view}", timeout=30).json()
    long = [name for name, f in found["facets"].items() if f["distinct"] > 10]
    assert long, "no facet of the bundled release has more than ten values"
    page = parsed(site, f"/statements?{view}")
    for name in long:
        distinct = found["facets"][name]["distinct"]
        assert len(found["facets"][name]["values"]) == 10
        assert found["facets"][name]["whole"] is False
        more = [href for text, href in page.links
                if re.fullmatch(rf"All {distinct} \w[\w ]*", text) and f"all={name}" in href]
        assert more == [f"/statements?{view.replace('&', f'&all={name}&')}#facet-{name}"], name
        whole = parsed(site, more[0].split("#")[0])
        back = [href for text, href in whole.links if text == "Only the top 10"]
        assert back == [f"/statements?{view}#facet-{name}"], name
        listed = requests.get(f"{site}/statements.json?{view}&all={name}", timeout=30).json()
        values = listed["facets"][name]["values"]
        assert listed["facets"][name]["whole"] is True
        assert len(values) == distinct and listed["total"] == found["total"]
        assert [v["count"] for v in values] == sorted((v["count"] for v in values),
                                                      reverse=True)
        # a value's link keeps the facet whole, and the other filters
        assert all(f"all={name}" in v["href"] and "speaker=actor/japan" in v["href"]
                   for v in values)
    # the counts of a whole facet are the store's
    mentions = requests.get(f"{site}/statements.json?all=mentions", timeout=30).json()
    assert facet(mentions, "mentions") == {key(k): n for k, n in counted(
        query, "?st pk:mentions ?v").items()}
    refused = requests.get(f"{site}/statements?all=colour", timeout=30)
    assert refused.status_code == 400 and "all= names a facet to show whole" in refused.text


def test_entity_pages_link_into_the_table_with_true_counts(site, query):
    cases = [("/page/actor/eu", "statements by European Union", "speaker=actor/eu",
              counted(query, "?st pk:statedBy ?v")[EU]),
             ("/page/topic/cybersecurity", "statements on Cybersecurity",
              "topic=topic/cybersecurity", counted(query, "?st pk:onTopic ?v")[CYBER]),
             ("/page/initiative/notice", "statement mentioning NOTICE",
              "mentions=initiative/notice",
              counted(query, "?st pk:mentions ?v")[f"{BASE}id/initiative/notice"])]
    for path, words, parameter, count in cases:
        page = parsed(site, path)
        text, href = next((t, h) for t, h in page.links if t.endswith(words))
        assert text.split()[1] == str(count), text
        assert href == f"/statements?{parameter}"
        assert table(site, **dict([parameter.split("=")]))["total"] == count
    home = parsed(site, "/")
    assert ("every statement as a table", "/statements") in home.links


def test_the_table_kept_by_policykg_pages_is_the_one_read_from_the_store(site, tmp_path):
    """`policykg pages` writes the table beside the pages; a server then reads it from
    there. The same requests give the same answers."""
    home = tmp_path
    store = home / "store"
    pipeline.build(bundled_releases(), store, BASE)
    done = subprocess.run([*policykg_command(), "pages", "--store", str(store)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert list(store.resolve().glob("pages/statements.json.gz"))
    params = {"speaker": "actor/japan", "sort": "-meeting", "size": "7", "page": "2"}
    with serving(store, home) as served:
        kept = requests.get(served.url.removesuffix("/sparql") + "/statements.json",
                            params=params, timeout=30).json()
    read = table(site, **params)
    strip = re.compile(r"http://127\.0\.0\.1:\d+")
    assert strip.sub("", str(kept)) == strip.sub("", str(read))
