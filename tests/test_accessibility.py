"""Accessibility in a real browser (#14): axe-core (npm, installed by `make setup` into
node_modules) audits every kind of page at 1280 and 390 px and finds no critical or serious
violation; the pages are used with the keyboard only. Screenshots go to tests/artifacts/.

A new kind of page is one more row in PAGES."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import expect

from queries import examples
from tests.browser import PHONE, Watch, pytestmark, shot  # noqa: F401 (pytestmark applies here)
from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
BLOCKING = ("critical", "serious")
AGENDA = next(e for e in examples() if e.name == "03-agenda")


# Nodes of the vendored editor (YASGUI) that break a rule which our page cannot fix, as
# (rule, the node's selector as axe names it), each with why.
EXEMPT = {
    # CodeMirror's scroller (tabindex=-1) holds the query's lines; the keyboard scrolls it by
    # moving the caret in CodeMirror's own text box (labelled "SPARQL query"), which keeps
    # the caret in view. axe cannot see that the text box drives the region, and making the
    # scroller a Tab stop of its own would only add a stop that does nothing.
    ("scrollable-region-focusable", ".CodeMirror-scroll"),
}



@dataclass(frozen=True)
class Kind:
    """A kind of page: where one is, or the first link to one (`follow`) on that page;
    `ready`, what shows once the page's scripts have done their work; `kept`, a query whose
    permalink (/q/…) the server makes first."""

    name: str
    path: str
    follow: str | None = None
    ready: str | None = None
    status: int = 200
    kept: str | None = None  # a query kept first (POST /q): `path` is then its permalink


PAGES = [
    Kind("home", "/"),
    Kind("actor", "/page/actor/eu"),
    Kind("topic", "/page/topic/cybersecurity"),
    Kind("initiative", "/page/initiative/notice"),
    Kind("meeting", "/page/meeting/japan-eu-ict-policy-dialogue-28"),
    Kind("release", "/page/release/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"),
    Kind("statement", "/page/actor/eu", follow="a[href^='/page/statement/']"),
    Kind("series", "/page/meeting/japan-eu-ict-policy-dialogue-28",
         follow="a[href^='/page/series/']"),
    Kind("linked", "/page/actor/japan", follow="a[href*='?rel=']"),  # all that link to it
    Kind("place", "/page/meeting/japan-eu-ict-policy-dialogue-28",
         follow="a[href^='/page/place/']"),
    Kind("graph", "/graph/release/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"),
    Kind("index-actors", "/page/actor/"),
    Kind("index-initiatives", "/page/initiative/"),
    Kind("index-topics", "/page/topic/"),
    Kind("index-meetings", "/page/meeting/"),
    Kind("index-releases", "/page/release/"),
    Kind("index-series", "/page/series/"),
    Kind("index-places", "/page/place/"),
    Kind("index-statements", "/page/statement/"),  # (the statements table)
    Kind("index-of-one-kind", "/page/initiative/", follow="ul.breakdown a[href*='?kind=']"),
    Kind("statements", "/statements"),
    Kind("statements-filtered", "/statements?speaker=actor/eu"),
    Kind("statements-facet-whole", "/statements?speaker=actor/japan&all=topic"),
    Kind("statements-past-the-last-page", "/statements?page=999", status=404),
    Kind("search", "/search?q=data+sharing"),
    Kind("search-nothing-found", "/search?q=zzzzqx"),
    Kind("workbench", "/sparql", ready=".yasqe .CodeMirror"),
    # a permalink runs its query: the results table and YASR's controls are audited too
    Kind("workbench-results", "/sparql?query=" + quote(AGENDA.text),
         ready=".yasr table.dataTable tbody tr"),
    Kind("workbench-ask", "/sparql?query=" + quote("ASK {}"), ready=".yasr .booleanResult"),
    Kind("workbench-error", "/sparql?query=" + quote("SELECT nonsense"),
         ready=".yasr .errorResult"),
    Kind("permalink", "/q", kept=AGENDA.text, ready=".yasr table.dataTable tbody tr"),
    Kind("dumps", "/dumps/"),
    Kind("ontology", "/ontology"),
    Kind("not-found", "/nope", status=404),
]


def violations(page) -> list[dict]:
    """axe-core's critical and serious violations of the page as it is now."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make setup` (npm ci)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" "))}));
    }""")
    blocking = [{**v, "nodes": [n for n in v["nodes"] if (v["id"], n) not in EXEMPT]}
                for v in found if v["impact"] in BLOCKING]
    return [v for v in blocking if v["nodes"]]


def open_kind(watch: Watch, served, kind: Kind):
    page = watch.page()
    path = kind.path
    if kind.kept is not None:
        made = requests.post(served.url + kind.path, data={"query": kind.kept}, timeout=30)
        assert made.ok, made.text
        path = made.json()["path"]
    response = page.goto(served.url + path)
    assert response.status == kind.status, kind.path
    if kind.follow:
        href = page.locator(kind.follow).first.get_attribute("href")
        assert page.goto(served.url + href).status == 200, href
    if kind.ready:
        page.locator(kind.ready).first.wait_for()
    return page


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("kind", PAGES, ids=[k.name for k in PAGES])
def test_no_critical_or_serious_violations(browser, served, kind, width):
    # axe is injected as an inline script, which the pages' CSP rightly refuses
    options = DESKTOP if width == "desktop" else PHONE
    watch = Watch(browser, served, bypass_csp=True, **options)
    page = open_kind(watch, served, kind)
    found = violations(page)
    if found:
        shot(page, f"a11y-{kind.name}-{width}.png", full_page=True)
    assert found == [], "\n".join(f"{v['impact']} {v['id']}: {v['help']} — {v['nodes'][:5]}"
                                  for v in found)
    watch.check(allow_errors=r"404 \(NOT FOUND\)" if kind.status == 404 else None)
    watch.context.close()


def test_the_skip_link_shows_on_focus_and_skips_to_the_content(browser, served):
    watch = Watch(browser, served, **DESKTOP)
    page = watch.page()
    page.goto(served.url + "/page/actor/eu")
    skip = page.get_by_role("link", name="Skip to the content")
    hidden = skip.bounding_box()
    assert hidden is None or hidden["y"] + hidden["height"] <= 0, "shown before focus"
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["width"] > 40 and box["height"] > 10 and 0 <= box["y"] < 900
    shot(page, "a11y-skip-link.png")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")  # the next stop is inside the content, past the bar
    inside = page.evaluate("document.querySelector('main').contains(document.activeElement)")
    assert inside, "Tab after the skip link did not land in <main>"
    watch.check()
    watch.context.close()


def tab_to(page, selector: str, limit: int = 80, key: str = "Tab") -> None:
    """Press Tab (or `key`: Shift+Tab) until the focus is on an element matching
    `selector`."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; it is on "
                         + page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))


def focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def test_the_search_suggestions_close_with_escape_and_keep_the_focus(browser, served):
    watch = Watch(browser, served, bypass_csp=True, **DESKTOP)  # axe, with the list open
    page = watch.page()
    page.goto(served.url + "/")
    tab_to(page, "#site-search")
    page.keyboard.type("cyber", delay=30)
    options = page.locator("#site-search-list [role=option]")
    expect(options.first).to_be_visible()
    box = page.locator("#site-search")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert options.first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator("#site-search-list")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert focused(page, "#site-search") and box.input_value() == "cyber"
    page.keyboard.press("Enter")  # no choice: the results page
    page.wait_for_url(re.compile(r"/search\?q=cyber$"))
    watch.check()
    watch.context.close()


def test_a_suggestion_holds_no_link_and_a_click_opens_its_page(browser, served):
    """The options are plain text (a link inside an option is a nested control); the mouse
    still reaches the page: a press keeps the focus in the box, the click goes there."""
    watch = Watch(browser, served, **DESKTOP)
    page = watch.page()
    page.goto(served.url + "/page/topic/")
    page.get_by_role("combobox", name="Search by name").press_sequentially("cyber", delay=30)
    first = page.locator("#site-search-list [role=option]").first
    expect(first).to_have_text(re.compile(r"^Cybersecurity"))
    assert page.locator("#site-search-list a, #site-search-list [tabindex]").count() == 0
    first.click()
    page.wait_for_url(re.compile(r"/page/topic/cybersecurity$"))
    watch.check()
    watch.context.close()


def test_the_workbench_with_the_keyboard_only(browser, served):
    """Tab to the example menu, open it, Tab to an example, Enter; the caret is in the
    editor, Ctrl+Enter runs the query; Tab on to the permalink, make it, copy it; Tab on to
    a download of the results, named after the example."""
    watch = Watch(browser, served, bypass_csp=True, **DESKTOP)  # axe, with the menu open
    watch.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = watch.page()
    page.goto(served.endpoint)
    page.locator(".yasqe .CodeMirror").wait_for()
    tab_to(page, "#examples > summary")
    page.keyboard.press("Enter")
    expect(page.locator("#examples")).to_have_attribute("open", "")
    page.keyboard.press("Escape")  # closes the menu, the focus stays on it
    expect(page.locator("#examples")).not_to_have_attribute("open", "")
    assert focused(page, "#examples > summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#examples a[data-example='{AGENDA.name}']", limit=30)
    shot(page, "a11y-workbench-keyboard-menu.png")
    assert violations(page) == []
    page.keyboard.press("Enter")
    expect(page.locator("#examples")).not_to_have_attribute("open", "")
    assert focused(page, ".yasqe textarea"), "the caret is not in the editor"
    assert page.evaluate("() => window.policykgWorkbench.getTab().getQuery()") == AGENDA.text
    page.keyboard.press("Control+Enter")
    chip = page.locator(".yasgui .tabPanel.active .yasr_response_chip")
    chip.filter(has_text=re.compile(r"\d+ results? in")).wait_for()
    assert page.locator(".yasr table.dataTable tbody tr").count() > 0
    shot(page, "a11y-workbench-keyboard-run.png")
    # Tab indents in the editor; Esc leaves it (the page says so), then Tab moves on
    assert page.locator(".yasqe textarea").get_attribute("aria-describedby") == "editor-keys"
    expect(page.locator("#editor-keys")).to_contain_text("Esc")
    page.keyboard.press("Escape")
    assert not focused(page, ".yasqe textarea")
    tab_to(page, "#permalink-make", key="Shift+Tab")
    page.keyboard.press("Enter")
    field = page.get_by_role("textbox", name="Permalink of this query")
    expect(field).to_be_focused()
    link = field.input_value()
    assert re.fullmatch(re.escape(served.url) + r"/q/[0-9a-f]{12}", link), link
    tab_to(page, "#permalink-copy", limit=3)
    page.keyboard.press("Enter")
    expect(page.locator("#permalink-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    tab_to(page, "#downloads button[value=csv]", limit=10)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"{AGENDA.name}.csv"
    assert download.value.path().read_text(encoding="utf-8").startswith(
        "meeting,position,topic,concept")
    watch.check()
    watch.context.close()


def test_the_statement_facets_with_the_keyboard_only(browser, served):
    watch = Watch(browser, served, **DESKTOP)
    page = watch.page()
    page.goto(served.url + "/statements")
    speaker = page.get_by_role("region", name=re.compile("^Speaker")) \
        .get_by_role("link", name=re.compile("European Union"))
    tab_to(page, "a[href='/statements?speaker=actor/eu']")
    expect(speaker).to_be_focused()
    shot(page, "a11y-statements-keyboard.png")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/statements\?speaker=actor/eu$"))
    tab_to(page, "a[aria-label^='Remove the filter Speaker']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/statements$"))
    watch.check()
    watch.context.close()


def test_a_facets_every_value_with_the_keyboard_only_and_without_javascript(browser, served):
    """Beyond its top ten, a facet links to all its values: Tab to the link, Enter; the
    page opens at the facet, every value listed, the other filter kept, and Tab goes on
    into the facet's values; choosing one keeps the list whole; "Only the top 10" goes back."""
    watch = Watch(browser, served, java_script_enabled=False, **DESKTOP)
    page = watch.page()
    page.goto(served.url + "/statements?speaker=actor/japan")
    topics = page.get_by_role("region", name=re.compile("^Topic"))
    more = topics.get_by_role("link", name=re.compile(r"^All \d+ topics$"))
    every = int(more.inner_text().split()[1])
    assert topics.locator("li").count() == 10 < every
    tab_to(page, "a[href*='all=topic']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/statements\?speaker=actor/japan&all=topic#facet-topic$"))
    assert topics.locator("li").count() == every
    expect(topics.get_by_role("heading")).to_have_text(f"Topic (all {every})")
    expect(page.get_by_role("link", name=re.compile("Remove the filter Speaker: Japan"))
           ).to_be_visible()
    shot(page, "a11y-statements-facet-whole.png")
    page.keyboard.press("Tab")  # from the facet the page opened at, into its values
    assert page.evaluate("document.activeElement.closest('section.facet')"
                         "?.getAttribute('aria-labelledby')") == "facet-topic"
    chosen = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"speaker=actor/japan&topic=[^&]+&all=topic$"))
    assert chosen.startswith("/statements?speaker=actor/japan&topic=")
    assert topics.locator("li").count() >= 10
    tab_to(page, "a[href$='#facet-topic']")
    expect(page.locator(":focus")).to_have_text("Only the top 10")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"speaker=actor/japan&topic=[^&#]+#facet-topic$"))
    assert topics.locator("li").count() <= 11  # the top ten, and the one chosen
    watch.check()
    watch.context.close()
