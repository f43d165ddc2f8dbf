"""ASGI middleware that answers response-cache hits to GET and HEAD in the event loop.

Why: the WSGI app runs on threads (a2wsgi, server/asgi.py), and handing a request to a
thread and its answer back costs several loop/thread round trips, more than the hit
itself (a few microseconds); under load the threads also wait for the GIL. A hit needs no
thread: it is looked up here with the same cache (server/front_cache.py) and seen by the
same observers (server/exchange.py) as in the WSGI app. A miss goes on to the app, which
looks it up again (a dictionary lookup) and keeps its answer.
"""

from __future__ import annotations

from io import BytesIO

from a2wsgi.wsgi import build_environ

from .body_deadline import App, Receive, Scope, Send
from .exchange import Observed
from .front_cache import ResponseCache


class LoopHits:
    def __init__(self, app: App, cache: ResponseCache, observed: Observed | None) -> None:
        self.app, self.cache, self.observed = app, cache, observed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            environ = build_environ(scope, BytesIO())
            hit = self.cache.hit(environ)
            if hit is not None:
                watch = self.observed.watch(environ) if self.observed is not None else None
                await send(response_start(hit.status, hit.headers))
                if watch is not None:  # seen before the body leaves (server/exchange.py)
                    watch.status = int(hit.status[:3])
                    watch.finish(len(hit.body))
                await send({"type": "http.response.body", "body": hit.body})
                return
        await self.app(scope, receive, send)


def response_start(status: str, headers: list[tuple[str, str]]) -> dict:
    """The ASGI message that starts an answer, from a WSGI status line and headers."""
    return {"type": "http.response.start", "status": int(status[:3]),
            "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in headers]}
