"""The ASGI application `policykg serve` runs in each worker process (granian's ASGI
interface): the WSGI app of server/wsgi.py on a pool of threads (a2wsgi), behind
server/body_deadline.py, which reads each request body in the event loop within the body
timeout, so that a body that never finishes holds a coroutine, not one of the threads;
response-cache hits are answered in the event loop (server/loop_hits.py), and so are
searches on a local store (server/loop_routes.py)."""

from __future__ import annotations

from a2wsgi import WSGIMiddleware

from . import wsgi
from .body_deadline import BodyDeadline
from .loop_hits import LoopHits
from .loop_routes import LoopRoutes


def application() -> BodyDeadline:
    built = wsgi.stack()
    config = built.app.extensions["policykg"].config
    threaded = WSGIMiddleware(built.app, workers=config.threads)
    routed = threaded if config.engine else LoopRoutes(threaded, built.app)
    return BodyDeadline(LoopHits(routed, built.cache, built.observed),
                        config.body_timeout, config.max_request_bytes, built.observed)
