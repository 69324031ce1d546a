"""A member previews this week's digest in the browser."""

from __future__ import annotations

import pytest

from fivec.discussions.actions import create_thread
from fivec.extensions import db
from fivec.models import Group, GroupMembership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_member_previews_their_digest_from_the_profile_page(page, make_member):
    from playwright.sync_api import expect

    priya = make_member("Priya Shah", email="priya@example.org")
    tom = make_member("Tom Okafor", email="tom@example.org")
    sepsis = Group(slug="sepsis", name="Sepsis", purpose="Antibiotics within the hour.")
    secret = Group(
        slug="ward-sisters",
        name="Ward sisters",
        purpose="Private peer support.",
        kind="peer",
        visibility="hidden",
        join_policy="invite",
    )
    db.session.add_all([sepsis, secret])
    db.session.flush()
    db.session.add_all(
        [
            GroupMembership(group_id=sepsis.id, user_id=priya.id),
            GroupMembership(group_id=sepsis.id, user_id=tom.id),
            GroupMembership(group_id=secret.id, user_id=tom.id),
        ]
    )
    db.session.commit()
    create_thread(
        tom, sepsis, "Sepsis trolleys <b>on every bay</b>", "They cut our time to antibiotics."
    )
    create_thread(tom, secret, "Rota worries on ward 12", "Only for the ward sisters.")

    page.goto("/login")
    page.get_by_label("Email").fill("priya@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/profile/edit")
    page.get_by_role("link", name="Preview this week's digest").click()

    expect(page.get_by_role("heading", name="Your digest", exact=False)).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("Sepsis trolleys <b>on every bay</b>")).to_be_visible()
    expect(main.get_by_text("Rota worries on ward 12")).to_have_count(0)
    email = page.frame_locator("iframe.email-preview")
    expect(email.get_by_text("Sepsis trolleys <b>on every bay</b>")).to_be_visible()
    expect(email.get_by_text("Unsubscribe", exact=False).first).to_be_visible()
