"""The home page's activity feed and published results respect who may read what."""

from __future__ import annotations

from fivec.discussions.actions import create_thread
from fivec.extensions import db
from fivec.models import Group, GroupMembership


def _group(name, visibility, members):
    group = Group(
        slug=name.lower().replace(" ", "-"),
        name=name,
        purpose=f"{name} work.",
        visibility=visibility,
        join_policy="open" if visibility == "public" else "invite",
    )
    db.session.add(group)
    db.session.flush()
    for member in members:
        db.session.add(GroupMembership(group_id=group.id, user_id=member.id))
    db.session.commit()
    return group


def test_home_feed_shows_threads_from_readable_groups_only(web, make_member):
    ann = make_member("Ann", email="ann@example.org")
    bob = make_member("Bob", email="bob@example.org")
    public = _group("Sepsis", "public", [ann])
    secret = _group("Ward sisters", "hidden", [ann])
    create_thread(ann, public, "Antibiotics within the hour", "What works?")
    create_thread(ann, secret, "Rota worries on ward 12", "Just us.")

    web.login(bob.email)
    page = web.get("/").get_data(as_text=True)
    assert "Antibiotics within the hour" in page
    assert "Rota worries" not in page and "Ward sisters" not in page
    web.logout()
    web.login(ann.email)
    assert "Rota worries on ward 12" in web.get("/").get_data(as_text=True)


def test_anonymous_visitors_see_the_purpose_but_no_activity(web, make_member):
    ann = make_member("Ann", email="ann@example.org")
    create_thread(ann, _group("Sepsis", "public", [ann]), "Antibiotics within the hour", "x")
    page = web.get("/").get_data(as_text=True)
    assert "How we talk here" in page
    assert "Antibiotics within the hour" not in page
