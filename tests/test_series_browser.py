"""Series over time, dated claims and the initiatives index in a real browser (Debian's
Chromium via Playwright, localhost only), at 1280 and 390 px, on the session's store of the
bundled release and the fixture releases (the Japan-EU ICT Policy Dialogue's editions 27,
28, 29, 31 and more), and on a phone on the store of many releases (six editions).
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import PHONE, Watch, page_width, pytestmark, shot  # noqa: F401 (pytestmark applies here)
from tests.test_statements_browser import caption_total

SERIES = "/page/series/japan-eu-ict-policy-dialogue"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def test_a_series_timeline_and_a_matrix_cell_to_its_statements(browser, served):
    watch = Watch(browser, served, **DESKTOP)
    page = watch.page()
    page.goto(served.url + "/")
    page.get_by_role("link", name="Meetings").first.click()
    page.get_by_role("link", name=re.compile(r"Japan-EU ICT Policy Dialogue$")).first.click()
    page.get_by_role("link", name="Japan-EU ICT Policy Dialogue", exact=True).first.click()
    page.wait_for_url(re.compile(re.escape(SERIES) + "$"))
    timeline = page.locator("ol.timeline > li")
    assert timeline.count() >= 4
    dates = [t.get_attribute("datetime") for t in page.locator("ol.timeline time").all()]
    assert dates == sorted(dates)
    matrix = page.get_by_role("region", name=re.compile("Statements per topic"))
    expect(matrix.get_by_role("table")).to_be_visible()
    matrix.scroll_into_view_if_needed()
    shot(page, "series-1-page.png", full_page=True)
    cell = matrix.locator("td a").first
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r"/statements\?meeting=meeting/[^&]+&topic=topic/[^&]+$"))
    assert caption_total(page) == count
    watch.check()


def test_a_series_on_a_phone_scrolls_its_matrix_not_the_page(browser, many_served):
    """Six editions and more make the matrix wider than a phone: it scrolls in its own box
    (by keyboard too), and the page stays as wide as the phone."""
    watch = Watch(browser, many_served, **PHONE)
    page = watch.page()
    page.goto(many_served.url + SERIES)
    assert page.locator("ol.timeline > li").count() >= 6
    width = page_width(page)
    assert width <= 390, f"the series page scrolls sideways ({width}px)"
    assert page.evaluate("window.innerWidth") == 390  # the phone did not zoom out to fit it
    matrix = page.get_by_role("region", name=re.compile("Statements per topic"))
    matrix.scroll_into_view_if_needed()
    shot(page, "series-2-phone-matrix.png")
    inner, box = matrix.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert inner > box  # wider than the phone: scrolled by itself
    matrix.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=matrix.element_handle())
    assert page_width(page) <= 390
    watch.check()


def test_an_actors_statements_per_edition_lead_to_them(browser, served):
    watch = Watch(browser, served, **DESKTOP)
    page = watch.page()
    page.goto(served.url + "/page/actor/eu")
    section = page.get_by_role("region", name="Its statements per edition")
    section.scroll_into_view_if_needed()
    shot(page, "series-3-actor-editions.png")
    link = section.locator("td.n a").first
    count = int(link.inner_text().replace(",", ""))
    link.click()
    page.wait_for_url(re.compile(r"/statements\?speaker=actor/eu&meeting=meeting/[^&]+$"))
    assert caption_total(page) == count
    watch.check()


def test_a_status_as_of_its_date_per_its_release(browser, served):
    watch = Watch(browser, served, **PHONE)
    page = watch.page()
    page.goto(served.url + "/page/initiative/nis2-directive")
    claims = page.get_by_role("region", name="As the releases state it, by date")
    latest = claims.locator("dd.latest").first
    expect(latest).to_contain_text(re.compile(r"— as of \d{4}-\d{2}-\d{2}, per "))
    latest.scroll_into_view_if_needed()
    shot(page, "series-4-claims-phone.png")
    assert page_width(page) <= 390
    latest.locator(".asof a").click()
    page.wait_for_url(re.compile(r"/page/release/"))
    watch.check()


def test_the_initiatives_index_law_count_lists_the_laws(browser, served):
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        watch = Watch(browser, served, **options)
        page = watch.page()
        page.goto(served.url + "/page/initiative/")
        kinds = page.get_by_role("list", name="By kind")
        law = kinds.get_by_role("link", name=re.compile(r"^law \d+$"))
        count = int(law.inner_text().split()[-1])
        law.click()
        page.wait_for_url(re.compile(r"/page/initiative/\?kind=Law$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Initiatives: law")
        assert page.locator("table.initiatives tbody tr").count() == count
        expect(kinds.get_by_role("link", name=re.compile(r"^law "))).to_have_attribute(
            "aria-current", "page")
        shot(page, f"initiatives-{name}.png", full_page=True)
        assert page_width(page) <= options["viewport"]["width"]
        watch.check()
