"""ASGI middleware that answers the search's requests in the event loop, without a thread.

Why: the WSGI app runs on threads (a2wsgi, server/asgi.py), and a request's trip to a
thread and back (the answer's head, its body and its end are each a loop/thread round
trip) costs a full-text search about 0.4 ms of CPU time, a sixth of the search itself
(docs/benchmarks.md). Under the GIL a thread adds no parallelism to work that is all
Python and tantivy, with nothing to wait for. The search is such work on a local store:
its index is opened once per build, a search takes 1-7 ms even for the longest queries,
deepest pages and typos, and the first of a build's version about 0.1 s (the names read
from the index). In front of a SPARQL engine (`serve --engine`) a search asks the engine
for the kinds of the things it finds, a network wait, so there it stays on the threads,
as every other route does: queries wait for their evaluator processes, pages may be
rendered live.

The request goes through the same WSGI app (observers, response cache, Flask) as on a
thread; only the hop is saved.
"""

from __future__ import annotations

from io import BytesIO

from a2wsgi.wsgi import build_environ
from flask import Flask

from .body_deadline import App, Receive, Scope, Send
from .exchange import endpoints
from .loop_hits import response_start

# the endpoints answered in the loop (server/search.py)
IN_LOOP = frozenset({"search.search_page", "search.search_json"})


class LoopRoutes:
    def __init__(self, app: App, flask: Flask) -> None:
        self.app, self.flask = app, flask
        self.endpoint = endpoints(flask)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
                and self.endpoint(scope["path"], scope["method"]) in IN_LOOP):
            await self.app(scope, receive, send)
            return
        environ = build_environ(scope, BytesIO(await _body(receive)))
        started: list = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            started[:] = [status, headers]

        result = self.flask(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()  # the observers see the exchange end
        await send(response_start(*started))
        await send({"type": "http.response.body", "body": body})


async def _body(receive: Receive) -> bytes:
    """The request's body, all there already (server/body_deadline.py read it); a GET
    rarely has one, but the app is owed what was sent."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if message["type"] != "http.request" or not message.get("more_body", False):
            return bytes(body)
