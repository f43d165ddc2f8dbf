"""The ASGI application `policykg serve` runs in each worker process (granian's ASGI
interface): the WSGI app of server/wsgi.py on a pool of threads (a2wsgi), behind
server/body_deadline.py, which reads each request body in the event loop within the body
timeout, so that a body that never finishes holds a coroutine, not one of the threads."""

from __future__ import annotations

from a2wsgi import WSGIMiddleware

from . import wsgi
from .body_deadline import BodyDeadline


def application() -> BodyDeadline:
    app = wsgi.application()
    config = app.extensions["policykg"].config
    return BodyDeadline(WSGIMiddleware(app, workers=config.threads), config.body_timeout,
                        config.max_request_bytes)
