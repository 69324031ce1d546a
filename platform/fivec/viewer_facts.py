"""Small facts about the viewer that every page asks, fetched in one statement.

The header shows the unread count and the network's name, the moderation menu asks
whether the member moderates anything, the login and posting rules ask for sanctions in
force, and the newcomer panel counts the member's posts. Asked one by one they were seven
of a thread page's seventeen statements, and each cost about 0.1 ms of CPU, most of it
SQLAlchemy building the statement rather than SQLite running it.

Packages register a fact as a scalar SQL expression of the viewer (see ``FactQuery``);
the first ask in a request runs one prebuilt ``SELECT`` of every fact and the request
keeps the answers until its session commits or rolls back (``request_memo``), since a
write may change them. Outside a request each ask runs the statement afresh. The
statement has one shape per kind of viewer (``network_moderator``), built once per app
and shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select

from .clock import utcnow
from .extensions import db
from .request_memo import remembered

_FACTS = "fivec_viewer_facts"
_STATEMENTS = "fivec_viewer_fact_statements"


@dataclass(frozen=True)
class FactParams:
    """What a fact's SQL may use: the viewer's id and the time as bound parameters, and
    whether the viewer moderates the whole network (admins and network moderators read
    everything, so some facts take another shape for them)."""

    viewer_id: BindParameter[int]
    now: BindParameter[datetime]
    network_moderator: bool


FactQuery = Callable[[FactParams], ColumnElement[Any]]


def add_viewer_fact(app: Flask, name: str, query: FactQuery) -> None:
    """Register ``query`` as the fact ``name``; register at start-up, before any request."""
    facts = app.extensions.setdefault(_FACTS, {})
    if name in facts and facts[name] is not query:
        raise ValueError(f"viewer fact {name!r} is registered twice")
    facts[name] = query
    app.extensions.pop(_STATEMENTS, None)


def viewer_fact(user: Any, name: str) -> Any:
    """Return the fact ``name`` about ``user`` (anonymous visitors have id NULL)."""
    from .access import can_moderate_network, viewer_id  # access imports this module

    user_id = viewer_id(user)
    network_moderator = can_moderate_network(user)

    def load() -> dict[str, Any]:
        statement = _statement(network_moderator)
        row = db.session.execute(statement, {"viewer_id": user_id, "now": utcnow()}).one()
        return dict(row._mapping)

    return remembered(("viewer facts", user_id, network_moderator), load)[name]


def _statement(network_moderator: bool) -> Select[Any]:
    statements = current_app.extensions.setdefault(_STATEMENTS, {})
    if network_moderator not in statements:
        params = FactParams(
            viewer_id=bindparam("viewer_id", type_=db.Integer),
            now=bindparam("now", type_=db.DateTime),
            network_moderator=network_moderator,
        )
        facts = current_app.extensions.get(_FACTS, {})
        statements[network_moderator] = select(
            *(query(params).label(name) for name, query in facts.items())
        )
    return statements[network_moderator]  # type: ignore[no-any-return]
