"""Absolute links for emails, built from ``FIVEC_BASE_URL`` (no request needed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import BuildError, MapAdapter

# Where items link when the feature that owns the page is not installed yet.
_FALLBACK_PATHS = {
    "discussions.show_thread": "/threads/{thread_id}",
    "groups.show_group": "/groups/{group_id}",
    "benchmarks.show_result": "/scorecards/results/{result_id}",
    "benchmarks.show": "/scorecards/{scorecard_id}",
}


class Links:
    """Build absolute URLs to the site's pages, from cron as well as from a request."""

    def __init__(self, base_url: str | None = None) -> None:
        base = (base_url or current_app.config["FIVEC"].base_url).rstrip("/")
        parts = urlsplit(base)
        self.base = base
        self._adapter: MapAdapter = current_app.url_map.bind(
            parts.netloc or "localhost",
            script_name=parts.path or "/",
            url_scheme=parts.scheme or "http",
        )

    def url(self, endpoint: str, **values: object) -> str:
        """Return the absolute URL of ``endpoint`` with ``values``."""
        try:
            return str(self._adapter.build(endpoint, values, force_external=True))
        except BuildError:
            path = _FALLBACK_PATHS.get(endpoint)
            if path is None:
                raise
            return self.base + path.format(**values)
