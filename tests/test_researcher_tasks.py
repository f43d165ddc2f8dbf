"""The researcher's tasks of issue #14, each from the home page in at most three actions
(a click, or words typed and Enter), in a real browser (Debian's Chromium via Playwright,
localhost only) on the session's store of the bundled release and the fixture releases.
Each answer is checked against the store through SPARQL, not against the page's own words.
Choosing another example in the workbench's menu and downloading it takes four actions
(Query, the menu, the example, CSV); the home page links every example question.
Screenshots of each task's last page go to tests/artifacts/."""

from __future__ import annotations

import re
from csv import DictReader
from dataclasses import dataclass
from pathlib import Path

import requests

from queries import example
from tests.browser import PHONE, Watch, pytestmark, shot  # noqa: F401 (pytestmark applies here)
from tests.test_statements_browser import caption_total

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
MOST = 3  # actions from the home page
PREFIXES = """PREFIX pk: <https://w3id.org/policykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX actor: <https://kg.test/id/actor/>
PREFIX topic: <https://kg.test/id/topic/>
"""


@dataclass
class Session:
    """A researcher's session: the page and the actions taken since the home page."""

    page: object
    actions: int = 0

    def click(self, locator) -> None:
        self.actions += 1
        locator.click()

    def search(self, words: str) -> None:
        self.actions += 1
        box = self.page.get_by_role("combobox").first
        box.fill(words)
        box.press("Enter")


def home(browser, served, options) -> tuple[Watch, Session]:
    watch = Watch(browser, served, **options)
    page = watch.page()
    page.goto(served.url + "/")
    return watch, Session(page)


def ask(served, query: str, prefixes: str = PREFIXES) -> list[dict]:
    answer = requests.post(served.endpoint, data={"query": prefixes + query},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
    answer.raise_for_status()
    return answer.json()["results"]["bindings"]


def test_what_the_eu_said_on_cybersecurity_and_where_the_sentence_is(browser, served):
    watch, s = home(browser, served, DESKTOP)
    s.click(s.page.get_by_role("link", name="Topics", exact=True).first)
    s.click(s.page.get_by_role("link", name="Cybersecurity", exact=True).first)
    said = ask(served, """SELECT DISTINCT ?st {  # the EU's own (joint ones have a side of two)
        ?st pk:onTopic topic:cybersecurity ; pk:statedBy actor:eu .
        FILTER NOT EXISTS { ?st pk:statedBy ?other FILTER (?other != actor:eu) } }""")
    side = s.page.locator("h3.side", has_text=re.compile(r"^European Union \(")).first
    shown = int(re.search(r"\((\d+)\)", side.inner_text()).group(1))
    assert shown == len(said) > 0
    quote = side.locator("xpath=following-sibling::ol[1]//blockquote").first
    words = quote.locator("p").inner_text().split("”")[0].strip("“ ")
    s.click(quote.get_by_role("link", name=re.compile("in the release")))
    s.page.wait_for_url(re.compile(r"/page/release/[^#]+#t-\d+-\d+$"))
    target = s.page.locator(":target")
    assert words in target.inner_text() or target.inner_text() in words
    shot(s.page, "task-1-eu-cybersecurity-sentence.png")
    assert s.actions <= MOST
    watch.check()


def test_which_laws_are_mentioned_and_their_status(browser, served):
    watch, s = home(browser, served, PHONE)
    s.click(s.page.get_by_role("link", name="Initiatives", exact=True).first)
    s.click(s.page.get_by_role("link", name=re.compile(r"^law \d+$")).first)
    laws = ask(served, """SELECT DISTINCT ?law ?label { ?law a pk:Law ; rdfs:label ?label }""")
    rows = s.page.locator("table tbody tr")
    assert rows.count() == len(laws) > 0
    named = {row.locator("td").first.inner_text().strip() for row in rows.all()}
    assert named == {law["label"]["value"] for law in laws}
    latest = ask(served, """SELECT ?label ?status ?asOf {
        ?law a pk:Law ; rdfs:label ?label ; pk:statusClaim ?c .
        ?c pk:value/rdfs:label ?status ; pk:asOf ?asOf .
        FILTER NOT EXISTS { ?law pk:statusClaim/pk:asOf ?later . FILTER (?later > ?asOf) } }""")
    assert latest
    for claim in latest:
        row = rows.filter(has_text=claim["label"]["value"]).first.inner_text()
        assert claim["status"]["value"] in row and claim["asOf"]["value"] in row, row
    shot(s.page, "task-2-laws-and-status-phone.png", full_page=True)
    assert s.actions <= MOST
    watch.check()


def test_every_statement_mentioning_gpai(browser, served):
    watch, s = home(browser, served, DESKTOP)
    s.search("GPAI")
    s.click(s.page.get_by_role("link", name="Global Partnership on Artificial Intelligence",
                               exact=True).first)
    s.click(s.page.get_by_role("link", name=re.compile(r"statements? mentioning Global")))
    s.page.wait_for_url(re.compile(r"/statements\?mentions=actor/gpai$"))
    mentioning = ask(served, "SELECT DISTINCT ?st { ?st pk:mentions actor:gpai }")
    assert caption_total(s.page) == len(mentioning) > 0
    shot(s.page, "task-3-gpai-statements.png")
    assert s.actions <= MOST
    watch.check()


def test_download_the_graph_and_a_query_as_csv(browser, served):
    watch, s = home(browser, served, DESKTOP)
    s.click(s.page.get_by_role("link", name="Dumps").first)
    with s.page.expect_download() as dump:
        s.click(s.page.get_by_role("link", name=re.compile(r"\.nq\.gz$")).first)
    assert dump.value.suggested_filename.endswith(".nq.gz")
    assert s.actions <= MOST

    s.page.goto(served.url + "/")
    s.actions = 0
    agenda = example("03-agenda")
    s.click(s.page.get_by_role("link", name=agenda.title, exact=True))
    s.page.locator(".yasr table.dataTable tbody tr").first.wait_for()
    with s.page.expect_download() as csv:
        s.click(s.page.get_by_role("button", name="CSV"))
    assert csv.value.suggested_filename == "03-agenda.csv"
    rows = list(DictReader(Path(csv.value.path()).read_text(encoding="utf-8").splitlines()))
    answer = ask(served, agenda.text, prefixes="")
    assert len(rows) == len(answer) > 0
    shot(s.page, "task-4-query-csv.png")
    assert s.actions <= MOST
    watch.check()
