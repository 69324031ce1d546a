"""A newcomer's first visit, in a real browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fivec.extensions import db
from fivec.models import NetworkSettings, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_register_profile_directory_admin_purpose_logout(
    page, new_page, make_member, make_organisation
):
    from playwright.sync_api import expect

    trust = make_organisation("Riverside University Hospitals")
    make_member("Amina Yusuf", email="amina@example.org", profession="ahp", organisation=trust)
    make_member("Nadia Hussain", email="admin@example.org", admin=True)

    page.goto("/")
    page.get_by_role("link", name="Join the network").first.click()
    page.get_by_label("Email").fill("priya@example.org")
    page.get_by_label("Your name").fill("Priya Shah")
    page.get_by_label("Profession or role").select_option("nurse")
    page.get_by_label("Organisation").select_option(label="Riverside University Hospitals")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Use at least 12 characters")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Priya Shah")  # what was typed is kept
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    page.get_by_role("button", name="Log out").click()  # then log in with the new account
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("PRIYA@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/profile/edit")
    page.get_by_label("Job title").fill("Sepsis nurse specialist")
    page.get_by_label("Interests").fill("sepsis, deteriorating patient")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", name="Priya Shah")).to_be_visible()
    expect(page.get_by_role("link", name="sepsis", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Profession or role").select_option("ahp")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name="Amina Yusuf")).to_be_visible()
    expect(results.get_by_role("link", name="Priya Shah")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    assert db.session.scalar(select(User).where(User.email_normalised == "priya@example.org"))

    admin = new_page()
    admin.goto("/login")
    admin.get_by_label("Email").fill("admin@example.org")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("link", name="Admin").click()
    admin.get_by_label("Common purpose").fill("Antibiotics within the hour for everyone.")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_text("Antibiotics within the hour for everyone.")).to_be_visible()
    admin.get_by_role("button", name="Log out").click()
    expect(admin).to_have_url(re.compile(r"/$"))
    db.session.expire_all()
    assert db.session.get(NetworkSettings, 1).purpose == "Antibiotics within the hour for everyone."


def test_mobile_menu_opens_with_the_keyboard(page, make_member):
    from playwright.sync_api import expect

    make_member("Ann", email="ann@example.org")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").focus()
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
