"""Flags: one per member and post, rate-limited, and enough of them hide the post.

The leak sweep at the end checks a hidden post on every surface: the thread page, the
catch-up JSON, search and the digest.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Notification, Post, Thread
from moderation.flags import FLAGS_PER_HOUR, flag_post
from moderation.models import Flag, ModerationAction
from tests.moderation.conftest import logged_in, open_items, page_text


def _flag(web, post, reason="off_topic", text=""):
    return web.post(
        f"/posts/{post.id}/flag", {"reason": reason, "text": text}, follow_redirects=True
    )


@pytest.fixture
def reply(make_reply, thread, bob):
    return make_reply(bob, thread, "Screening tools are a waste of everyone's time.")


@pytest.fixture
def flaggers(make_member, sepsis):
    from fivec.models import GroupMembership

    people = [make_member(f"Flagger {n}") for n in range(3)]
    for person in people:
        db.session.add(GroupMembership(group_id=sepsis.id, user_id=person.id))
    db.session.commit()
    return people


def test_a_member_flags_a_post_and_it_reaches_the_queue(make_web, reply, ann, mo):
    page = page_text(_flag(logged_in(make_web, ann), reply, "disrespectful"))
    assert "Thank you: a moderator will look at this post." in page
    assert [i.kind for i in open_items(reply)] == ["flagged"]
    queue = page_text(logged_in(make_web, mo).get("/moderation/queue"))
    assert "Disrespectful" in queue


def test_a_member_flags_a_post_only_once(make_web, reply, ann):
    web = logged_in(make_web, ann)
    _flag(web, reply)
    assert "You have already flagged this post" in page_text(_flag(web, reply, "other", "Again"))
    assert db.session.scalar(select(db.func.count(Flag.id))) == 1


def test_bad_flags_are_refused_in_plain_words(make_web, reply, bob, ann):
    assert "cannot flag your own post" in page_text(_flag(logged_in(make_web, bob), reply))
    web = logged_in(make_web, ann)
    assert "choose why you are flagging" in page_text(_flag(web, reply, "nonsense"))
    assert "say in a few words" in page_text(_flag(web, reply, "other", ""))
    assert db.session.scalar(select(db.func.count(Flag.id))) == 0


def test_the_thread_page_has_one_flag_form_and_a_flag_link_on_others_posts(
    make_web, reply, thread, ann
):
    page = logged_in(make_web, ann).get(f"/threads/{thread.id}").get_data(as_text=True)
    assert page.count('class="form flag-form"') == 1  # the dialog, not a form per post
    assert f'href="/posts/{reply.id}/flag" data-flag-post="{reply.id}"' in page
    opening = db.session.scalar(
        select(Post.id).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
    )
    assert f'data-flag-post="{opening}"' not in page  # Ann wrote it: no flag on her own


def test_the_flag_page_works_without_javascript_and_keeps_what_was_typed(
    make_web, make_group, make_thread, reply, ann, bob
):
    web = logged_in(make_web, ann)
    page = web.get(f"/posts/{reply.id}/flag")
    assert page.status_code == 200
    text = page_text(page)
    assert "Why should a moderator look at this post?" in text
    assert "Screening tools are a waste" in text  # the post being flagged
    refused = web.post(f"/posts/{reply.id}/flag", {"reason": "other", "text": "x" * 501})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "x" * 501 in html and 'value="other" checked' in html
    assert db.session.scalar(select(db.func.count(Flag.id))) == 0
    hidden = make_group("Ward sisters", visibility="hidden", members=[bob])
    secret = make_thread(bob, hidden, "Rota", "Only for us")
    secret_post = db.session.scalar(select(Post.id).where(Post.thread_id == secret.id))
    assert web.get(f"/posts/{secret_post}/flag").status_code == 404  # Ann is no member


def test_flag_spam_is_stopped_after_ten_flags_an_hour(make_web, make_reply, thread, bob, ann):
    posts = [make_reply(bob, thread, f"Reply number {n}") for n in range(FLAGS_PER_HOUR + 1)]
    web = logged_in(make_web, ann)
    for post in posts[:FLAGS_PER_HOUR]:
        _flag(web, post)
    page = page_text(_flag(web, posts[-1]))
    assert f"You have flagged {FLAGS_PER_HOUR} posts in the last hour" in page
    assert db.session.scalar(select(db.func.count(Flag.id))) == FLAGS_PER_HOUR


def test_three_members_flags_hide_the_post_live_and_tell_the_author(
    make_web, make_socket, reply, flaggers, thread, bob, ann
):
    viewer = logged_in(make_web, ann)
    socket = make_socket(viewer)
    socket.emit("join_thread", {"thread_id": thread.id})
    for person in flaggers:
        _flag(logged_in(make_web, person), reply, "disrespectful")
    db.session.expire_all()
    assert reply.status == "hidden"
    assert db.session.get(Thread, thread.id).reply_count == 0
    told = db.session.scalar(
        select(Notification).where(
            Notification.user_id == bob.id, Notification.kind == "post_hidden"
        )
    )
    assert "hidden until a moderator reviews it" in told.message
    changes = [e["args"][0] for e in socket.received("post_changed")]
    assert {"thread_id": thread.id, "post_id": reply.id, "change": "hidden"} in changes
    entry = db.session.scalar(
        select(ModerationAction).where(ModerationAction.action == "auto_hide")
    )
    assert entry.actor_id is None and entry.group_id == thread.group_id


def test_a_group_can_hide_after_fewer_flags(reply, sepsis, ann):
    sepsis.flags_to_hide = 1
    db.session.commit()
    flag_post(ann, reply, "misinformation")
    assert db.session.get(Post, reply.id).status == "hidden"


def test_the_network_default_comes_from_settings(app):
    assert app.config["FIVEC"].flags_to_hide == 3


# --- Leak sweep: a hidden post on every surface ----------------------------------------


@pytest.fixture
def hidden(reply, sepsis, ann):
    sepsis.flags_to_hide = 1
    db.session.commit()
    flag_post(ann, reply, "disrespectful")
    return reply


def test_hidden_post_is_not_on_the_thread_page_for_members(make_web, hidden, thread, ann, mo, bob):
    text = "a waste of everyone"
    assert text not in logged_in(make_web, ann).get(f"/threads/{thread.id}").get_data(as_text=True)
    assert text in logged_in(make_web, mo).get(f"/threads/{thread.id}").get_data(as_text=True)
    assert text in logged_in(make_web, bob).get(f"/threads/{thread.id}").get_data(as_text=True)
    assert logged_in(make_web, ann).get(f"/posts/{hidden.id}").status_code == 404


def test_hidden_post_is_not_in_the_catch_up_json(make_web, hidden, thread, ann):
    data = logged_in(make_web, ann).get(f"/threads/{thread.id}/posts?after=0").get_json()
    assert hidden.id not in [p["id"] for p in data["posts"]]


def test_hidden_post_is_not_found_by_search(make_web, hidden, ann):
    search = pytest.importorskip("fivec.search")
    from flask import current_app

    from fivec import signals

    signals.post_saved.send(current_app._get_current_object(), post_id=hidden.id)
    found = search.search(ann, "waste")
    assert hidden.id not in [hit.post_id for hit in found.hits]


def test_a_hidden_thread_is_left_out_of_the_digest(thread, make_member, sepsis, bob):
    from fivec.digests.build import build_digest
    from fivec.digests.periods import Period
    from fivec.models import GroupMembership

    reader = make_member("Rita Reader")
    db.session.add(GroupMembership(group_id=sepsis.id, user_id=reader.id))
    sepsis.flags_to_hide = 1
    db.session.commit()
    period = Period.week_of(date.today())
    before = build_digest(reader, period)
    assert before is not None and "Antibiotics within the hour" in repr(before)
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    flag_post(bob, opening, "misinformation")
    assert db.session.get(Thread, thread.id).status == "hidden"
    after = build_digest(reader, period)
    assert "Antibiotics within the hour" not in repr(after)
