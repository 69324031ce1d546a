"""A group's page: purpose, people, sub-groups, its thread list, and what stays hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.groups.membership import invite_member, join_group
from fivec.models import Thread


def _thread(group, author, title, *, minutes_ago=0, **fields):
    # Thread rows are the discussions feature's; the list only reads them.
    thread = Thread(
        group_id=group.id,
        author_id=author.id,
        title=title,
        last_post_at=utcnow() - timedelta(minutes=minutes_ago),
        **fields,
    )
    db.session.add(thread)
    db.session.commit()
    return thread


def test_group_page_states_purpose_coordinators_members_and_sub_groups(
    web, make_group, make_member
):
    sepsis = make_group("Sepsis")
    make_group("Sepsis screening project team", kind="peer", parent=sepsis, join_policy="open")
    make_group(
        "Secret sepsis huddle",
        kind="peer",
        parent=sepsis,
        visibility="hidden",
        join_policy="invite",
    )
    priya = make_member("Priya Shah")
    join_group(priya, sepsis.id)
    web.login(priya.email)
    page = web.get(f"/groups/{sepsis.id}").get_data(as_text=True)
    assert "Spot sepsis early and treat it within the hour." in page
    assert "Grace Liu" in page
    assert "2 members" in page
    assert "Sepsis screening project team" in page
    assert "Secret sepsis huddle" not in page


def test_thread_list_shows_pinned_first_then_latest_activity(web, make_group, make_member):
    group = make_group("Sepsis")
    priya = make_member("Priya Shah")
    join_group(priya, group.id)
    _thread(group, priya, "Older thread", minutes_ago=60, reply_count=4)
    _thread(group, priya, "Pinned welcome", minutes_ago=600, is_pinned=True)
    _thread(group, priya, "Newest thread", minutes_ago=1)
    _thread(group, priya, "Held for a moderator", status="held")
    web.login(priya.email)
    page = web.get(f"/groups/{group.id}").get_data(as_text=True)
    positions = [page.index(t) for t in ("Pinned welcome", "Newest thread", "Older thread")]
    assert positions == sorted(positions)
    assert "Held for a moderator" not in page
    assert "Started by Priya Shah" in page
    assert "<dd>4</dd>" in page
    assert "Start a thread" in page


def test_thread_list_pages_thirty_at_a_time(web, make_group, make_member):
    group = make_group("Sepsis")
    priya = make_member("Priya Shah")
    for n in range(31):
        _thread(group, priya, f"Thread number {n:02d}", minutes_ago=n)
    web.login(priya.email)
    first = web.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Thread number 00" in first
    assert "Thread number 30" not in first
    assert "Page 1 of 2" in first
    second = web.get(f"/groups/{group.id}?page=2").get_data(as_text=True)
    assert "Thread number 30" in second


def test_reader_who_is_not_a_member_sees_threads_but_no_start_button(web, make_group, make_member):
    group = make_group("Sepsis")
    _thread(group, make_member("Tom Okafor"), "How do you screen in ED?")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    page = web.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "How do you screen in ED?" in page
    assert "Start a thread" not in page


def test_members_only_group_keeps_its_threads_from_non_members(web, make_group, make_member):
    group = make_group("Stroke rehabilitation", visibility="members", join_policy="request")
    _thread(group, make_member("Tom Okafor"), "Therapy minutes audit")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    page = web.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Stroke rehabilitation" in page
    assert "Only members read the conversations" in page
    assert "Therapy minutes audit" not in page
    assert web.get(f"/groups/{group.id}/members").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["", "/members", "/members?q=priya", "/edit"],
)
def test_hidden_group_is_not_found_for_non_members(web, make_group, make_member, path):
    group = make_group("Ward sisters", visibility="hidden", join_policy="invite")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    assert "Ward sisters" not in web.get("/groups").get_data(as_text=True)
    assert "Ward sisters" not in web.get("/groups?q=ward").get_data(as_text=True)
    response = web.get(f"/groups/{group.id}{path}")
    missing = web.get(f"/groups/{group.id + 999}{path}")
    assert response.status_code == 404
    assert response.get_data(as_text=True) == missing.get_data(as_text=True)


@pytest.mark.parametrize(
    "action", ["join", "leave", "invitation/accept", "invitation/decline", "invitations", "edit"]
)
def test_hidden_group_refuses_posts_from_non_members_as_not_found(
    web, make_group, make_member, action
):
    group = make_group("Ward sisters", visibility="hidden", join_policy="invite")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    assert web.post(f"/groups/{group.id}/{action}", {"member_id": "1"}).status_code == 404


def test_hidden_group_is_listed_for_its_members_and_invitees_see_the_invitation(
    web, make_group, make_member, coordinator
):
    group = make_group("Ward sisters", visibility="hidden", join_policy="invite")
    priya = make_member("Priya Shah")
    invite_member(coordinator, group.id, priya.id)
    web.login(priya.email)
    assert "Invitations for you" in web.get("/groups").get_data(as_text=True)
    web.logout()
    web.login(coordinator.email)
    page = web.get("/groups").get_data(as_text=True)
    assert "Ward sisters" in page
    assert "Hidden" in page


def test_admin_can_open_a_hidden_group(web, make_group, admin):
    group = make_group("Ward sisters", visibility="hidden", join_policy="invite")
    web.login(admin.email)
    assert web.get(f"/groups/{group.id}").status_code == 200
