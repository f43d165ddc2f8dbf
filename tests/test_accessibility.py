"""Accessibility in a real browser (#14): axe-core (npm, installed by `make setup` into
node_modules) audits every kind of page at 1280 and 390 px and finds no critical or serious
violation; the pages are used with the keyboard only. Screenshots go to tests/artifacts/.

A new kind of page is one more row in PAGES."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, Watch, pytestmark, shot  # noqa: F401 (pytestmark applies here)
from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
BLOCKING = ("critical", "serious")


# Violations another branch of #14 removes (h/reader: the neighbourhood diagram, an
# svg role=img holding links; the 404 page). Listed per kind of page and held strictly:
# once a violation is gone, the test fails until its entry is removed here.
DIAGRAM = ("nested-interactive",)
BARE_404 = ("document-title", "html-has-lang")


@dataclass(frozen=True)
class Kind:
    """A kind of page: where one is, or the first link to one (`follow`) on that page;
    `ready`, what shows once the page's scripts have done their work; `pending`, the axe
    rules it still breaks that another branch fixes (above)."""

    name: str
    path: str
    follow: str | None = None
    ready: str | None = None
    status: int = 200
    pending: tuple[str, ...] = ()


PAGES = [
    Kind("home", "/"),
    Kind("actor", "/page/actor/eu", pending=DIAGRAM),
    Kind("topic", "/page/topic/cybersecurity", pending=DIAGRAM),
    Kind("initiative", "/page/initiative/notice", pending=DIAGRAM),
    Kind("meeting", "/page/meeting/japan-eu-ict-policy-dialogue-28", pending=DIAGRAM),
    Kind("release", "/page/release/2023-02-28-results-of-28th-japan-eu-ict-policy-dialogue",
         pending=DIAGRAM),
    Kind("statement", "/page/actor/eu", follow="a[href^='/page/statement/']",
         pending=DIAGRAM),
    Kind("index-actors", "/page/actor/"),
    Kind("index-initiatives", "/page/initiative/"),
    Kind("index-topics", "/page/topic/"),
    Kind("index-meetings", "/page/meeting/"),
    Kind("statements", "/statements"),
    Kind("statements-filtered", "/statements?speaker=actor/eu"),
    Kind("search", "/search?q=data+sharing"),
    Kind("workbench", "/sparql", ready=".yasr_response_chip, .yasgui .tabsList"),
    Kind("dumps", "/dumps/"),
    Kind("ontology", "/ontology"),
    Kind("not-found", "/nope", status=404, pending=BARE_404),
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
    return [v for v in found if v["impact"] in BLOCKING]


def open_kind(watch: Watch, served, kind: Kind):
    page = watch.page()
    response = page.goto(served.url + kind.path)
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
    rules = {v["id"] for v in found}
    assert not set(kind.pending) - rules, \
        f"fixed now: remove {set(kind.pending) - rules} from this kind's pending rules"
    found = [v for v in found if v["id"] not in kind.pending]
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
