"""Thread tools: lock, pin, slow mode, move, merge and split, each with a reason, logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Post, Thread
from moderation.models import ModerationAction
from moderation.thread_tools import merge_threads, split_thread
from tests.moderation.conftest import logged_in, page_text


def _tool(web, thread, tool, **data):
    return web.post(f"/moderation/threads/{thread.id}/{tool}", data, follow_redirects=True)


def _actions(name):
    return db.session.scalars(select(ModerationAction).where(ModerationAction.action == name)).all()


def test_a_moderator_locks_and_unlocks_a_thread_with_a_reason(make_web, thread, mo, bob):
    web = logged_in(make_web, mo)
    assert "Please give a reason" in page_text(_tool(web, thread, "lock", locked="1", reason=""))
    assert not db.session.get(Thread, thread.id).is_locked
    _tool(web, thread, "lock", locked="1", reason="Resolved: thank you all.")
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).is_locked
    refused = logged_in(make_web, bob).post(
        f"/threads/{thread.id}/replies", {"body": "One more thing"}
    )
    assert "locked" in page_text(refused)
    _tool(web, thread, "lock", locked="0", reason="Reopened for the new audit.")
    db.session.expire_all()
    assert not db.session.get(Thread, thread.id).is_locked
    assert [a.reason for a in _actions("lock")] == ["Resolved: thank you all."]


def test_pinning_is_logged(make_web, thread, mo):
    _tool(logged_in(make_web, mo), thread, "pin", pinned="1", reason="Start here.")
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).is_pinned
    assert _actions("pin")[0].actor_id == mo.id


def test_members_and_other_groups_moderators_get_404(make_web, thread, falls, bob):
    fay = falls.memberships[0].user
    for person in (bob, fay):
        web = logged_in(make_web, person)
        response = web.post(
            f"/moderation/threads/{thread.id}/lock", {"locked": "1", "reason": "Mine now"}
        )
        assert response.status_code == 404
    assert not db.session.get(Thread, thread.id).is_locked


def test_slow_mode_tells_members_how_long_to_wait(make_web, thread, mo, bob):
    _tool(logged_in(make_web, mo), thread, "slow-mode", seconds="600", reason="Let it cool down.")
    web = logged_in(make_web, bob)
    web.post(f"/threads/{thread.id}/replies", {"body": "First reply"})
    second = web.post(f"/threads/{thread.id}/replies", {"body": "Quick second reply"})
    text = page_text(second)
    assert second.status_code == 400
    assert "slow mode (Let it cool down.)" in text
    assert "You can post again in" in text and "seconds" in text
    assert "Quick second reply" in text  # the text is kept
    moderator = logged_in(make_web, mo)
    moderator.post(f"/threads/{thread.id}/replies", {"body": "Moderators are exempt"})
    moderator.post(f"/threads/{thread.id}/replies", {"body": "Still exempt"})
    assert db.session.get(Thread, thread.id).reply_count == 3


def test_moving_a_thread_needs_both_groups_in_scope_and_tells_live_readers(
    make_web, make_socket, make_group, thread, sepsis, falls, mo, ann
):
    web = logged_in(make_web, mo)
    response = web.post(
        f"/moderation/threads/{thread.id}/move", {"group_id": falls.id, "reason": "Falls topic"}
    )
    assert response.status_code == 404  # Mo does not moderate Falls
    both = make_group("Deterioration", members=[mo], roles={mo.id: "moderator"})
    socket = make_socket(logged_in(make_web, ann))
    socket.emit("join_thread", {"thread_id": thread.id})
    _tool(web, thread, "move", group_id=both.id, reason="Better fit for deterioration.")
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).group_id == both.id
    assert any(e["args"][0]["change"] == "moved" for e in socket.received("post_changed"))
    assert {a.group_id for a in _actions("move")} == {sepsis.id, both.id}


def test_merging_makes_the_posts_replies_under_the_other_opening(
    make_thread, make_reply, thread, ann, bob, mo
):
    other = make_thread(bob, thread.group, "Antibiotics in an hour (duplicate)", "Same question")
    first = db.session.scalar(select(Post).where(Post.thread_id == other.id))
    answer = make_reply(ann, other, "Answer in the duplicate", parent=first)
    make_reply(bob, thread, "Reply in the original")
    other_id = other.id
    merge_threads(mo, other, thread, "Duplicate of the original.")
    db.session.expire_all()
    assert db.session.get(Thread, other_id) is None
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.path))
    moved, reply = db.session.get(Post, first.id), db.session.get(Post, answer.id)
    assert (moved.thread_id, moved.parent_id, moved.depth) == (thread.id, opening.id, 1)
    assert moved.path == f"{opening.path}/{moved.id:010d}"
    assert (reply.parent_id, reply.depth) == (moved.id, 2)
    assert reply.path.startswith(moved.path + "/")
    assert db.session.get(Thread, thread.id).reply_count == 3


def test_splitting_makes_a_reply_and_its_replies_a_new_thread(make_reply, thread, ann, bob, mo):
    branch = make_reply(bob, thread, "Off on a tangent about staffing")
    under = make_reply(ann, thread, "More on staffing", parent=branch)
    make_reply(ann, thread, "Back on topic")
    new = split_thread(mo, branch, "Staffing on nights", "A separate conversation.")
    db.session.expire_all()
    top, child = db.session.get(Post, branch.id), db.session.get(Post, under.id)
    assert (top.thread_id, top.parent_id, top.depth, top.path) == (
        new.id,
        None,
        0,
        f"{top.id:010d}",
    )
    assert (child.thread_id, child.depth, child.path) == (new.id, 1, f"{top.path}/{child.id:010d}")
    assert db.session.get(Thread, thread.id).reply_count == 1
    assert db.session.get(Thread, new.id).reply_count == 1


def test_splitting_the_opening_post_is_refused(thread, mo):
    from fivec.errors import ValidationFailed

    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    with pytest.raises(ValidationFailed):
        split_thread(mo, opening, "Whole thread", "No")


def test_the_move_list_offers_the_moderators_other_groups_and_follows_renames(
    make_web, make_group, thread, falls, mo
):
    import re

    mine = make_group("Ward <b>sisters</b> & co", members=[mo], roles={mo.id: "moderator"})
    web = logged_in(make_web, mo)

    def offered() -> str:
        page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
        return re.search(r'<select id="move-group" name="group_id">(.*?)</select>', page).group(1)

    assert offered() == (
        f'<option value="{mine.id}">Ward &lt;b&gt;sisters&lt;/b&gt; &amp; co</option>'
    )  # not the thread's own group, not Falls (Mo does not moderate it), names escaped
    mine.name = "Ward sisters"
    db.session.commit()
    assert offered() == f'<option value="{mine.id}">Ward sisters</option>'
