"""The fixed URLs pages link (the layout's bar, footer, stylesheet and scripts; the search
page's browse links), made once per worker and mount point: they depend on nothing else
of a request, and `url_for` cost 5-9 µs each, ~16 times a page."""

from __future__ import annotations

from flask import current_app, request, url_for

KEPT = "site_urls"
MOST = 256  # URLs kept per worker (the layout's are ~20; a mount point per proxy prefix)


def site_url(endpoint: str, **values: str) -> str:
    """`url_for(endpoint, **values)`, remembered by the request's script root: for the
    fixed links only (values that vary by request would only fill the memo)."""
    kept: dict = current_app.extensions.setdefault(KEPT, {})
    key = (request.script_root, endpoint, *values.items())
    found = kept.get(key)
    if found is None:
        if len(kept) >= MOST:
            kept.clear()
        found = kept[key] = url_for(endpoint, **values)
    return found
