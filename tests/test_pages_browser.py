"""Browsing the graph in a real browser (Debian's Chromium via Playwright, localhost only):
home → index → entity → its evidence → the annotated release → back, and the search box's
suggestions. No request may leave the server; screenshots go to tests/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import ARTIFACTS, PHONE, Watch, page_width, pytestmark, shot  # noqa: F401 (pytestmark applies here)

RELEASE = "/page/release/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue"


def test_home_to_index_to_entity_to_evidence_to_release_and_back(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/")
    shot(page, "pages-1-home.png")
    page.get_by_role("navigation", name="Browse").get_by_role("link", name="Actors").click()
    page.wait_for_url(re.compile(r"/page/actor/$"))
    shot(page, "pages-2-actors.png", full_page=True)
    page.get_by_role("link", name="National Institute of Information and Communications "
                                   "Technology").click()
    page.wait_for_url(re.compile(r"/page/actor/nict$"))
    assert page.get_by_role("heading", level=1).inner_text() == \
        "National Institute of Information and Communications Technology"
    quote = page.locator("blockquote.quote").first
    assert "Japan introduced the NOTICE project being implemented by NICT" in quote.inner_text()
    assert page.locator("svg.neighbourhood").is_visible()
    shot(page, "pages-3-entity.png", full_page=True)

    quote.get_by_role("link", name=re.compile("in the release")).click()
    page.wait_for_url(re.compile(re.escape(RELEASE) + r"#t-\d+-\d+$"))
    anchor = page.url.split("#")[1]
    target = page.locator(f"[id='{anchor}']")
    assert target.count() == 1
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, "the release view scrolls to the span"
    shot(page, "pages-4-release.png")
    assert page.locator(".release-text mark").count() > 10

    page.go_back()
    page.wait_for_url(re.compile(r"/page/actor/nict$"))
    page.get_by_role("link", name="NOTICE").first.click()
    page.wait_for_url(re.compile(r"/page/initiative/notice$"))
    assert "implemented by" in page.locator("main").inner_text()
    watch.check()


def test_the_search_box_suggests_as_you_type(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/page/topic/")
    box = page.get_by_role("combobox", name="Search by name")
    box.press_sequentially("cyber", delay=30)
    options = page.locator("#site-search-list [role=option]")
    # the list answers each keystroke: wait for the answer to the whole word ("c" alone
    # may list the CIVIC project first)
    expect(options.first).to_have_text(re.compile(r"^Cybersecurity"))
    assert box.get_attribute("aria-expanded") == "true"
    shot(page, "pages-5-suggest.png")
    box.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/page/topic/cybersecurity$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Cybersecurity"
    watch.check()


def test_search_and_pages_without_javascript(browser, served):
    watch = Watch(browser, served, java_script_enabled=False,
                  viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/")
    page.fill("#site-search", "NICT")
    page.press("#site-search", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=NICT"))
    page.get_by_role("link", name="National Institute of Information and Communications "
                                   "Technology").click()
    page.wait_for_url(re.compile(r"/page/actor/nict$"))
    watch.check()


def test_pages_read_on_a_phone(browser, served):
    watch = Watch(browser, served, **PHONE)
    page = watch.page()
    for path, name in (("/page/meeting/japan-eu-ict-policy-dialogue-28", "pages-6-phone-meeting"),
                       ("/page/initiative/nis2-directive", "pages-7-phone-initiative"),
                       (RELEASE, "pages-8-phone-release")):
        page.goto(served.url + path)
        width = page_width(page)
        assert width <= 390, f"{path} scrolls sideways ({width}px)"
        shot(page, name + ".png")
    page.goto(served.url + "/ontology")
    shot(page, "pages-9-ontology.png")
    watch.check()


OVERLAPS = """svg => {
  const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()]);
  const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width &&
                        a.y < b.y + b.height && b.y < a.y + a.height;
  const found = [];
  boxes.forEach(([s, a], i) => boxes.slice(i + 1).forEach(([t, b]) => {
    if (hit(a, b)) found.push(s + ' / ' + t); }));
  return found;
}"""


# the effective size of the smallest name drawn: its font size times the drawing's scale
SMALLEST_TEXT = """svg => Math.min(...[...svg.querySelectorAll('text')].map(t =>
  parseFloat(t.getAttribute('font-size')) * svg.getScreenCTM().a))"""
LIST_OVERLAPS = """list => {
  const boxes = [...list.querySelectorAll('a, .via')].flatMap(
    e => [...e.getClientRects()].map(r => [e.textContent, r]));
  const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                        a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const found = [];
  boxes.forEach(([s, a], i) => boxes.slice(i + 1).forEach(([t, b]) => {
    if (s !== t && hit(a, b)) found.push(s + ' / ' + t); }));
  return found;
}"""
DIAGRAM_PAGES = ("/page/actor/nict", "/page/initiative/notice", "/page/actor/eu",
                 "/page/topic/cybersecurity", "/page/actor/japan", RELEASE,
                 "/page/meeting/japan-eu-ict-policy-dialogue-28")


def test_no_label_of_the_diagram_covers_another(browser, served):
    """As laid out by the browser (real text boxes), on pages with long names and many
    neighbours: the centre's name, the properties' names and the things' names, none
    smaller than 12 px on the screen; each thing a link."""
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    for n, path in enumerate(DIAGRAM_PAGES):
        page.goto(served.url + path)
        svg = page.locator("svg.neighbourhood")
        assert svg.count() == 1 and svg.is_visible(), path
        assert svg.evaluate(OVERLAPS) == [], path
        assert svg.evaluate(SMALLEST_TEXT) >= 12, path
        assert svg.get_attribute("role") != "img"  # it holds links
        links = svg.locator("a")
        assert links.count() >= 1
        assert links.first.get_attribute("xlink:href").startswith("/page/")
        assert page.locator(".around-list").is_hidden(), path  # the drawing says it
        page.locator("section.around").screenshot(path=str(ARTIFACTS / f"diagram-{n}.png"))
    # narrower than the drawing (a tablet), it keeps its size and scrolls in its box
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(served.url + "/page/meeting/japan-eu-ict-policy-dialogue-28")
    assert page.locator("svg.neighbourhood").evaluate(SMALLEST_TEXT) >= 12
    assert page_width(page) <= 800
    page.set_viewport_size({"width": 1280, "height": 900})
    # the drawing's links are reached by keyboard, as the page's other links
    page.goto(served.url + "/page/actor/eu")
    first = page.locator("svg.neighbourhood a").first
    first.focus()
    assert page.evaluate("document.activeElement.tagName.toLowerCase()") == "a"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/page/initiative/"))
    watch.check()


def test_on_a_phone_the_neighbourhood_is_a_list(browser, served):
    """At 390 px the drawing's names would shrink below 12 px: the list takes its place,
    at the page's text size, each name clear of the others."""
    watch = Watch(browser, served, **PHONE)
    page = watch.page()
    for n, path in enumerate(DIAGRAM_PAGES):
        page.goto(served.url + path)
        listed = page.locator(".around-list")
        assert page.locator("svg.neighbourhood").is_hidden(), path
        assert listed.is_visible(), path
        assert listed.evaluate(LIST_OVERLAPS) == [], path
        size = listed.evaluate("l => parseFloat(getComputedStyle(l).fontSize)")
        assert size >= 12, path
        assert listed.locator("a").count() >= 1
        assert page_width(page) <= 390, path
        listed.screenshot(path=str(ARTIFACTS / f"diagram-phone-{n}.png"))
    watch.check()


def test_rdf_details_are_collapsed_and_open_on_demand(browser, served):
    for options, name in (({"viewport": {"width": 1280, "height": 900}}, "wide"),
                          (PHONE, "phone")):
        watch = Watch(browser, served, **options)
        page = watch.page()
        page.goto(served.url + "/page/actor/eu")
        details = page.locator("details.rdf-details")
        assert details.get_attribute("open") is None
        assert not page.get_by_text("curation", exact=True).is_visible()
        shot(page, f"reader-eu-{name}.png", full_page=True)
        details.locator("summary").click()
        expect(page.get_by_text("curation", exact=True)).to_be_visible()
        assert page_width(page) <= options["viewport"]["width"]
        watch.check()


def test_the_404_page_is_the_site_s_with_its_search(browser, served):
    for options, name in (({"viewport": {"width": 1280, "height": 900}}, "wide"),
                          (PHONE, "phone")):
        watch = Watch(browser, served, **options)
        page = watch.page()
        response = page.goto(served.url + "/page/actor/japn")
        assert response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "Nothing here"
        box = page.get_by_role("combobox", name="Search by name")
        assert box.input_value() == "japn"
        shot(page, f"reader-404-{name}.png", full_page=True)
        page.get_by_role("main").get_by_role("link", name="Japan", exact=True).first.click()
        page.wait_for_url(re.compile(r"/page/actor/japan$"))
        watch.check(allow_errors="404")  # the console notes the 404 of the first page
