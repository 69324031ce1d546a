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

A logged-in member's own row comes with the facts (``load_viewer``): Flask-Login loads
the member on every request, and one statement costs less than two. Which shape to ask
for is not known until the member's row is read, so each process remembers the last
shape it saw for a member and guesses "ordinary member" the first time; a wrong guess
only costs the second statement the facts would have needed anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select

from .clock import utcnow
from .database import read_columns
from .extensions import db
from .memo import Memo, app_memo
from .request_memo import keep, remembered

_FACTS = "fivec_viewer_facts"
_STATEMENTS = "fivec_viewer_fact_statements"
_SHAPES = "fivec_viewer_shapes"


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
    from .access import can_moderate_network, unwrapped, viewer_id  # access imports us

    user = unwrapped(user)
    user_id = viewer_id(user)
    network_moderator = can_moderate_network(user)

    def load() -> dict[str, Any]:
        statement = _statement(network_moderator, with_member=False)
        row = read_columns(statement, {"viewer_id": user_id, "now": utcnow()}).one()
        return dict(row._mapping)

    return remembered(_memo_key(user_id, network_moderator), load)[name]


def load_viewer(user_id: int) -> Any:
    """Load member ``user_id`` (a ``User``, or None) and, in the same statement, the
    facts about them, which the request then keeps as ``viewer_fact`` would."""
    from .access import can_moderate_network

    guess = bool(_shapes().peek(user_id))
    row = db.session.execute(
        _statement(guess, with_member=True), {"viewer_id": user_id, "now": utcnow()}
    ).first()
    if row is None:
        return None
    member, *facts = row
    shape = can_moderate_network(member)
    if shape == guess:
        names = row._fields[1:]
        keep(_memo_key(user_id, shape), dict(zip(names, facts, strict=True)))
    else:
        _shapes().put(user_id, shape)
    return member


def _memo_key(user_id: int | None, network_moderator: bool) -> tuple[str, int | None, bool]:
    return ("viewer facts", user_id, network_moderator)


def _shapes() -> Memo[bool]:
    """The last shape seen for each member, in this process (a hint, never trusted)."""
    return app_memo(_SHAPES, lambda: Memo[bool]("viewer shapes", maxsize=20_000))


def _statement(network_moderator: bool, *, with_member: bool) -> Select[Any]:
    statements = current_app.extensions.setdefault(_STATEMENTS, {})
    key = (network_moderator, with_member)
    if key not in statements:
        from .models import User

        viewer = bindparam("viewer_id", type_=db.Integer)
        params = FactParams(
            viewer_id=viewer,
            now=bindparam("now", type_=db.DateTime),
            network_moderator=network_moderator,
        )
        facts = current_app.extensions.get(_FACTS, {})
        columns = [query(params).label(name) for name, query in facts.items()]
        statements[key] = (
            select(User, *columns).where(User.id == viewer) if with_member else select(*columns)
        )
    return statements[key]  # type: ignore[no-any-return]
