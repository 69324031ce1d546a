"""Moderation in real browsers: flags, the queue, held posts and scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Post
from moderation.models import ReviewItem
from tests.conftest import PASSWORD
from tests.discussions import conftest as discussions

pytestmark = pytest.mark.browser
make_group, make_reply, make_thread = (
    discussions.make_group,
    discussions.make_reply,
    discussions.make_thread,
)


def _log_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def people(make_member):
    names = ["Ann Jones", "Bob Patel", "Mo Reid", "Fay Moss"]
    return {n.split()[0].lower(): make_member(n) for n in names}


@pytest.fixture
def sepsis(make_group, people):
    p = people
    return make_group(
        "Sepsis", members=[p["ann"], p["bob"], p["mo"]], roles={p["mo"].id: "moderator"}
    )


def test_flag_queue_hide_with_reason_author_told_and_log_visible(
    new_page, people, sepsis, make_thread, make_reply
):
    from playwright.sync_api import expect

    thread = make_thread(people["bob"], sepsis, "Antibiotics within the hour", "What works?")
    make_reply(people["ann"], thread, "Anyone who still uses paper screening is lazy.")
    thread_url = f"/threads/{thread.id}"

    bob = new_page()
    _log_in(bob, people["bob"].email)
    bob.goto(thread_url)
    post = bob.locator("article.post", has_text="paper screening is lazy")
    post.get_by_role("link", name="Flag").click()
    dialog = bob.get_by_role("dialog", name="Flag the post by Ann")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Disrespectful").check()
    dialog.get_by_role("button", name="Send flag").click()
    expect(bob.get_by_text("Thank you: a moderator will look at this post.")).to_be_visible()

    mo = new_page()
    _log_in(mo, people["mo"].email)
    mo.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    expect(mo.get_by_role("heading", name="Review queue")).to_be_visible()
    mo.get_by_role("link", name="Antibiotics within the hour").click()
    mo.get_by_label("Hide", exact=True).check()
    mo.get_by_label("Reason").fill("Please disagree with ideas, not people.")
    mo.get_by_role("button", name="Save decision").click()
    expect(mo.get_by_text("Done: the post is hidden.")).to_be_visible()

    ann = new_page()
    _log_in(ann, people["ann"].email)
    ann.get_by_role("link", name="Notifications").click()
    expect(
        ann.get_by_text(
            "A moderator hid your post in “Antibiotics within the hour”: "
            "Please disagree with ideas, not people."
        )
    ).to_be_visible()

    bob.goto(f"/groups/{sepsis.id}")
    bob.get_by_role("link", name="Moderation log").click()
    row = bob.get_by_role("row", name="Hid a post")
    expect(row).to_contain_text("Mo Reid")
    expect(row).to_contain_text("Please disagree with ideas, not people.")
    bob.goto(thread_url)
    expect(bob.get_by_text("paper screening is lazy")).to_have_count(0)


def test_a_post_with_an_nhs_number_is_held_then_approved_after_an_edit(
    new_page, people, sepsis, make_thread
):
    from playwright.sync_api import expect

    thread = make_thread(people["ann"], sepsis, "Door to needle times", "Your audit figures?")
    bob = new_page()
    _log_in(bob, people["bob"].email)
    bob.goto(f"/threads/{thread.id}")
    bob.locator("#reply-form").get_by_label("Your reply").fill(
        "Mrs Khan, NHS number 943 476 5919, waited 3 hours for antibiotics."
    )
    bob.locator("#reply-form").get_by_role("button", name="Post reply").click()
    held = "Held for a moderator: it looks like it contains an NHS number."
    expect(bob.locator(".flash", has_text=held)).to_be_visible()
    expect(bob.locator("[data-held-note]")).to_contain_text("Please edit it to remove")

    bob.locator("article.post", has_text="waited 3 hours").get_by_role("link", name="Edit").click()
    bob.get_by_label("Your post").fill("One of our patients waited 3 hours for antibiotics.")
    bob.get_by_role("button", name="Save changes").click()
    expect(bob.locator("[data-held-note]")).to_be_visible()  # still waits for a person

    ann = new_page()
    _log_in(ann, people["ann"].email)
    ann.goto(f"/threads/{thread.id}")
    expect(ann.get_by_text("waited 3 hours")).to_have_count(0)

    mo = new_page()
    _log_in(mo, people["mo"].email)
    mo.goto("/moderation/queue?kind=held_pii")
    mo.get_by_role("link", name="Door to needle times").click()
    mo.get_by_label("Approve", exact=True).check()
    mo.get_by_label("Reason").fill("The author removed the patient's details.")
    mo.get_by_role("button", name="Save decision").click()
    expect(mo.get_by_text("Done: the post is published.")).to_be_visible()

    ann.goto(f"/threads/{thread.id}")
    expect(ann.get_by_text("One of our patients waited 3 hours for antibiotics.")).to_be_visible()
    expect(ann.get_by_text("943 476 5919")).to_have_count(0)


def test_a_group_moderator_cannot_act_in_another_group(
    new_page, people, sepsis, make_group, make_thread, make_reply
):
    from playwright.sync_api import expect

    make_group("Falls", members=[people["fay"]], roles={people["fay"].id: "moderator"})
    thread = make_thread(people["ann"], sepsis, "Screening at triage", "Ideas?")
    make_reply(people["bob"], thread, "Patient NHS number 943 476 5919 was missed.")
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.status == "held"))
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))

    fay = new_page()
    _log_in(fay, people["fay"].email)
    fay.goto("/moderation/queue")
    expect(fay.get_by_text("Nothing waiting.")).to_be_visible()
    response = fay.goto(f"/moderation/items/{item.id}")
    assert response.status == 404
    fay.goto(f"/threads/{thread.id}")
    expect(fay.get_by_role("heading", name="Screening at triage")).to_be_visible()
    expect(fay.get_by_text("Moderate", exact=True)).to_have_count(0)
    expect(fay.get_by_role("button", name="Lock thread")).to_have_count(0)
