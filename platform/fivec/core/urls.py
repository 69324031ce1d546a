"""``url_for`` for templates, remembered per process.

A thread page builds about sixteen links (navigation, the group, the thread's forms), and
Flask's ``url_for`` walks the URL map for each: together about a twentieth of the page's
CPU. A link depends only on the endpoint, its values and where the app is mounted, so
the answer is kept in a bounded memo and the map is walked once per distinct link.

Only plain relative links are remembered. Anything that depends on more than the key
(an external URL, which names the host; a scheme, method or anchor; an endpoint relative
to the current blueprint; values that cannot be hashed) goes straight to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, request, url_for

from ..memo import Memo

_SPECIAL = frozenset({"_external", "_scheme", "_method", "_anchor"})


def remembering_url_for(memo: Memo[str]) -> Callable[..., str]:
    """Flask's ``url_for``, answered from ``memo`` when the link can only be one thing."""

    def remembered_url_for(endpoint: str, **values: Any) -> str:
        if endpoint.startswith(".") or not _SPECIAL.isdisjoint(values):
            return url_for(endpoint, **values)
        try:
            key: Hashable = (request.script_root, endpoint, frozenset(values.items()))
        except TypeError:  # a list or dict among the values
            return url_for(endpoint, **values)
        found = memo.peek(key)
        if found is None:
            found = url_for(endpoint, **values)
            memo.put(key, found)
        return found

    return remembered_url_for


def init_app(app: Flask) -> None:
    """Let templates build links through the memo (app code keeps Flask's own)."""
    if any(app.url_default_functions.values()) or any(app.url_value_preprocessors.values()):
        return  # links could then depend on the request: keep Flask's url_for
    memo = Memo[str]("template links", maxsize=50_000)
    app.jinja_env.globals["url_for"] = remembering_url_for(memo)
