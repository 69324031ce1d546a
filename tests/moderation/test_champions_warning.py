"""Change champions (invited to moderate) and early warning of heated threads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import GroupMembership, Notification, Post
from moderation.early_warning import alternating_pair
from moderation.flags import flag_post
from tests.moderation.conftest import logged_in, page_text


def test_champions_rank_helpful_answered_members_and_leave_out_upheld_flags(
    make_web, make_reply, make_member, thread, sepsis, ann, bob, mo
):
    answered = make_reply(bob, thread, "Our trolley checklist")
    make_reply(ann, thread, "Thanks, trying it", parent=answered)
    db.session.get(Post, answered.id).helpful_count = 4
    rude = make_member("Rex Rude")
    db.session.add(GroupMembership(group_id=sepsis.id, user_id=rude.id))
    db.session.commit()
    bad = make_reply(rude, thread, "Useful but rude")
    db.session.get(Post, bad.id).helpful_count = 9
    db.session.commit()
    flag_post(ann, bad, "disrespectful")
    from moderation.models import ReviewItem
    from moderation.review import resolve_item

    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == bad.id))
    resolve_item(mo, item, "hide", "Rude.")
    page = page_text(logged_in(make_web, mo).get(f"/moderation/champions?group={sepsis.id}"))
    assert "Bob Patel" in page and "Rex Rude" not in page
    assert (
        logged_in(make_web, ann).get(f"/moderation/champions?group={sepsis.id}").status_code == 404
    )


def test_a_coordinator_invites_a_champion_who_accepts(make_web, make_member, sepsis, bob, mo):
    coordinator = make_member("Cora Coordinator")
    db.session.add(GroupMembership(group_id=sepsis.id, user_id=coordinator.id, role="coordinator"))
    db.session.commit()
    refused = logged_in(make_web, mo).post(
        "/moderation/champions/invite",
        {"group_id": sepsis.id, "member_id": bob.id},
        follow_redirects=True,
    )
    assert "Only the group's coordinators and admins" in page_text(refused)
    logged_in(make_web, coordinator).post(
        "/moderation/champions/invite", {"group_id": sepsis.id, "member_id": bob.id}
    )
    invite = db.session.scalar(select(Notification).where(Notification.user_id == bob.id))
    assert invite.kind == "moderation_invite"
    bob_web = logged_in(make_web, bob)
    opened = bob_web.get(f"/notifications/{invite.id}")
    assert opened.headers["Location"].endswith(f"/moderation/invitations/{sepsis.id}")
    bob_web.post(f"/moderation/invitations/{sepsis.id}", {"answer": "accept"})
    role = db.session.scalar(
        select(GroupMembership.role).where(
            GroupMembership.group_id == sepsis.id, GroupMembership.user_id == bob.id
        )
    )
    assert role == "moderator"
    assert bob_web.get("/moderation/queue").status_code == 200


def test_an_exchange_of_six_alternating_posts_within_half_an_hour_is_a_sign():
    start = utcnow()
    quick = [(1 + i % 2, start + timedelta(minutes=3 * i)) for i in range(6)]
    assert alternating_pair(quick) == (1, 2)
    slow = [(1 + i % 2, start + timedelta(minutes=10 * i)) for i in range(6)]
    assert alternating_pair(slow) is None
    three = [(1 + i % 3, start + timedelta(minutes=i)) for i in range(6)]
    assert alternating_pair(three) is None


def test_early_warning_surfaces_heated_threads_in_scope(
    make_web, make_reply, make_member, thread, falls, ann, bob, mo
):
    for n in range(6):
        make_reply(ann if n % 2 else bob, thread, f"No, you are wrong, point {n}")
    page = page_text(logged_in(make_web, mo).get("/moderation/early-warning"))
    assert "Antibiotics within the hour" in page and "rapid back-and-forth" in page
    queue = page_text(logged_in(make_web, mo).get("/moderation/queue"))
    assert "1 thread heating up" in queue
    fay = logged_in(make_web, falls.memberships[0].user)
    assert "Antibiotics within the hour" not in page_text(fay.get("/moderation/early-warning"))
    assert logged_in(make_web, ann).get("/moderation/early-warning").status_code == 404
