"""The statements table in a real browser (Debian's Chromium via Playwright, localhost
only), at 1280 and 390 px: reached from the home page and from an entity page, filtered by
clicking facets, sorted by a column, paged, and used without JavaScript. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import PHONE, Watch, page_width, pytestmark, shot  # noqa: F401 (pytestmark applies here)


def caption_total(page) -> int:
    text = page.locator("table.statements-table caption").inner_text()
    return int(re.search(r"of ([\d,]+)", text).group(1).replace(",", ""))


def facet(page, title: str):
    return page.get_by_role("region", name=re.compile(f"^{title}"))


def test_from_the_home_page_filter_by_clicking_facets_and_sort(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/")
    page.get_by_role("link", name="every statement as a table").click()
    page.wait_for_url(re.compile(r"/statements$"))
    everything = caption_total(page)
    shot(page, "statements-1-table.png")

    speakers = facet(page, "Speaker")
    eu = speakers.get_by_role("link", name="European Union")
    eu_count = int(eu.locator("xpath=..").locator(".n").inner_text().replace(",", ""))
    eu.click()
    page.wait_for_url(re.compile(r"/statements\?speaker=actor/eu$"))
    assert caption_total(page) == eu_count < everything
    expect(page.get_by_role("link", name=re.compile("Remove the filter Speaker: European Union"))
           ).to_be_visible()
    for cell in page.locator("td[data-label=Speaker]").all():
        assert "European Union" in cell.inner_text()

    topic = facet(page, "Topic").get_by_role("link").first
    topic_name, topic_count = topic.inner_text(), int(
        topic.locator("xpath=..").locator(".n").inner_text().replace(",", ""))
    topic.click()
    page.wait_for_url(re.compile(r"speaker=actor/eu&topic=topic/"))
    assert caption_total(page) == topic_count  # counted over the speaker's statements
    for cell in page.locator("td[data-label=Topic]").all():
        assert topic_name in cell.inner_text()
    shot(page, "statements-2-filtered.png", full_page=True)

    page.get_by_role("columnheader", name=re.compile("Meeting")).get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=meeting"))
    assert page.get_by_role("columnheader", name=re.compile("Meeting")
                            ).get_attribute("aria-sort") == "ascending"
    page.get_by_role("link", name=re.compile("Remove the filter Speaker")).click()
    page.wait_for_url(re.compile(r"/statements\?topic=topic/[^&]+&sort=meeting$"))
    watch.check()


def test_from_an_entity_page_to_its_statements(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/page/actor/japan")
    link = page.get_by_role("link", name=re.compile(r"^all \d+ statements by Japan$"))
    count = int(link.inner_text().split()[1])
    link.click()
    page.wait_for_url(re.compile(r"/statements\?speaker=actor/japan$"))
    assert caption_total(page) == count
    watch.check()


def test_sort_size_and_pages_without_javascript(browser, served):
    watch = Watch(browser, served, java_script_enabled=False,
                  viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/statements?act=speech-act/explained")
    page.get_by_label("Sort by").select_option("-date")
    page.get_by_label("Rows per page").select_option("20")
    page.get_by_role("button", name="Show").click()
    # a form writes the value's "/" as %2F: the same value
    page.wait_for_url(re.compile(r"\?act=speech-act(/|%2F)explained&sort=-date&size=20$"))
    total = caption_total(page)
    rows = page.locator("table.statements-table tbody tr")
    assert rows.count() == min(20, total)
    dates = [d.inner_text() for d in page.locator("td[data-label=Date]").all()]
    assert dates == sorted(dates, reverse=True)
    if total > 20:
        after = page.get_by_role("navigation", name="Pages").get_by_role("link", name="next →")
        assert after.get_attribute("href").endswith("&page=2"), after.get_attribute("href")
        after.click()
        page.wait_for_url(re.compile(r"&page=2$"))
        assert rows.count() == min(20, total - 20)
    watch.check()


def test_the_table_on_a_phone(browser, served):
    watch = Watch(browser, served, **PHONE)
    page = watch.page()
    page.goto(served.url + "/statements?size=20")
    width = page_width(page)
    assert width <= 390, f"/statements scrolls sideways ({width}px)"
    shot(page, "statements-3-phone.png")
    page.locator("table.statements-table").scroll_into_view_if_needed()
    shot(page, "statements-4-phone-rows.png")
    quote = page.locator("td[data-label='What was said'] a").first
    quote.click()
    page.wait_for_url(re.compile(r"/page/release/.+#t-\d+-\d+$"))
    watch.check()
