"""Searches answered in the event loop (server/loop_routes.py): the answers the threads
give, seen by the same observers, and every other request still sent to the threads."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from a2wsgi import WSGIMiddleware

from server import wsgi
from server.loop_routes import IN_LOOP, LoopRoutes

ASKED = [
    ("GET", "/search?q=cybersecurity", {"Accept": "text/html"}),
    ("GET", "/search?q=japn", {}),
    ("GET", "/search?q=data+sharing&page=2", {}),
    ("GET", "/search?q=EU", {"Accept": "application/json"}),
    ("HEAD", "/search?q=EU", {}),
    ("GET", "/search.json?q=Japan", {}),
    ("GET", "/search.json?q=cyb&limit=8&only=things", {}),
    ("GET", "/search.json?q=", {}),
]
THREADED = [
    ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}),
    ("GET", "/page/actor/eu", {}),
    ("GET", "/nope", {}),
    ("POST", "/search?q=EU", {}),  # not allowed: the threads' 405
]


class Recorder:
    """The threaded app, noting the paths it is sent."""

    def __init__(self, app) -> None:
        self.app, self.paths = app, []

    async def __call__(self, scope, receive, send) -> None:
        self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@pytest.fixture
def stacks(bundled_store, monkeypatch):
    """Two servers' stacks on the bundled store (each its own response cache)."""
    built, _ = bundled_store
    monkeypatch.setenv("POLICYKG_STORE", str(built.result.path))
    return wsgi.stack(), wsgi.stack()


def answers(app, asked) -> list[tuple[int, dict, bytes]]:
    async def run() -> list[tuple[int, dict, bytes]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            out = []
            for method, path, headers in asked:
                response = await client.request(method, path, headers=headers)
                out.append((response.status_code,
                            {k: v for k, v in response.headers.items() if k != "date"},
                            response.content))
            return out

    # on a thread of its own: the browser tests' Playwright leaves an event loop running
    # on the main thread, where asyncio.run cannot start another
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()


def test_a_search_answered_in_the_loop_is_the_threads_answer(stacks):
    on_threads, in_loop = stacks
    threaded = Recorder(WSGIMiddleware(in_loop.app, workers=2))
    routed = LoopRoutes(threaded, in_loop.app)
    expected = answers(WSGIMiddleware(on_threads.app, workers=2), ASKED + THREADED)
    got = answers(routed, ASKED + THREADED)
    assert got == expected
    assert threaded.paths == [path.split("?")[0] for _, path, _ in THREADED]
    statuses = [status for status, _, _ in got]
    assert statuses == [200] * len(ASKED) + [200, 200, 404, 405]
    assert b"<mark>" in got[0][2] and got[4][2] == b""  # a search found, a HEAD bodiless


def test_a_search_in_the_loop_is_seen_by_the_observers(stacks):
    """The metrics (and the access log, an observer like them) count it as on a thread,
    and the response cache keeps it: asked again, it is a hit."""
    from server.metrics import REQUESTS

    _, in_loop = stacks
    counted = REQUESTS.labels("search", "200")
    before = counted._value.get()
    routed = LoopRoutes(WSGIMiddleware(in_loop.app, workers=2), in_loop.app)
    again = [("GET", "/search?q=cybersecurity&again=1", {})] * 2
    (_, first, _), (_, second, _) = answers(routed, again)
    assert counted._value.get() == before + 2
    assert "x-policykg-cache" not in first and second["x-policykg-cache"] == "hit"


def test_the_routes_answered_in_the_loop_exist(stacks):
    _, in_loop = stacks
    assert IN_LOOP.issubset(rule.endpoint for rule in in_loop.app.url_map.iter_rules())
