"""Groups and live threaded discussions in two real browsers."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_join_start_thread_reply_to_reply_and_see_it_live(new_page, make_member):
    from playwright.sync_api import expect

    make_member("Nadia Hussain", email="admin@example.org", admin=True)
    make_member("Priya Shah", email="priya@example.org")
    make_member("Tom Okafor", email="tom@example.org")

    admin = new_page()
    _log_in(admin, "admin@example.org")
    admin.goto("/groups/propose")
    admin.get_by_label("Group name").fill("Sepsis")
    admin.get_by_label("Purpose").fill("Antibiotics within the hour for every patient with sepsis.")
    admin.get_by_role("button", name="Create the group").click()
    expect(admin.get_by_role("heading", name="Sepsis")).to_be_visible()
    group_url = admin.url

    priya, tom = new_page(), new_page()
    for page, email in ((priya, "priya@example.org"), (tom, "tom@example.org")):
        _log_in(page, email)
        page.goto(group_url)
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_role("button", name="Leave")).to_be_visible()

    priya.get_by_role("link", name="Start a thread").click()
    priya.get_by_label("Title").fill("Getting antibiotics within the hour on AMU")
    priya.get_by_label("Your post").fill("What worked for **you**?")
    priya.get_by_role("button", name="Start thread").click()
    expect(
        priya.get_by_role("heading", name="Getting antibiotics within the hour on AMU")
    ).to_be_visible()
    thread_url = priya.url.split("#")[0]

    tom.goto(thread_url)
    expect(tom.locator("body[data-live='connected']")).to_have_count(1)
    priya.locator("#reply-form").get_by_label("Your reply").fill(
        "A sepsis trolley on every bay helped us."
    )
    priya.locator("#reply-form").get_by_role("button", name="Post reply").click()
    reply = tom.get_by_text("A sepsis trolley on every bay helped us.")
    expect(reply).to_be_visible()  # arrived live, without a reload

    tom.locator("article.post", has_text="A sepsis trolley").get_by_role(
        "link", name="Reply"
    ).click()
    inline = tom.locator("form.inline-composer")
    inline.locator("textarea").fill("Who restocks the trolleys?")
    inline.get_by_role("button", name="Post reply").click()
    nested = (
        priya.locator("article.post", has_text="A sepsis trolley")
        .locator("xpath=following-sibling::div[contains(@class,'replies')]")
        .get_by_text("Who restocks the trolleys?")
    )
    expect(nested).to_be_visible()  # a reply to a reply, nested, live
    expect(priya.locator("[data-unread-count]")).to_have_text("1")
