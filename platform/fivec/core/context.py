"""Values every template can use: the network's name, the main navigation, page links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import NetworkSettings
from ..viewer_facts import FactParams, add_viewer_fact, viewer_fact

# (endpoint, label) pairs shown in the header for members; features add theirs in create_app.
NAV_KEY = "fivec_nav"


def add_nav_item(app: Flask, endpoint: str, label: str) -> None:
    """Add a link to the header's main navigation."""
    app.extensions.setdefault(NAV_KEY, []).append((endpoint, label))


# Feature packages add panels to core pages ("home", "group") without the core importing
# them: (template, loader) pairs where loader(viewer, *subject) returns the template's
# ``panel`` data, or None to leave the panel out.
PANELS_KEY = "fivec_panels"
PanelLoader = Callable[..., dict[str, Any] | None]


def add_panel(app: Flask, page: str, template: str, loader: PanelLoader) -> None:
    """Show ``template`` on ``page``, filled by ``loader(viewer, *subject)``."""
    app.extensions.setdefault(PANELS_KEY, {}).setdefault(page, []).append((template, loader))


def page_panels(page: str, viewer: Any, *subject: Any) -> list[tuple[str, dict[str, Any]]]:
    """Return the panels for ``page`` with their data, leaving out empty ones."""
    panels = []
    for template, loader in current_app.extensions.get(PANELS_KEY, {}).get(page, []):
        data = loader(viewer, *subject)
        if data:
            panels.append((template, data))
    return panels


def _network_name() -> str:
    try:
        name = viewer_fact(current_user, "network_name")
    except SQLAlchemyError:  # the error page must render even when the database is down
        db.session.rollback()
        name = None
    return name or current_app.config["FIVEC"].network_name


def _network_name_fact(_: FactParams) -> ColumnElement[str | None]:
    """The name is in every page's header, so it rides with the viewer's facts."""
    return select(NetworkSettings.name).where(NetworkSettings.id == 1).scalar_subquery()


def profile_link(member: Any) -> Markup:
    """The header's link to the member's own profile. One definition for the header and
    for the kept thread-page frame, which fills it in per reader (``page_shell``)."""
    return Markup('<a href="{}">{}</a>').format(
        url_for("accounts.profile", member_id=member.id), member.display_name
    )


def page_url(page: int) -> str:
    """Link to another page of the current listing, keeping its filters."""
    args: dict[str, Any] = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "core.home", **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    """Install the template context on ``app``."""
    add_viewer_fact(app, "network_name", _network_name_fact)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {
            # The member object itself, not Flask-Login's proxy to it: a page asks
            # ``current_user`` dozens of times, and each ask through the proxy costs a
            # lookup. Context processors run as a template renders, after any log-in.
            "current_user": current_user._get_current_object(),  # type: ignore[attr-defined]
            "my_profile_link": lambda: profile_link(current_user),
            "network_name": _network_name(),
            "nav_items": app.extensions.get(NAV_KEY, []),
            "page_url": page_url,
            "page_panels": page_panels,
        }
