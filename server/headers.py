"""Headers every answer carries: CORS (anyone may query the endpoint from a page of
theirs), and the browser protections — no content sniffing, the Referer cut to the origin
across sites, and on every HTML page a Content-Security-Policy allowing only this
origin's files (no inline script; the pages embed JSON-LD as a data block, which never
runs). The workbench sets its own, stricter about styles (server/workbench.py)."""

from __future__ import annotations

from flask import Response, request

PAGE_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'self'")
EVERY_ANSWER = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, X-Policykg-Version",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PREFLIGHT = {  # what a preflight asks; other answers need not say
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
}


def common(response: Response) -> Response:
    response.headers.update(EVERY_ANSWER)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT)
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = PAGE_CSP
    return response
