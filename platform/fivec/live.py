"""Live updates: what actions broadcast after commit, to which Socket.IO room.

Rooms: ``thread:<id>`` (people reading a thread), ``group:<id>`` (people on a group
page) and ``user:<id>`` (one member's tabs). Joining a room goes through ``access`` in
``events.py``; these functions only send, and only after the data is committed, so a
client that fetches on receipt always finds what it was told about. Socket.IO delivers
at most once: clients catch up by asking for posts after the last id they hold.
"""

from __future__ import annotations

from typing import Any

from .extensions import socketio


def thread_room(thread_id: int) -> str:
    return f"thread:{thread_id}"


def group_room(group_id: int) -> str:
    return f"group:{group_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def broadcast_new_post(thread_id: int, post_id: int, parent_id: int | None) -> None:
    """Tell a thread's readers a reply exists; they fetch it through the access check."""
    socketio.emit(
        "post_created",
        {"thread_id": thread_id, "post_id": post_id, "parent_id": parent_id},
        to=thread_room(thread_id),
    )


def broadcast_post_changed(thread_id: int, post_id: int, change: str) -> None:
    """Tell a thread's readers a post was edited, deleted, hidden or moved (``change``)."""
    socketio.emit(
        "post_changed",
        {"thread_id": thread_id, "post_id": post_id, "change": change},
        to=thread_room(thread_id),
    )


def broadcast_new_thread(group_id: int, thread_id: int) -> None:
    """Tell people on a group page that a thread was started."""
    socketio.emit(
        "thread_created", {"group_id": group_id, "thread_id": thread_id}, to=group_room(group_id)
    )


def send_to_member(user_id: int, event: str, data: dict[str, Any]) -> None:
    """Send one member's tabs an event, e.g. their new unread notification count."""
    socketio.emit(event, data, to=user_room(user_id))
