"""Facts about the viewer and a reader's marks on a thread: one statement each, the
same answers as the queries they replace, and fresh after every write."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from fivec.access import moderates_anything
from fivec.discussions.marks import thread_marks
from fivec.extensions import db
from fivec.models import (
    Group,
    GroupMembership,
    NetworkSettings,
    Notification,
    Post,
    Thread,
    User,
)
from fivec.notifications.actions import unread_count
from fivec.viewer_facts import add_viewer_fact, load_viewer, viewer_fact

from .test_paging import count_queries


def _notify(member: User, group: Group | None, thread: Thread | None = None) -> None:
    db.session.add(
        Notification(
            user_id=member.id,
            kind="mention",
            group_id=group.id if group else None,
            thread_id=thread.id if thread else None,
            message="You were mentioned",
        )
    )
    db.session.commit()


def _network_name() -> str | None:
    return db.session.scalar(select(NetworkSettings.name).where(NetworkSettings.id == 1))


class _Anonymous:
    is_authenticated = False


def test_every_fact_comes_from_one_statement_kept_until_the_request_writes(
    app: Flask, ann: User, sepsis: Group
) -> None:
    with app.test_request_context():
        name = _network_name()
        assert not (ann.is_admin or ann.is_moderator)  # loads the row before counting
        with count_queries() as statements:
            assert viewer_fact(ann, "unread_notifications") == 0
            assert not viewer_fact(ann, "moderates_anything")
            assert viewer_fact(ann, "network_name") == name
            assert not viewer_fact(ann, "sanctions_in_force")
        assert len(statements) == 1
        _notify(ann, sepsis)  # the commit forgets what the request knew
        assert not ann.is_admin  # reloads the expired row before counting
        with count_queries() as statements:
            assert viewer_fact(ann, "unread_notifications") == 1
        assert len([s for s in statements if s.startswith("SELECT")]) == 1


def test_the_unread_fact_counts_what_the_direct_query_counts(
    app: Flask, make_member: Any, make_group: Any, ann: User, bob: User
) -> None:
    admin = make_member("Ada Admin", admin=True)
    hidden = make_group("Ward sisters", visibility="hidden", members=[bob])
    public = make_group("Falls", members=[ann])
    for member in (ann, bob, admin):
        _notify(member, None)
        _notify(member, public)
        _notify(member, hidden)  # ann never belonged: it must not count for her
    db.session.execute(
        GroupMembership.__table__.update()
        .where(GroupMembership.user_id == bob.id, GroupMembership.group_id == hidden.id)
        .values(status="left")
    )
    db.session.commit()
    expected = {ann.id: 2, bob.id: 2, admin.id: 3}  # bob left the hidden group; admins read all
    for member in (ann, bob, admin):
        with app.test_request_context():
            assert viewer_fact(member, "unread_notifications") == expected[member.id]
            assert unread_count(member) == expected[member.id]


def test_an_anonymous_visitor_gets_facts_too(app: Flask) -> None:
    with app.test_request_context():
        assert viewer_fact(_Anonymous(), "unread_notifications") == 0
        assert not viewer_fact(_Anonymous(), "moderates_anything")
        assert viewer_fact(_Anonymous(), "network_name") == _network_name()


def test_moderates_anything_follows_a_role_given_in_the_same_request(
    app: Flask, ann: User, sepsis: Group
) -> None:
    with app.test_request_context():
        assert not moderates_anything(ann)
        membership = db.session.scalar(
            select(GroupMembership).where(GroupMembership.user_id == ann.id)
        )
        membership.role = "coordinator"
        db.session.commit()
        assert moderates_anything(ann)


def test_the_first_posts_fact_stops_counting_at_three(
    app: Flask, ann: User, sepsis: Group, make_thread: Any
) -> None:
    for n in range(5):
        make_thread(ann, sepsis, title=f"Thread {n}")
    published = db.session.scalar(
        select(func.count(Post.id)).where(Post.author_id == ann.id, Post.status == "published")
    )
    assert published == 5
    with app.test_request_context():
        assert viewer_fact(ann, "first_posts") == 3


def test_a_fact_name_cannot_be_taken_twice(app: Flask) -> None:
    with pytest.raises(ValueError, match="registered twice"):
        add_viewer_fact(app, "network_name", lambda params: params.viewer_id)


def test_thread_marks_read_once_and_again_after_a_write(
    app: Flask, ann: User, bob: User, sepsis: Group, make_thread: Any, make_reply: Any
) -> None:
    thread = make_thread(bob, sepsis)
    with app.test_request_context():
        db.session.refresh(ann)
        db.session.refresh(thread)
        with count_queries() as statements:
            marks = thread_marks(ann, thread)
            assert thread_marks(ann, thread) is marks
        assert [s for s in statements if s.startswith("SELECT")] == statements[-1:]
        assert marks.last_seen_post_id is None
        assert marks.watch_level is None
        assert not marks.has_unread_notification
        assert not marks.has_unshared_posts
        _notify(ann, sepsis, thread)
        make_reply(ann, thread, "Waiting for a moderator").status = "held"
        db.session.commit()
        fresh = thread_marks(ann, thread)
        assert fresh.has_unread_notification
        assert fresh.has_unshared_posts


def test_a_members_repeat_view_of_a_thread_page_runs_a_handful_of_statements(
    web: Any, ann: User, bob: User, sepsis: Group, make_thread: Any, make_reply: Any
) -> None:
    thread = make_thread(bob, sepsis)
    for n in range(5):
        make_reply(bob if n % 2 else ann, thread, f"Reply {n}")
    url = f"/threads/{thread.id}"
    web.login(ann.email)
    web.get(url)  # renders the posts and records the visit
    with count_queries() as statements:
        page = web.get(url)
    assert page.status_code == 200
    # the member with their facts, thread + group + membership, marks, helpful +
    # bookmarks, and the transaction's BEGIN: the shared page itself costs nothing
    assert len(statements) <= 5, "\n".join(s[:90] for s in statements)


def _selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("SELECT")]


def test_loading_the_member_brings_their_facts_in_the_same_statement(
    app: Flask, ann: User, sepsis: Group
) -> None:
    _notify(ann, sepsis)
    ann_id = ann.id  # outside the count: the commit expired the row
    with app.test_request_context():
        with count_queries() as statements:
            member = load_viewer(ann_id)
            assert member is not None and member.id == ann_id
            assert viewer_fact(member, "unread_notifications") == 1
            assert not viewer_fact(member, "moderates_anything")
        assert len(_selects(statements)) == 1
    with app.test_request_context():
        assert load_viewer(10_000_000) is None  # no such member: no facts, no error


def test_a_moderators_shape_is_learnt_after_one_extra_statement(
    app: Flask, make_member: Any, sepsis: Group
) -> None:
    admin_id = make_member("Ada Admin", admin=True).id
    selects = []
    for _ in range(2):
        with app.test_request_context(), count_queries() as statements:
            admin = load_viewer(admin_id)
            assert moderates_anything(admin)
            assert viewer_fact(admin, "unread_notifications") == 0
        selects.append(len(_selects(statements)))
    assert selects == [2, 1]  # the first request guessed "ordinary member" and read again


def test_a_stale_shape_guess_never_gives_the_wrong_facts(
    app: Flask, make_member: Any, make_group: Any, ann: User
) -> None:
    hidden = make_group("Ward sisters", visibility="hidden", members=[])
    _notify(ann, hidden)  # only a network moderator may count it
    with app.test_request_context():
        assert viewer_fact(load_viewer(ann.id), "unread_notifications") == 0
    ann.is_moderator = True  # promoted: this process still guesses "ordinary member"
    db.session.commit()
    with app.test_request_context():
        member = load_viewer(ann.id)
        assert viewer_fact(member, "unread_notifications") == 1
        assert moderates_anything(member)
    ann.is_moderator = False
    db.session.commit()
    with app.test_request_context():  # and back: the guess is now wrong the other way
        assert viewer_fact(load_viewer(ann.id), "unread_notifications") == 0
