"""Searching in a real browser: filters, highlights, and nothing private leaks."""

from __future__ import annotations

import pytest

from fivec.discussions.actions import create_thread, reply
from fivec.extensions import db
from fivec.models import Group, GroupMembership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_filters_find_a_reply_by_its_words_and_private_posts_stay_private(new_page, make_member):
    from playwright.sync_api import expect

    priya = make_member("Priya Shah", email="priya@example.org")
    tom = make_member("Tom Okafor", email="tom@example.org")
    make_member("Eve Outsider", email="eve@example.org")
    sepsis = Group(slug="sepsis", name="Sepsis", purpose="Antibiotics within the hour.")
    secret = Group(
        slug="ward-sisters",
        name="Ward sisters",
        purpose="Peer support.",
        kind="peer",
        visibility="hidden",
        join_policy="invite",
    )
    db.session.add_all([sepsis, secret])
    db.session.flush()
    for group, member in ((sepsis, priya), (sepsis, tom), (secret, tom)):
        db.session.add(GroupMembership(group_id=group.id, user_id=member.id))
    db.session.commit()
    thread = create_thread(priya, sepsis, "Antibiotics on AMU", "What helped you?")
    reply(tom, thread, None, "Our lactate point-of-care analyser saved twenty minutes.")
    private = create_thread(
        tom, secret, "Rota worries", "The lactate machine on ward 12 is broken."
    )
    db.session.commit()
    assert private.id

    tom_page = new_page()
    _log_in(tom_page, "tom@example.org")
    tom_page.get_by_label("Search", exact=True).fill("lactate @[Tom Okafor] #sepsis")
    tom_page.keyboard.press("Enter")
    results = tom_page.get_by_role("main")
    expect(results.get_by_role("link", name="Antibiotics on AMU")).to_be_visible()
    expect(results.locator("mark", has_text="lactate").first).to_be_visible()
    expect(results.get_by_text("Rota worries")).to_have_count(0)  # #sepsis filter

    eve = new_page()
    _log_in(eve, "eve@example.org")
    for query in [
        "lactate",
        "broken",
        '"lactate machine"',
        "ward 12",
        "in:title rota",
        "#ward-sisters lactate",
        "@[Tom Okafor]",
    ]:
        eve.goto("/search?q=" + query.replace("#", "%23"))
        main = eve.get_by_role("main")
        expect(main.get_by_text("Rota worries")).to_have_count(0)
        expect(main.get_by_text("ward 12 is broken")).to_have_count(0)
