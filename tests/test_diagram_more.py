"""An entity's neighbourhood on a store of many releases (conftest many_endpoint), over HTTP
and in Debian's Chromium at 390 px: the drawing and its list say how many neighbours they
leave out and link to where all are listed, and "Linked from" lists things in date order
where they have dates (meetings), else by name."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from graph.query import run
from graph.store import open_store
from tests.browser import PHONE, Watch, page_width, pytestmark, shot  # noqa: F401 (pytestmark applies here)
from tests.conftest import BASE
from tests.test_pages import get, text_of
from tests.test_reader_pages import section

SERIES = "/page/series/japan-eu-ict-policy-dialogue"


@pytest.fixture(scope="module")
def many(many_endpoint):
    return many_endpoint.url.removesuffix("/sparql"), open_store(many_endpoint.store)


def row(html: str, heading_id: str, name: str) -> str:
    """One property's row of a page's table ("What the graph says", "Linked from")."""
    table = section(html, heading_id)
    return next(r for r in table.split("<tr>")[1:]
                if text_of(r.split("</th>", 1)[0]).split(" (")[0].strip() == name)


def test_the_drawing_and_its_list_say_how_many_editions_they_leave_out(many):
    site, _ = many
    html = get(site, SERIES, "text/html").text
    editions = int(re.search(r"\((\d+)\)", text_of(row(html, "incoming", "series"))
                             .split("\n")[0]).group(1))
    assert editions >= 6
    around = section(html, "around")
    svg = around.split("<svg", 1)[1].split("</svg>", 1)[0]
    drawn = len(re.findall(r'<a xlink:href="/page/meeting/', svg))
    more = f"and {editions - drawn} more …"
    assert 0 < drawn < editions and more in svg
    assert re.search(r'<a xlink:href="#incoming"[^>]*>', svg)
    item = next(li for li in around.split("<li>")[1:] if "/page/meeting/" in li)
    assert f'<a href="#incoming" class="more">{more}</a>' in item
    assert 'id="incoming"' in html


def test_linked_from_lists_meetings_by_date_and_others_by_name(many):
    site, store = many
    meetings = re.findall(r'href="/page/(meeting/[^"]+)"',
                          row(get(site, SERIES, "text/html").text, "incoming", "series"))
    dates = []
    for meeting in meetings:
        found = list(run(store, f"SELECT ?d WHERE {{ <{BASE}id/{meeting}> "
                                f"<https://schema.org/startDate> ?d }}", BASE))
        dates.append(found[0]["d"].value)
    assert len(dates) >= 6 and dates == sorted(dates), list(zip(meetings, dates, strict=True))
    names = [text_of(n) for n in re.findall(r"<li>(.*?)</li>", row(
        get(site, "/page/actor/japan", "text/html").text, "incoming", "party"))]
    names = [n for n in names if not n.startswith("all ")]
    assert len(names) >= 10 and names == sorted(names, key=str.casefold), names


def test_on_a_phone_the_list_leads_to_all_it_leaves_out(browser, many_served):
    watch = Watch(browser, many_served, **PHONE)
    page = watch.page()
    page.goto(many_served.url + "/page/actor/japan")
    listing = page.locator(".around-list")
    expect(listing).to_be_visible()
    item = listing.locator("li", has_text="party")
    more = item.get_by_role("link", name=re.compile(r"^and \d+ more …$"))
    left = int(re.search(r"\d+", more.inner_text()).group(0))
    drawn = item.locator("a").count() - 2  # the meetings shown; not "party" nor "and … more"
    more.scroll_into_view_if_needed()
    shot(page, "diagram-more-phone.png")
    assert page_width(page) <= 390
    more.click()
    page.wait_for_url(re.compile(r"/page/actor/japan\?rel="))
    items = page.locator("main ol > li")
    total = int(re.search(r"\d+", page.locator("p.count").first.inner_text()).group(0))
    assert total == left + drawn and items.count() == min(total, 100)
    watch.check()
