"""Who hears about what: mentions, replies, watched groups and threads, never the actor."""

from __future__ import annotations

from sqlalchemy import select

from fivec.discussions.marks import set_watch_level
from fivec.extensions import db
from fivec.models import Notification
from fivec.notifications.actions import unread_count


def _notes(member) -> list[tuple[str, int | None]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == member.id).order_by(Notification.id)
    )
    return [(n.kind, n.post_id) for n in rows]


def test_a_mention_notifies_the_member_mentioned(ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    post = make_reply(ann, thread, "What do you think, @[Bob Patel]?")
    assert _notes(bob) == [("mention", post.id)]


def test_a_reply_notifies_the_parent_author_but_never_the_actor(
    ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    top = make_reply(bob, thread, "top-level reply")
    assert _notes(ann) == [("reply", top.id)]  # thread author hears about top-level replies
    answer = make_reply(ann, thread, "answering Bob", parent=top)
    assert _notes(bob) == [("reply", answer.id)]
    make_reply(bob, thread, "talking to myself", parent=top)
    assert _notes(bob) == [("reply", answer.id)]


def test_mentioning_yourself_notifies_nobody(ann, sepsis, make_thread):
    make_thread(ann, sepsis, body="Note to self, @[Ann Jones]")
    assert _notes(ann) == []


def test_a_reply_and_mention_to_the_same_member_is_one_notification(
    ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    top = make_reply(bob, thread, "question")
    answer = make_reply(ann, thread, "@[Bob Patel] here is how", parent=top)
    assert _notes(bob) == [("mention", answer.id)]


def test_members_watching_a_group_hear_of_new_threads(
    make_member, ann, bob, make_group, make_thread
):
    carol = make_member("Carol Watts")
    group = make_group("Falls prevention", members=[ann, bob, carol])
    set_watch_level(carol, "watching", group=group)
    set_watch_level(ann, "watching", group=group)
    thread = make_thread(ann, group, title="Lying and standing BP")
    assert [k for k, _ in _notes(carol)] == ["new_thread"]
    assert _notes(bob) == []
    assert _notes(ann) == []  # the actor
    note = db.session.scalar(select(Notification).where(Notification.user_id == carol.id))
    assert note.thread_id == thread.id and "Lying and standing BP" in note.message


def test_watching_a_thread_hears_every_reply_and_muting_silences_replies(
    make_member, ann, bob, sepsis, make_thread, make_reply
):
    carol = make_member("Carol Watts")
    thread = make_thread(ann, sepsis)
    set_watch_level(carol, "watching", thread=thread)
    set_watch_level(ann, "muted", thread=thread)
    post = make_reply(bob, thread, "an update")
    assert _notes(carol) == [("watching", post.id)]
    assert _notes(ann) == []


def test_a_member_who_cannot_read_the_group_is_not_notified(
    make_member, ann, make_group, make_thread
):
    outsider = make_member("Olive Outsider")
    peers = make_group("Ward sisters", visibility="hidden", members=[ann])
    make_thread(ann, peers, body="Shall we ask @[Olive Outsider]?")
    assert _notes(outsider) == []


def test_unread_count_shows_in_the_header_and_clears(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    make_reply(bob, thread, "first")
    make_reply(bob, thread, "second")
    assert unread_count(ann) == 2
    web.login(ann.email)
    home = web.get("/").get_data(as_text=True)
    assert "Notifications (<span data-unread-count>2</span>" in home
    listing = web.get("/notifications").get_data(as_text=True)
    assert listing.count("Bob Patel replied to your post") == 2
    web.post("/notifications/read")
    assert unread_count(ann) == 0


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "look here")
    note = db.session.scalar(select(Notification).where(Notification.user_id == ann.id))
    web.login(ann.email)
    response = web.get(f"/notifications/{note.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/posts/{post.id}")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None


def test_reading_the_thread_clears_its_notifications(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    make_reply(bob, thread, "look here")
    web.login(ann.email)
    web.get(f"/threads/{thread.id}")
    assert unread_count(ann) == 0


def test_notifications_about_a_group_you_left_disappear(
    web, ann, bob, make_group, make_thread, make_reply
):
    peers = make_group("Ward sisters", visibility="members", members=[ann, bob])
    thread = make_thread(ann, peers)
    make_reply(bob, thread, "reply")
    assert unread_count(ann) == 1
    db.session.delete(next(m for m in peers.memberships if m.user_id == ann.id))
    db.session.commit()
    assert unread_count(ann) == 0


def test_counts_are_pushed_to_the_member_after_commit(
    app, ann, bob, sepsis, make_thread, make_reply, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "fivec.live.send_to_member",
        lambda user_id, event, data: sent.append((user_id, event, data)),
    )
    thread = make_thread(ann, sepsis)
    make_reply(bob, thread, "ping")
    assert (ann.id, "notification_count", {"unread": 1}) in sent
    assert all(user_id != bob.id for user_id, _, _ in sent)


def test_watch_levels_are_set_from_the_thread_and_group_pages(web, ann, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    web.login(ann.email)
    web.post(f"/threads/{thread.id}/watch", {"level": "watching"})
    response = web.post(f"/groups/{sepsis.id}/watch", {"level": "muted", "next": "//evil.example"})
    assert "evil.example" not in response.headers["Location"]
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert '<option value="watching" selected>' in page
    assert web.post(f"/threads/{thread.id}/watch", {"level": "loud"}).status_code == 302
