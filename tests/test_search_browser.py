"""The search in a browser (#14): results grouped, things then statements, the words
highlighted; the search box and its suggestions used with the keyboard only. Screenshots in
tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import PHONE, Watch, page_width, pytestmark, shot  # noqa: F401  (skips without Chromium)


def test_the_results_page_groups_things_then_statements(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/search?q=data+sharing")
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings[:2] == ["Things", "Statements"]
    marks = page.locator("section[aria-labelledby=statements] mark")
    expect(marks.first).to_have_text(re.compile("data sharing", re.I))
    shot(page, "search-1-statements.png", full_page=True)
    page.locator("section[aria-labelledby=statements] li").first \
        .get_by_role("link", name="in the release →").click()
    page.wait_for_url(re.compile(r"/page/release/[^#]+#t-\d+-\d+$"))
    watch.check()


def test_search_by_keyboard_only(browser, served):
    """Type, arrow to a suggestion, Enter; Tab with the suggestions open moves to the next
    control, never to <body>; Escape closes them and Down Arrow opens them again; Enter
    without a choice opens the results page."""
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.url + "/")
    page.keyboard.press("Tab")  # the skip link, then the bar's links, then the box
    for _ in range(30):
        if page.evaluate("document.activeElement.id") == "site-search":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("japn", delay=30)
    options = page.locator("#site-search-list [role=option]")
    expect(options.first).to_have_text(re.compile(r"^Japan"))  # a typo still finds it
    shot(page, "search-2-suggest-typo.png")
    page.keyboard.press("Tab")
    page.wait_for_timeout(400)  # the list closes behind
    focused = page.evaluate("document.activeElement.tagName")
    assert focused not in ("BODY", "HTML"), "Tab dropped focus to <body>"
    assert page.locator("#site-search-list").is_hidden()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.press("Control+a")
    page.keyboard.type("japa", delay=30)  # the list opens again on typing
    expect(options.first).to_be_visible()
    page.keyboard.press("Escape")  # closes it, the words stay
    expect(page.locator("#site-search-list")).to_be_hidden()
    page.keyboard.press("ArrowDown")  # opens it again, on its first suggestion
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/page/(actor|place)/japan$"))
    page.get_by_role("combobox", name="Search by name").fill("vendor lock-in")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=vendor\+lock-in"))
    expect(page.locator("mark").first).to_have_text("vendor lock-in")
    watch.check()


def test_the_results_page_on_a_phone(browser, served):
    watch = Watch(browser, served, **PHONE)
    page = watch.page()
    page.goto(served.url + "/search?q=AI+Act")
    width = page_width(page)
    assert width <= 390, f"the results scroll sideways ({width}px)"
    first = page.locator("section[aria-labelledby=things] li").first
    expect(first.get_by_role("link").first).to_have_text("AI Act")
    shot(page, "search-3-phone.png", full_page=True)
    watch.check()
