"""Stopping a query that runs too long. pyoxigraph cannot cancel an evaluation and a
signal cannot interrupt it, so the process evaluating it is ended instead.

The app arms the deadline of its request (`arm`) before evaluating and disarms it once the
results are spooled; the serving worker (server/worker.py) looks at the armed deadlines of
its requests a few times a second from its event loop, which a query never blocks (it
runs on another thread, with the GIL released). When one passes, the worker answers that
request `503` with the app's message, answers `503` to any other request it holds, and
ends; gunicorn replaces it. The response is only sent after evaluation is complete
(results are spooled first), so a client gets either the whole answer or a clear 503 —
never a truncated 200.

Arming and disarming are two assignments: the cost stays off the hot path of light
queries. Under a WSGI server other than ours (Flask's test client, say) there is no
deadline in the environ, and queries run to the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

ENVIRON_KEY = "policykg.deadline"
EXIT_CODE = 75  # EX_TEMPFAIL: the worker ended on purpose
POLL = 0.1  # seconds between the worker's looks at the clock


@dataclass
class Deadline:
    """One per request, in its WSGI environ."""

    at: float | None = None  # time.monotonic() past which the request is stopped
    message: str = ""

    def arm(self, seconds: float, message: str) -> None:
        self.message = message
        self.at = time.monotonic() + seconds

    def disarm(self) -> None:
        """Called once evaluation is done; from here on the response is ours to send."""
        self.at = None

    def passed(self, now: float) -> bool:
        at = self.at
        return at is not None and now >= at
