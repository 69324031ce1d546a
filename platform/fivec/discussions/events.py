"""Socket.IO handlers: gatekeepers for live rooms. They never write.

Events carry ids only; browsers fetch content over HTTP, through the same access checks
as the pages, so a room never carries anything its members may not read.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room
from werkzeug.exceptions import NotFound

from .. import access
from ..database import set_read_only_request
from ..extensions import db, socketio
from ..live import group_room, thread_room, user_room


def _refusal(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


def _id_from(data: Any, key: str) -> int | None:
    """Read a positive integer id from an event payload; anything else is None."""
    if not isinstance(data, dict):
        return None
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    if not text.isdigit() or len(text) > 12:
        return None
    return int(text) or None


def on_connect(auth: Any = None) -> None:
    """Sent by a browser opening the socket; only logged-in members may connect.

    The member joins their own room at once (notification counts reach every tab).
    """
    set_read_only_request(True)
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("Please log in to receive live updates.")
    join_room(user_room(current_user.id))


def on_join_thread(data: Any) -> dict[str, Any]:
    """Sent by a thread page; joins ``thread:<id>`` if the member may read the thread."""
    set_read_only_request(True)
    thread_id = _id_from(data, "thread_id")
    if thread_id is None:
        return _refusal("thread_id must be a thread number")
    try:
        thread = access.access_thread(current_user, thread_id)
    except NotFound:
        return _refusal("That discussion is not available.")
    finally:
        db.session.commit()  # end the read transaction promptly
    join_room(thread_room(thread.id))
    return {"ok": True, "thread_id": thread.id}


def on_leave_thread(data: Any) -> dict[str, Any]:
    """Sent by a thread page being closed or navigated away from."""
    thread_id = _id_from(data, "thread_id")
    if thread_id is None:
        return _refusal("thread_id must be a thread number")
    leave_room(thread_room(thread_id))
    return {"ok": True}


def on_join_group(data: Any) -> dict[str, Any]:
    """Sent by a group page; joins ``group:<id>`` if the member may read the group."""
    set_read_only_request(True)
    group_id = _id_from(data, "group_id")
    if group_id is None:
        return _refusal("group_id must be a group number")
    try:
        group = access.access_group(current_user, group_id)
        readable = access.can_read_group(current_user, group)
    except NotFound:
        readable = False
    finally:
        db.session.commit()
    if not readable:
        return _refusal("That group is not available.")
    join_room(group_room(group_id))
    return {"ok": True, "group_id": group_id}


def on_error(error: Exception) -> dict[str, Any]:
    """Answer a malformed or failing event with a message instead of dropping the socket."""
    db.session.rollback()
    socketio.server.logger.warning("socket event failed: %r", error)
    return _refusal("Something went wrong with live updates; the page still works.")


def init_app(app: Flask) -> None:
    """Register the handlers on the app's Socket.IO server.

    ``socketio.init_app`` makes a new server for each app (tests make many), and
    Flask-SocketIO only replays handlers registered before the first server existed, so
    they are registered here, once per app, rather than by decorators at import time.
    """
    socketio.on_event("connect", on_connect)
    socketio.on_event("join_thread", on_join_thread)
    socketio.on_event("leave_thread", on_leave_thread)
    socketio.on_event("join_group", on_join_group)
    socketio.on_error_default(on_error)
