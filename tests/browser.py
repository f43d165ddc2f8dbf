"""What the browser tests share: Debian's Chromium driven by Playwright against the
session's `policykg serve`, a context that lets requests reach our server only, and
screenshots in tests/artifacts/ for a person to look at. The fixtures `served` and
`browser` are registered in conftest.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
TIMEOUT_MS = 30_000
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}  # a context's options, as a phone shows pages

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not at /usr/bin/chromium (apt-get install chromium; "
           ".ci/run installs it)")


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT
    base: str  # the graph's base IRI

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"


class Watch:
    """A browser context whose requests may go to our server only; what else was tried,
    what the page logged as an error and its uncaught exceptions are kept. The graph's
    IRIs (under its base, https://kg.test/ here) are answered by our server, as a deployment
    maps its base to it: following an IRI in the results reaches our page for it."""

    def __init__(self, browser, served: Served, **options) -> None:
        self.served = served
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.port = urlsplit(served.url).port
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.context.on("page", self._watch_page)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.hostname == "127.0.0.1" and parts.port == self.port:
            route.continue_()
        elif url.startswith(self.served.base):
            local = self.served.url + "/" + url.removeprefix(self.served.base)
            route.fulfill(response=route.fetch(url=local))
        else:
            self.blocked.append(url)
            route.abort()

    def _watch_page(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def page(self):
        return self.context.new_page()

    def check(self, allow_errors: str | None = None) -> None:
        assert self.blocked == [], f"requests to other hosts were attempted: {self.blocked}"
        errors = [e for e in self.errors
                  if not (allow_errors and re.search(allow_errors, e))]
        assert not any("Content Security Policy" in e for e in errors), errors
        assert not any(e.startswith("uncaught") for e in errors), errors


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def page_width(page) -> int:
    """How wide the page lays out in CSS pixels: wider than the viewport scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")
