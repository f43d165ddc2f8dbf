"""The workbench in a real browser: Debian's Chromium driven by Playwright, against
`policykg serve` on a free loopback port (the session fixture `endpoint`). Every request
to anywhere else is aborted and recorded, and must never be attempted (no CDN, no
prefix.cc, no LOV). Screenshots go to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import requests
from playwright.sync_api import expect

from ontology import PK
from queries import examples
from tests.browser import ARTIFACTS, PHONE, TIMEOUT_MS, Served, Watch, page_width, pytestmark, shot  # noqa: F401

AGENDA = next(e for e in examples() if e.name == "03-agenda")


def _active(page, selector: str):
    """An element of the active tab's panel (every tab keeps its own, hidden)."""
    return page.locator(f".yasgui .tabPanel.active {selector}")


def _posted(served: Served):
    return lambda r: r.url == served.endpoint and r.request.method == "POST"


def _open_example(page, example) -> None:
    """Open the example menu and choose `example` from it."""
    page.locator("#examples > summary").click()
    page.locator(f"#examples a[data-example='{example.name}']").click()
    expect(page.locator("#examples")).not_to_have_attribute("open", "")


def _run_active(page):
    _active(page, ".yasqe_queryButton").click()
    chip = _active(page, ".yasr_response_chip")
    chip.filter(has_text=re.compile(r"\d+ results? in [\d.]+ seconds?")).wait_for()
    return chip.inner_text()


def test_workbench_runs_an_example_and_links_results(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    response = page.goto(served.endpoint)
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # the examples are a menu of ours, every one of them in it; no tab row
    page.locator("#examples > summary").click()
    listed = page.locator("#examples a[data-example]")
    assert listed.evaluate_all("links => links.map(a => a.dataset.example)") == \
        [ex.name for ex in examples()]
    shot(page, "workbench-examples-menu.png")
    page.locator("#examples > summary").click()
    assert page.get_by_role("tab").count() == 0

    # YASGUI as configured: our endpoint only, no LOV autocompleters, no prefix.cc
    setup = page.evaluate("""() => {
        const y = window.policykgWorkbench, yasqe = y.getTab().getYasqe();
        return {endpoints: y.config.endpointCatalogueOptions.getData(),
                endpoint: y.getTab().getEndpoint(),
                autocompleters: yasqe.config.autocompleters,
                enabled: Object.keys(yasqe.autocompleters).filter(k => yasqe.autocompleters[k]),
                prefixCcApi: yasqe.config.prefixCcApi,
                persistenceId: y.config.persistenceId,
                copyEndpointOnNewTab: y.config.copyEndpointOnNewTab};
    }""")
    assert setup["endpoints"] == [{"endpoint": served.endpoint}]
    assert setup["endpoint"] == served.endpoint
    assert "class" not in setup["autocompleters"] and "property" not in setup["autocompleters"]
    assert set(setup["enabled"]) <= {"variables", "prefixes"}
    assert not setup["prefixCcApi"]
    assert setup["persistenceId"] == "policykg-workbench-1"
    assert setup["copyEndpointOnNewTab"] is True

    # pick the agenda example, see its description, run it
    _open_example(page, AGENDA)
    description = page.locator("#example-description")
    assert description.inner_text() == f"{AGENDA.title} — {AGENDA.description}"
    assert page.evaluate("() => window.policykgWorkbench.getTab().getQuery()") == AGENDA.text
    chip = _run_active(page)
    rows = _active(page, ".yasr table.dataTable tbody tr")
    count = rows.count()
    assert count > 0
    assert int(chip.split()[0]) >= count  # "N results in S seconds" (one page shown)
    headers = _active(page, ".yasr table.dataTable thead th").all_inner_texts()
    assert {"meeting", "position", "topic", "concept"} <= set(headers)
    # values as people read them: 1, not "1"^^xsd:integer; no row-number column
    cells = _active(page, ".yasr table.dataTable tbody tr").first.locator("td").all_inner_texts()
    assert cells[1] == "1" and not any("^^" in c or c.startswith('"') for c in cells), cells
    shot(page, "workbench-desktop.png")
    shot(page, "workbench-desktop-full.png", full_page=True)

    # an IRI of the graph links to itself: this server's page for it
    link = _active(page, f".yasr table.dataTable a.iri[href^='{served.base}id/']").first
    href = link.get_attribute("href")
    assert link.inner_text() == "topic:" + href.removeprefix(served.base + "id/topic/")
    with watch.context.expect_page() as opened:
        link.click()  # in a new tab (YASR's links open in a new window)
    entity = opened.value
    entity.wait_for_load_state()
    assert entity.url == href
    entity.close()

    watch.check()
    watch.context.close()


def test_a_sparql_link_opens_the_query_and_runs_it(browser, served):
    query = (f"PREFIX pk: <{PK}>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             "SELECT DISTINCT ?topic ?concept\n"
             "WHERE { ?item pk:topic ?concept . ?concept skos:prefLabel ?topic }\n"
             "ORDER BY ?topic")
    link = served.endpoint + "?query=" + quote(query)
    # any other client gets the results of the same address
    data = requests.get(link, headers={"Accept": "application/sparql-results+json"},
                        timeout=30).json()
    assert data["results"]["bindings"]
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    response = page.goto(link)
    assert response.headers["content-type"].startswith("text/html")
    chip = _active(page, ".yasr_response_chip")
    chip.filter(has_text=re.compile(r"\d+ results?")).wait_for()  # run on opening
    assert page.evaluate("() => window.policykgWorkbench.getTab().getQuery()") == query
    assert int(chip.inner_text().split()[0]) == len(data["results"]["bindings"])
    assert page.locator("#example-description").is_hidden()  # no example's
    with page.expect_download() as download:
        page.locator("#downloads").get_by_role("button", name="CSV").click()
    # named by what it selects (SELECT DISTINCT ?topic ?concept)
    assert download.value.suggested_filename == "policykg-topic-concept.csv"
    shot(page, "workbench-permalink.png")

    # a link too long for a request line, kept after "#", opens all the same
    long = "# " + "a long comment " * 300 + "\n" + query
    other = watch.page()
    other.goto(served.endpoint + "#query=" + quote(long))
    _active(other, ".yasr_response_chip").filter(has_text=re.compile(r"\d+ results?")).wait_for()
    assert other.evaluate("() => window.policykgWorkbench.getTab().getQuery()") == long
    watch.check()
    watch.context.close()


def test_the_permalink_button_gives_a_short_link_that_opens_the_query(browser, served):
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    watch.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = watch.page()
    page.goto(served.endpoint)
    _open_example(page, AGENDA)
    page.get_by_role("button", name="Permalink").click()
    field = page.get_by_role("textbox", name="Permalink of this query")
    expect(field).to_be_focused()
    link = field.input_value()
    assert re.fullmatch(re.escape(served.url) + r"/q/[0-9a-f]{12}", link), link
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#permalink-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    shot(page, "workbench-permalink-made.png")
    # the same query, the same link
    page.get_by_role("button", name="Permalink").click()
    expect(field).to_have_value(link)

    other = watch.page()
    assert other.goto(link).status == 200
    _active(other, ".yasr_response_chip").filter(has_text=re.compile(r"\d+ results?")).wait_for()
    assert other.evaluate("() => window.policykgWorkbench.getTab().getQuery()") == AGENDA.text
    assert _active(other, ".yasr table.dataTable tbody tr").count() > 0
    watch.check()
    watch.context.close()


def test_results_link_our_terms_to_this_servers_documentation(browser, served):
    """pk: terms have w3id.org IRIs; a result links them to /ontology#Term here (no network
    needed, and the terms this graph was built with)."""
    query = (f"PREFIX pk: <{PK}>\n"
             "SELECT DISTINCT ?class WHERE { ?m a ?class . FILTER (?class = pk:Meeting) }")
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.endpoint + "?query=" + quote(query))
    _active(page, ".yasr_response_chip").filter(has_text=re.compile(r"\d+ results?")).wait_for()
    link = _active(page, ".yasr table.dataTable a.iri").first
    link.wait_for()
    assert link.inner_text() == "pk:Meeting"
    page.wait_for_function("""() => !document.querySelector(
        '.tabPanel.active .yasr a[href^="https://w3id.org/"]')""")
    assert link.get_attribute("href") == "/ontology#Meeting"
    with watch.context.expect_page() as opened:
        link.click()
    docs = opened.value
    docs.wait_for_load_state()
    assert docs.url == served.url + "/ontology#Meeting"
    assert docs.locator("article#Meeting").is_visible()
    docs.close()
    watch.check()
    watch.context.close()


def test_workbench_on_a_phone(browser, served):
    watch = Watch(browser, served, **PHONE)
    page = watch.page()
    page.goto(served.endpoint)
    page.locator("#examples > summary").click()
    shot(page, "workbench-phone-menu.png")
    menu = page.locator("#examples ol").bounding_box()
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= 390, menu
    page.locator(f"#examples a[data-example='{AGENDA.name}']").click()
    _run_active(page)
    assert _active(page, ".yasr table.dataTable tbody tr").count() > 0
    shot(page, "workbench-phone.png")
    shot(page, "workbench-phone-full.png", full_page=True)
    width = page_width(page)
    assert width <= 390 + 1, f"the page is {width} px wide on a 390 px screen"
    watch.check()
    watch.context.close()


def test_without_javascript_the_plain_form_works(browser, served):
    watch = Watch(browser, served, viewport={"width": 1024, "height": 800},
                  java_script_enabled=False)
    page = watch.page()
    page.goto(served.endpoint + "?query=" + quote(AGENDA.text))
    form = page.locator("form.plain")
    assert form.is_visible()
    assert page.locator("#yasgui").inner_html() == ""
    textarea = form.locator("textarea[name=query]")
    assert textarea.input_value() == AGENDA.text  # the permalink fills the form
    shot(page, "workbench-nojs.png", full_page=True)
    form.locator("select[name=format]").select_option("csv")
    with page.expect_response(_posted(served)) as answered, \
            page.expect_download() as downloaded:
        form.get_by_role("button", name="Run query").click()
    response = answered.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    csv = Path(downloaded.value.path()).read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("meeting,position,topic,concept")
    assert len(csv.splitlines()) > 1

    # with no format chosen, the browser's Accept decides: SPARQL XML (application/xml)
    page.goto(served.endpoint)
    form.locator("textarea[name=query]").fill(
        "SELECT ?topic WHERE { ?c skos:prefLabel ?topic } ORDER BY ?topic LIMIT 3")
    with page.expect_response(_posted(served)) as answered, \
            page.expect_download() as downloaded:
        form.get_by_role("button", name="Run query").click()
    assert answered.value.status == 200
    assert answered.value.headers["content-type"].startswith("application/sparql-results+xml")
    xml = Path(downloaded.value.path()).read_text(encoding="utf-8")
    assert xml.count("<result>") == 3
    watch.check()
    watch.context.close()


def test_results_download_in_every_format(browser, served):
    """The bar under the editor offers the formats of the current query's kind of result,
    and each button downloads the results (a POST, so long queries fit)."""
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    page = watch.page()
    page.goto(served.endpoint)
    _open_example(page, AGENDA)
    bar = page.locator("#downloads")
    bar.wait_for()
    shown = [b.inner_text() for b in bar.locator("button").all() if b.is_visible()]
    assert shown == ["JSON", "XML", "CSV", "TSV"]
    with page.expect_download() as download:
        bar.get_by_role("button", name="CSV").click()
    saved = download.value
    assert saved.suggested_filename == f"{AGENDA.name}.csv"  # named after the example
    text = Path(saved.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "meeting,position,topic,concept"
    assert "Smart Cities" in text
    # YASR's own download button (a blob: link, which the page's CSP stops: it did nothing)
    # is not offered; the bar above is the way
    _run_active(page)
    expect(_active(page, ".yasr_downloadIcon")).to_be_hidden()
    page.evaluate("(query) => { window.policykgWorkbench.getTab().setQuery(query); }",
                  f"CONSTRUCT WHERE {{ ?m a <{PK}Meeting> }}")
    page.wait_for_function("""() => !document.querySelector(
        '#downloads button[value=ttl]').hidden""")
    shown = [b.inner_text() for b in bar.locator("button").all() if b.is_visible()]
    assert shown == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML", "N-Quads", "TriG"]
    with page.expect_download() as download:
        bar.get_by_role("button", name="Turtle").click()
    # the example's text is gone: so is its name
    assert download.value.suggested_filename == "policykg-results.ttl"
    turtle = Path(download.value.path()).read_text(encoding="utf-8")
    assert "ontology#Meeting" in turtle or "Meeting" in turtle
    watch.check()
    watch.context.close()


def _downloaded_as(page) -> str:
    """The name the CSV button's download is saved under."""
    with page.expect_download() as download:
        page.locator("#downloads").get_by_role("button", name="CSV").click()
    return download.value.suggested_filename


def test_a_download_is_named_after_the_text_in_the_editor(browser, served):
    """An example's name and banner belong to its text: typed over, pasted over, replaced by
    another example or a permalink's query, the name comes from the text (its `# title:`,
    the variables it selects) or is the neutral one; a reload does not bring back a name the
    text no longer has."""
    watch = Watch(browser, served, viewport={"width": 1280, "height": 900})
    watch.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = watch.page()
    page.goto(served.endpoint)
    banner = page.locator("#example-description")
    _open_example(page, AGENDA)
    expect(banner).to_have_text(f"{AGENDA.title} — {AGENDA.description}")
    assert _downloaded_as(page) == f"{AGENDA.name}.csv"

    # typed: one space more, and the text is no longer the example's; its title line stays
    editor = _active(page, ".CodeMirror")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" ")
    expect(banner).to_be_hidden()
    assert _downloaded_as(page) == "which-topics-were-on-the-agenda-in-order.csv"

    # pasted over it, as the reviewer did: no title, no variables of its own
    page.evaluate("(text) => navigator.clipboard.writeText(text)",
                  "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+V")
    page.wait_for_function("() => window.policykgWorkbench.getTab().getQuery()"
                           ".startsWith('SELECT *')")
    page.keyboard.press("Control+Enter")
    _active(page, ".yasr_response_chip").filter(has_text=re.compile(r"3 results")).wait_for()
    expect(banner).to_be_hidden()
    assert _downloaded_as(page) == "policykg-results.csv"

    # a query of one's own is named by what it selects
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("SELECT ?topic (COUNT(?st) AS ?statements)\n"
                              f"WHERE {{ ?st <{PK}onTopic> ?topic }} GROUP BY ?topic")
    assert _downloaded_as(page) == "policykg-topic-statements.csv"

    # the editor's text outlives a reload; the example's name does not come back with it
    page.reload()
    _active(page, ".CodeMirror").wait_for()
    assert page.evaluate("() => window.policykgWorkbench.getTab().getQuery()"
                         ).startswith("SELECT ?topic")
    expect(banner).to_be_hidden()
    assert page.evaluate("() => window.policykgWorkbench.getTab().getName()") == \
        "policykg-topic-statements"
    assert _downloaded_as(page) == "policykg-topic-statements.csv"

    # another example: its own name and banner
    other = next(e for e in examples() if e.name == "05-eu-cybersecurity")
    _open_example(page, other)
    expect(banner).to_have_text(f"{other.title} — {other.description}")
    assert _downloaded_as(page) == f"{other.name}.csv"

    # a permalink's query replaces it: not the example's any more
    page.goto(served.endpoint + "?query=" + quote("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"))
    _active(page, ".yasr_response_chip").filter(has_text=re.compile(r"2 results")).wait_for()
    expect(banner).to_be_hidden()
    assert _downloaded_as(page) == "policykg-s.csv"
    watch.check()
    watch.context.close()
