"""Proposing a group, approving it, and joining by request, in real browsers."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_propose_approve_then_join_by_request(new_page, make_member):
    from playwright.sync_api import expect

    make_member("Nadia Hussain", email="admin@example.org", admin=True)
    make_member("Amina Yusuf", email="amina@example.org", profession="ahp")
    make_member("Jack Nolan", email="jack@example.org", profession="patient")

    amina = new_page()
    _log_in(amina, "amina@example.org")
    amina.goto("/groups/propose")
    amina.get_by_label("Group name").fill("Stroke rehabilitation")
    amina.get_by_label("Purpose").fill("Getting people home and active sooner after a stroke.")
    amina.get_by_label("Who can see it").select_option("members")
    amina.get_by_label("How people join").select_option("request")
    amina.get_by_role("button", name="Send the proposal").click()
    expect(amina.get_by_text("waiting for a network admin", exact=False).first).to_be_visible()

    admin = new_page()
    _log_in(admin, "admin@example.org")
    admin.goto("/groups/proposals")
    admin.get_by_role("button", name="Approve Stroke rehabilitation").click()
    expect(admin.get_by_text("Stroke rehabilitation", exact=False).first).to_be_visible()

    amina.goto("/notifications")
    expect(amina.get_by_text("Stroke rehabilitation", exact=False).first).to_be_visible()

    jack = new_page()
    _log_in(jack, "jack@example.org")
    jack.goto("/groups")
    jack.get_by_role("button", name="Ask to join Stroke rehabilitation").click()
    expect(jack.get_by_role("button", name="Withdraw request").first).to_be_visible()

    amina.goto("/groups")
    amina.get_by_role("link", name="Stroke rehabilitation").first.click()
    group_url = amina.url
    amina.goto(re.sub(r"/?$", "/members", group_url.split("?")[0]))
    amina.get_by_role("button", name="Let in Jack Nolan").click()

    jack.goto(group_url)
    expect(jack.get_by_role("heading", name="Conversations")).to_be_visible()
    expect(jack.get_by_role("button", name="Leave Stroke rehabilitation")).to_be_visible()
