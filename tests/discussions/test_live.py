"""Live updates over a real Socket.IO test client: rooms go through the access checks."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def ann_web(web, ann):
    web.login(ann.email, PASSWORD)
    return web


def test_anonymous_visitors_cannot_open_a_socket(make_socket, web):
    socket = make_socket(web)
    assert not socket.connected


def test_a_reply_reaches_everyone_viewing_the_thread(
    ann_web, make_web, make_socket, bob, sepsis, make_thread, make_reply, ann
):
    thread = make_thread(ann, sepsis)
    bob_web = make_web()
    bob_web.login(bob.email, PASSWORD)
    watcher = make_socket(bob_web)
    assert watcher.emit("join_thread", {"thread_id": thread.id}) == {
        "ok": True,
        "thread_id": thread.id,
    }
    watcher.received()

    post = make_reply(ann, thread, "Our PGD lets nurses give the first dose.")
    [event] = watcher.received("post_created")
    assert event["args"][0] == {
        "thread_id": thread.id,
        "post_id": post.id,
        "parent_id": thread_opening_id(thread),
    }
    catch_up = bob_web.get(f"/threads/{thread.id}/posts?after={post.id - 1}").get_json()
    assert [p["id"] for p in catch_up["posts"]] == [post.id]
    assert "Our PGD lets nurses give the first dose." in catch_up["posts"][0]["html"]


def thread_opening_id(thread):
    from sqlalchemy import select

    from fivec.extensions import db
    from fivec.models import Post

    return db.session.scalar(
        select(Post.id).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
    )


def test_a_non_member_cannot_join_a_private_threads_room(
    make_web, make_socket, make_member, make_group, make_thread, ann
):
    private = make_group("Ward sisters", visibility="hidden", members=[ann])
    thread = make_thread(ann, private, "Rota worries")
    make_member("Eve Outsider", email="eve@example.org")
    eve_web = make_web()
    eve_web.login("eve@example.org", PASSWORD)
    eve = make_socket(eve_web)
    answer = eve.emit("join_thread", {"thread_id": thread.id})
    assert answer == {"ok": False, "error": "That discussion is not available."}
    from fivec.discussions.actions import reply

    reply(ann, thread, None, "Only for us")
    assert eve.received("post_created") == []
    assert eve_web.get(f"/threads/{thread.id}/posts?after=0").status_code == 404


def test_a_member_who_left_cannot_catch_up(
    make_web, make_socket, make_group, make_thread, ann, bob
):
    from fivec.extensions import db
    from fivec.models import GroupMembership

    private = make_group("Project team", visibility="members", members=[ann, bob])
    thread = make_thread(ann, private)
    bob_web = make_web()
    bob_web.login(bob.email, PASSWORD)
    assert bob_web.get(f"/threads/{thread.id}/posts?after=0").status_code == 200
    db.session.query(GroupMembership).filter_by(user_id=bob.id).delete()
    db.session.commit()
    assert bob_web.get(f"/threads/{thread.id}/posts?after=0").status_code == 404
    assert make_socket(bob_web).emit("join_thread", {"thread_id": thread.id})["ok"] is False


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "7",
        [],
        {},
        {"thread_id": None},
        {"thread_id": "abc"},
        {"thread_id": -1},
        {"thread_id": True},
        {"thread_id": "9" * 40},
        {"thread_id": 99999},
    ],
)
def test_malformed_join_events_get_a_clear_answer(ann_web, make_socket, payload):
    socket = make_socket(ann_web)
    answer = socket.emit("join_thread", payload)
    assert answer["ok"] is False and answer["error"]
    assert socket.connected


def test_notification_counts_reach_the_members_own_room(
    ann_web, make_web, make_socket, bob, sepsis, make_thread, ann
):
    socket = make_socket(ann_web)
    thread = make_thread(ann, sepsis)
    from fivec.discussions.actions import reply

    reply(bob, thread, None, "Replying to Ann")
    counts = [e["args"][0] for e in socket.received("notification_count")]
    assert counts and counts[-1]["unread"] >= 1
