"""Silence (cannot post) and suspend (cannot log in), network-wide or in one group; notes."""

from __future__ import annotations

from sqlalchemy import select

from fivec.extensions import db
from fivec.models import GroupMembership, Post
from moderation.models import MemberSanction, ModeratorNote
from tests.conftest import PASSWORD
from tests.moderation.conftest import logged_in, page_text


def _sanction(web, member, kind="silence", group="", days="7", reason="Repeated personal remarks."):
    return web.post(
        f"/moderation/members/{member.id}/sanctions",
        {"kind": kind, "group_id": group, "days": days, "reason": reason},
        follow_redirects=True,
    )


def test_a_silenced_member_cannot_post_by_any_path(make_web, make_reply, thread, sepsis, bob, mo):
    own = make_reply(bob, thread, "An earlier reply")
    _sanction(logged_in(make_web, mo), bob, group=str(sepsis.id))
    web = logged_in(make_web, bob)
    page = page_text(web.get(f"/threads/{thread.id}"))
    assert "You cannot post in Sepsis until" in page
    assert "Repeated personal remarks." in page
    reply = web.post(f"/threads/{thread.id}/replies", {"body": "Let me just say"})
    assert reply.status_code == 400 and "You cannot post in Sepsis until" in page_text(reply)
    new = web.post(f"/groups/{sepsis.id}/threads/new", {"title": "Hi", "body": "Hello"})
    assert "You cannot post in Sepsis until" in page_text(new)
    edit = web.post(f"/posts/{own.id}/edit", {"body": "Changed", "version": own.version})
    assert edit.status_code == 403
    assert db.session.scalar(select(db.func.count(Post.id)).where(Post.author_id == bob.id)) == 1
    assert db.session.get(Post, own.id).body_source == "An earlier reply"


def test_a_silence_in_one_group_leaves_other_groups_open(
    make_web, make_group, thread, sepsis, bob, mo
):
    other = make_group("Stroke", members=[bob])
    _sanction(logged_in(make_web, mo), bob, group=str(sepsis.id))
    web = logged_in(make_web, bob)
    web.post(f"/groups/{other.id}/threads/new", {"title": "Rehab", "body": "Early discharge?"})
    assert db.session.scalar(select(Post).where(Post.author_id == bob.id)) is not None


def test_a_group_moderator_cannot_sanction_network_wide_or_in_other_groups(
    make_web, falls, sepsis, bob, mo
):
    web = logged_in(make_web, mo)
    assert _sanction(web, bob, kind="suspend").status_code == 400
    assert _sanction(web, bob, group=str(falls.id)).status_code == 400
    assert _sanction(web, bob, group=str(sepsis.id), reason="").status_code == 400
    assert db.session.scalar(select(MemberSanction)) is None


def test_a_suspended_member_is_logged_out_and_told_what_why_and_until_when(
    make_web, make_member, bob
):
    admin = make_member("Ada Admin", admin=True)
    bob_web = logged_in(make_web, bob)
    _sanction(logged_in(make_web, admin), bob, kind="suspend", days="30", reason="Abuse.")
    assert bob_web.get("/groups").status_code == 302  # the old session has ended
    again = make_web().post("/login", {"email": bob.email, "password": PASSWORD})
    text = page_text(again)
    assert "Your account is suspended until" in text and "Abuse." in text
    wrong = make_web().post("/login", {"email": bob.email, "password": "not the password"})
    assert "suspended" not in page_text(wrong)  # only the member learns of it


def test_lifting_a_silence_lets_the_member_post_again(make_web, thread, sepsis, bob, mo):
    web = logged_in(make_web, mo)
    _sanction(web, bob, group=str(sepsis.id))
    sanction = db.session.scalar(select(MemberSanction))
    web.post(f"/moderation/sanctions/{sanction.id}/lift", {"reason": "Apologised."})
    logged_in(make_web, bob).post(f"/threads/{thread.id}/replies", {"body": "Sorry, all."})
    assert db.session.scalar(select(Post).where(Post.author_id == bob.id)) is not None


def test_notes_on_a_member_are_for_moderators_only(make_web, sepsis, bob, ann, mo):
    web = logged_in(make_web, mo)
    web.post(f"/moderation/members/{bob.id}/notes", {"text": "Spoke to Bob by phone."})
    assert db.session.scalar(select(ModeratorNote)).text == "Spoke to Bob by phone."
    assert "Spoke to Bob by phone." in page_text(web.get(f"/moderation/members/{bob.id}"))
    assert logged_in(make_web, ann).get(f"/moderation/members/{bob.id}").status_code == 404
    assert logged_in(make_web, bob).get(f"/moderation/members/{bob.id}").status_code == 404


def test_admins_grant_the_network_moderator_role_on_the_profile(make_web, make_member, ann):
    admin = make_member("Ada Admin", admin=True)
    web = logged_in(make_web, admin)
    assert "Make network moderator" in page_text(web.get(f"/members/{ann.id}"))
    web.post(f"/moderation/members/{ann.id}/network-moderator", {"make": "1"})
    db.session.expire_all()
    assert ann.is_moderator
    member = logged_in(make_web, ann)
    assert member.get("/moderation/queue").status_code == 200
    assert (
        member.post(f"/moderation/members/{ann.id}/network-moderator", {"make": "0"}).status_code
        == 404
    )
    assert (
        db.session.scalar(select(GroupMembership).where(GroupMembership.user_id == ann.id)) is None
    )
