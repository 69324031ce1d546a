"""Joining, asking, invitations, leaving, roles and the last-coordinator rule."""

from __future__ import annotations

from sqlalchemy import select

from fivec.extensions import db
from fivec.groups.membership import invite_member, join_group
from fivec.models import GroupMembership, Notification


def _membership(group, member):
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == member.id
        )
    )


def _notification(member, kind):
    return db.session.scalar(
        select(Notification).where(Notification.user_id == member.id, Notification.kind == kind)
    )


def test_joining_an_open_group_is_immediate(web, make_group, make_member):
    group = make_group("Sepsis", join_policy="open")
    priya = make_member("Priya Shah")
    web.login(priya.email)
    assert ">Join<" in web.get("/groups").get_data(as_text=True)
    response = web.post(f"/groups/{group.id}/join", {"next": "/groups"})
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have joined Sepsis." in page
    assert ">Leave<" in page
    assert _membership(group, priya).status == "active"


def test_asking_to_join_notifies_coordinators_who_approve(
    web, make_web, make_group, make_member, coordinator
):
    group = make_group("Stroke rehabilitation", visibility="members", join_policy="request")
    amina = make_member("Amina Yusuf")
    web.login(amina.email)
    assert "Ask to join" in web.get(f"/groups/{group.id}").get_data(as_text=True)
    response = web.post(f"/groups/{group.id}/join")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "A coordinator will look at your request" in page
    assert "Request sent" in page
    assert "Only members read the conversations" in page
    note = _notification(coordinator, "group_request")
    assert note.message == "Amina Yusuf asked to join Stroke rehabilitation."

    boss = make_web()
    boss.login(coordinator.email)
    assert "1 request to answer" in boss.get(f"/groups/{group.id}").get_data(as_text=True)
    request_row = _membership(group, amina)
    response = boss.post(f"/groups/{group.id}/requests/{request_row.id}/approve")
    assert "Amina Yusuf is now a member." in boss.get(response.headers["Location"]).text

    page = web.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Only members read the conversations" not in page
    assert "No conversations yet" in page
    assert _notification(amina, "request_approved").group_id == group.id


def test_declined_request_can_be_asked_again(web, make_group, make_member, coordinator):
    group = make_group("Stroke rehabilitation", visibility="members", join_policy="request")
    amina = make_member("Amina Yusuf")
    request_row = join_group(amina, group.id)
    web.login(coordinator.email)
    response = web.post(f"/groups/{group.id}/requests/{request_row.id}/decline")
    assert "You have declined Amina Yusuf" in web.get(response.headers["Location"]).text
    web.logout()
    web.login(amina.email)
    assert "Ask to join" in web.get(f"/groups/{group.id}").get_data(as_text=True)


def test_invitation_only_group_says_so_and_refuses_a_direct_join(web, make_group, make_member):
    group = make_group("Sepsis team", visibility="members", join_policy="invite")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    assert "By invitation only" in web.get("/groups").get_data(as_text=True)
    response = web.post(f"/groups/{group.id}/join")
    assert "is by invitation only" in web.get(response.headers["Location"]).text


def test_invited_member_accepts_from_the_directory(web, make_group, make_member, coordinator):
    group = make_group("Ward sisters", visibility="hidden", join_policy="invite")
    priya = make_member("Priya Shah")
    web.login(coordinator.email)
    found = web.get(f"/groups/{group.id}/members?q=priya").get_data(as_text=True)
    assert "Priya Shah" in found
    response = web.post(f"/groups/{group.id}/invitations", {"member_id": str(priya.id)})
    assert "Priya Shah has been invited" in web.get(response.headers["Location"]).text
    note = _notification(priya, "group_invite")
    assert note.message == "Grace Liu invited you to join Ward sisters."
    web.logout()

    web.login(priya.email)
    directory = web.get("/groups").get_data(as_text=True)
    assert "Invitations for you" in directory
    assert "invited by Grace Liu" in directory
    assert "Ward sisters" in web.get("/groups/invitations").get_data(as_text=True)
    response = web.post(f"/groups/{group.id}/invitation/accept")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Welcome to Ward sisters" in page
    assert _membership(group, priya).status == "active"


def test_declining_an_invitation_removes_it(web, make_group, make_member, coordinator):
    group = make_group("Ward sisters", visibility="hidden", join_policy="invite")
    priya = make_member("Priya Shah")
    invite_member(coordinator, group.id, priya.id)
    web.login(priya.email)
    response = web.post(f"/groups/{group.id}/invitation/decline")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have declined the invitation to Ward sisters." in page
    assert "No invitations waiting" in page
    assert web.get(f"/groups/{group.id}").status_code == 404


def test_leaving_a_group(web, make_group, make_member):
    group = make_group("Sepsis")
    priya = make_member("Priya Shah")
    join_group(priya, group.id)
    web.login(priya.email)
    response = web.post(f"/groups/{group.id}/leave")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have left Sepsis." in page
    assert _membership(group, priya) is None


def test_the_last_coordinator_cannot_step_down_leave_or_be_removed(web, make_group, coordinator):
    group = make_group("Sepsis")
    own = _membership(group, coordinator)
    web.login(coordinator.email)
    demote = web.post(f"/groups/{group.id}/members/{own.id}/role", {"role": "member"})
    assert "Grace Liu is the only coordinator" in web.get(demote.headers["Location"]).text
    leave = web.post(f"/groups/{group.id}/leave")
    assert "You are the only coordinator" in web.get(leave.headers["Location"]).text
    remove = web.post(f"/groups/{group.id}/members/{own.id}/remove")
    assert "Grace Liu is the only coordinator" in web.get(remove.headers["Location"]).text
    assert _membership(group, coordinator).role == "coordinator"


def test_a_coordinator_can_step_down_once_someone_else_coordinates(
    web, make_group, make_member, coordinator
):
    group = make_group("Sepsis")
    tom = make_member("Tom Okafor")
    join_group(tom, group.id)
    web.login(coordinator.email)
    tom_row = _membership(group, tom)
    promote = web.post(f"/groups/{group.id}/members/{tom_row.id}/role", {"role": "coordinator"})
    assert "Tom Okafor is now a coordinator." in web.get(promote.headers["Location"]).text
    own = _membership(group, coordinator)
    demote = web.post(f"/groups/{group.id}/members/{own.id}/role", {"role": "moderator"})
    assert "Grace Liu is now a group moderator." in web.get(demote.headers["Location"]).text


def test_coordinator_removes_a_member(web, make_group, make_member, coordinator):
    group = make_group("Sepsis")
    tom = make_member("Tom Okafor")
    join_group(tom, group.id)
    web.login(coordinator.email)
    response = web.post(f"/groups/{group.id}/members/{_membership(group, tom).id}/remove")
    assert "Tom Okafor is no longer in the group." in web.get(response.headers["Location"]).text
    assert _membership(group, tom) is None


def test_plain_members_cannot_manage_the_group(web, make_group, make_member):
    group = make_group("Sepsis")
    tom = make_member("Tom Okafor")
    priya = make_member("Priya Shah")
    join_group(tom, group.id)
    join_group(priya, group.id)
    web.login(tom.email)
    members_page = web.get(f"/groups/{group.id}/members").get_data(as_text=True)
    assert "Priya Shah" in members_page
    assert "Invite a member" not in members_page
    assert "Change role" not in members_page
    assert "Manage members" not in web.get(f"/groups/{group.id}").get_data(as_text=True)
    assert web.get(f"/groups/{group.id}/edit").status_code == 404
    priya_row = _membership(group, priya)
    for url, data in [
        (f"/groups/{group.id}/members/{priya_row.id}/role", {"role": "coordinator"}),
        (f"/groups/{group.id}/members/{priya_row.id}/remove", {}),
        (f"/groups/{group.id}/invitations", {"member_id": str(priya.id)}),
    ]:
        assert web.post(url, data).status_code == 404
    assert _membership(group, priya).role == "member"


def test_coordinator_edits_the_purpose_and_settings(web, make_group, coordinator):
    group = make_group("Sepsis")
    web.login(coordinator.email)
    form = web.get(f"/groups/{group.id}/edit").get_data(as_text=True)
    assert "Spot sepsis early" in form
    response = web.post(
        f"/groups/{group.id}/edit",
        {
            "purpose": "Screen every adult for sepsis on arrival.",
            "visibility": "members",
            "join_policy": "request",
            "interests": "sepsis, NEWS2",
            "guidelines": "Share rates with denominators.",
        },
    )
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Screen every adult for sepsis on arrival." in page
    assert "Members only" in page
    assert "news2" in page


def test_editing_with_an_empty_purpose_keeps_the_other_answers(web, make_group, coordinator):
    group = make_group("Sepsis")
    web.login(coordinator.email)
    response = web.post(
        f"/groups/{group.id}/edit",
        {"purpose": "", "visibility": "public", "join_policy": "open", "interests": "sepsis, aki"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please say what the group is for" in page
    assert 'value="sepsis, aki"' in page
