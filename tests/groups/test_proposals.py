"""Proposing groups, admin approval, and bad input on the propose form."""

from __future__ import annotations

from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Group, GroupMembership, Notification

from .conftest import group_form


def test_member_proposal_waits_for_an_admin_and_is_not_listed(web, make_member):
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    response = web.post("/groups/propose", group_form())
    assert response.status_code == 302
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "waiting for a network admin" in page
    group = db.session.scalar(select(Group))
    assert group.status == "proposed"
    web.logout()
    make_member("Tom Okafor")
    web.login("tom.okafor@example.org")
    assert "Falls prevention" not in web.get("/groups").get_data(as_text=True)
    assert web.get(f"/groups/{group.id}").status_code == 404


def test_admin_approval_makes_the_proposer_coordinator_and_tells_them(web, make_member, admin):
    priya = make_member("Priya Shah")
    web.login("priya.shah@example.org")
    web.post("/groups/propose", group_form())
    group = db.session.scalar(select(Group))
    web.logout()

    web.login(admin.email)
    queue = web.get("/groups/proposals").get_data(as_text=True)
    assert "Falls prevention" in queue
    assert "Proposed by Priya Shah" in queue
    response = web.post(f"/groups/proposals/{group.id}/approve")
    assert "its proposer is now its coordinator" in web.get(response.headers["Location"]).text
    web.logout()

    web.login(priya.email)
    page = web.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Manage members" in page
    assert "Priya Shah" in page  # listed as coordinator
    membership = db.session.scalar(select(GroupMembership))
    assert (membership.user_id, membership.role) == (priya.id, "coordinator")
    note = db.session.scalar(select(Notification).where(Notification.user_id == priya.id))
    assert note.kind == "group_approved"
    assert "has been approved" in note.message


def test_rejecting_needs_a_reason_and_sends_it_to_the_proposer(web, make_member, admin):
    priya = make_member("Priya Shah")
    web.login(priya.email)
    web.post("/groups/propose", group_form())
    group = db.session.scalar(select(Group))
    web.logout()
    web.login(admin.email)

    empty = web.post(f"/groups/proposals/{group.id}/reject", {f"p{group.id}-reason": " "})
    assert empty.status_code == 400
    assert "Please tell the proposer why" in empty.get_data(as_text=True)

    reason = "We already have a falls group: please join it instead."
    response = web.post(f"/groups/proposals/{group.id}/reject", {f"p{group.id}-reason": reason})
    assert "was not approved" in web.get(response.headers["Location"]).text
    assert "No proposals are waiting" in web.get("/groups/proposals").text
    note = db.session.scalar(select(Notification).where(Notification.user_id == priya.id))
    assert note.kind == "group_rejected"
    assert reason in note.message


def test_proposals_page_is_not_found_for_members(web, make_member):
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    assert web.get("/groups/proposals").status_code == 404
    assert web.post("/groups/proposals/1/approve").status_code == 404


def test_admin_creates_an_active_group_directly(web, admin):
    web.login(admin.email)
    response = web.post("/groups/propose", group_form())
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Falls prevention is open. You are its coordinator." in page
    assert db.session.scalar(select(Group)).status == "active"


def test_peer_sub_group_sits_inside_its_topic_group(web, make_group, coordinator):
    sepsis = make_group("Sepsis")
    web.login(coordinator.email)
    form = group_form(
        name="Sepsis screening project team",
        kind="peer",
        parent_id=str(sepsis.id),
        visibility="members",
        join_policy="request",
    )
    response = web.post("/groups/propose", form)
    assert response.status_code == 302
    team = db.session.scalar(select(Group).where(Group.kind == "peer"))
    assert team.parent_id == sepsis.id
    missing_parent = web.post("/groups/propose", group_form(name="Another team", kind="peer"))
    assert missing_parent.status_code == 400
    assert "Please choose the topic group this sub-group belongs to." in missing_parent.text


def test_empty_name_and_purpose_are_refused_beside_each_field(web, make_member):
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    response = web.post("/groups/propose", group_form(name="   ", purpose=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please give the group a name." in page
    assert "Please say what the group is for" in page
    assert db.session.scalar(select(Group)) is None


def test_one_megabyte_purpose_is_refused_and_what_was_typed_is_kept(web, make_member):
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    huge = "Fewer falls. " + "x" * (1024 * 1024)
    response = web.post("/groups/propose", group_form(name="My falls group", purpose=huge))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please keep the purpose under 2,000 characters." in page
    assert huge in page
    assert 'value="My falls group"' in page
    assert db.session.scalar(select(Group)) is None


def test_one_megabyte_name_is_refused(web, make_member):
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    response = web.post("/groups/propose", group_form(name="n" * (1024 * 1024)))
    assert response.status_code == 400
    assert "Please keep the name under 120 characters." in response.get_data(as_text=True)


def test_html_in_name_and_purpose_is_shown_as_text(web, admin, make_member):
    web.login(admin.email)
    response = web.post(
        "/groups/propose",
        group_form(
            name="<script>alert('name')</script> Falls",
            purpose='<img src=x onerror="alert(1)"> Fewer falls',
        ),
    )
    group_page = web.get(response.headers["Location"]).get_data(as_text=True)
    directory = web.get("/groups").get_data(as_text=True)
    for page in (group_page, directory):
        assert "<script>alert(" not in page
        assert "&lt;script&gt;alert(" in page
        assert "<img src=x" not in page
    assert "&lt;img src=x onerror=" in group_page


def test_hidden_group_must_be_by_invitation(web, admin):
    web.login(admin.email)
    response = web.post("/groups/propose", group_form(visibility="hidden", join_policy="open"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "hidden groups are by invitation only" in page
    assert 'value="Falls prevention"' in page


def test_duplicate_name_is_refused_but_a_hidden_group_does_not_leak(web, make_group, make_member):
    make_group("Sepsis")
    make_group("Ward sisters", visibility="hidden", join_policy="invite")
    make_member("Priya Shah")
    web.login("priya.shah@example.org")
    duplicate = web.post("/groups/propose", group_form(name="sepsis"))
    assert duplicate.status_code == 400
    assert "There is already a group called" in duplicate.get_data(as_text=True)
    same_as_hidden = web.post("/groups/propose", group_form(name="Ward sisters"))
    assert same_as_hidden.status_code == 302
