"""The patient-information guard, first posts, and the review queue with its decisions."""

from __future__ import annotations

import contextvars
import re
import threading

from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Notification, Post, PostRevision, Thread
from moderation.models import ModerationAction, ReviewItem
from tests.moderation.conftest import NHS_TEXT, logged_in, open_items, page_text


def _reply(web, thread, body, **extra):
    return web.post(f"/threads/{thread.id}/replies", {"body": body, **extra}, follow_redirects=True)


def _latest_post(author):
    db.session.expire_all()
    return db.session.scalar(
        select(Post).where(Post.author_id == author.id).order_by(Post.id.desc()).limit(1)
    )


def _decide(web, item, decision, reason, **extra):
    return web.post(
        f"/moderation/items/{item.id}/resolve",
        {"decision": decision, "reason": reason, **extra},
        follow_redirects=True,
    )


def test_a_reply_with_an_nhs_number_is_held_and_its_author_told_why(make_web, thread, bob, ann):
    bob_web = logged_in(make_web, bob)
    page = page_text(_reply(bob_web, thread, NHS_TEXT))
    told = (
        "Held for a moderator: it looks like it contains an NHS number. "
        "Please edit it to remove the patient's details."
    )
    assert page.count(told) == 2  # the flash message and the note on the held post
    post = _latest_post(bob)
    assert post.status == "held"
    assert [i.kind for i in open_items(post)] == ["held_pii"]
    assert "943" not in open_items(post)[0].note  # the note never repeats the number
    ann_page = logged_in(make_web, ann).get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "943 476 5919" not in ann_page
    assert db.session.scalar(select(Notification).where(Notification.user_id == ann.id)) is None
    assert db.session.get(Thread, thread.id).reply_count == 0


def test_a_new_thread_with_an_nhs_number_is_held_whole(make_web, sepsis, bob, ann):
    bob_web = logged_in(make_web, bob)
    bob_web.post(
        f"/groups/{sepsis.id}/threads/new",
        {"title": "A delayed case", "body": NHS_TEXT},
        follow_redirects=True,
    )
    held = db.session.scalar(select(Thread).where(Thread.title == "A delayed case"))
    assert held.status == "held"
    ann_web = logged_in(make_web, ann)
    assert ann_web.get(f"/threads/{held.id}").status_code == 404
    assert "A delayed case" not in ann_web.get(f"/groups/{sepsis.id}").get_data(as_text=True)


def test_clinical_text_without_identifiers_is_published(make_web, thread, bob):
    text = "Gentamicin 5 mg/kg, audit 43/50 (86%), call 0113 243 3144 for the protocol."
    _reply(logged_in(make_web, bob), thread, text)
    assert _latest_post(bob).status == "published"


def test_a_held_post_stays_held_after_a_clean_edit_until_approved_and_its_history_is_wiped(
    make_web, thread, bob, mo, ann
):
    bob_web = logged_in(make_web, bob)
    _reply(bob_web, thread, NHS_TEXT)
    post = _latest_post(bob)
    bob_web.post(
        f"/posts/{post.id}/edit",
        {"body": "Our patient waited four hours for antibiotics.", "version": post.version},
    )
    db.session.expire_all()
    assert post.status == "held"  # documented choice: a person checks it first
    item = open_items(post)[0]
    _decide(logged_in(make_web, mo), item, "approve", "Patient details removed by the author.")
    db.session.expire_all()
    assert post.status == "published"
    assert db.session.get(Thread, thread.id).reply_count == 1
    assert (
        db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)).all() == []
    )
    history = logged_in(make_web, ann).get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "943 476 5919" not in history
    approved = db.session.scalar(
        select(Notification).where(
            Notification.user_id == bob.id, Notification.kind == "post_approved"
        )
    )
    assert approved is not None


def test_editing_a_published_post_to_add_an_nhs_number_holds_it(
    make_web, make_socket, thread, bob, ann
):
    bob_web = logged_in(make_web, bob)
    _reply(bob_web, thread, "We give antibiotics in the ambulance.")
    post = _latest_post(bob)
    ann_web = logged_in(make_web, ann)
    socket = make_socket(ann_web)
    socket.emit("join_thread", {"thread_id": thread.id})
    bob_web.post(f"/posts/{post.id}/edit", {"body": NHS_TEXT, "version": post.version})
    db.session.expire_all()
    assert post.status == "held"
    assert db.session.get(Thread, thread.id).reply_count == 0
    changes = [e["args"][0] for e in socket.received("post_changed")]
    assert {"thread_id": thread.id, "post_id": post.id, "change": "hidden"} in changes


def test_a_new_members_first_posts_wait_for_approval_when_the_group_asks(
    make_web, thread, sepsis, bob, mo
):
    sepsis.first_posts_needing_approval = 1
    db.session.commit()
    bob_web = logged_in(make_web, bob)
    page = page_text(_reply(bob_web, thread, "First post here: hello!"))
    assert "a new member's first posts in Sepsis are checked" in page
    first = _latest_post(bob)
    assert [i.kind for i in open_items(first)] == ["first_post"]
    _decide(logged_in(make_web, mo), open_items(first)[0], "approve", "Welcome!")
    _reply(bob_web, thread, "Second post, published at once.")
    assert _latest_post(bob).status == "published"


def test_the_queue_shows_each_moderator_only_their_groups(
    make_web, make_member, thread, falls, bob, mo, ann
):
    _reply(logged_in(make_web, bob), thread, NHS_TEXT)
    item = open_items(_latest_post(bob))[0]
    assert "Antibiotics within the hour" in page_text(
        logged_in(make_web, mo).get("/moderation/queue")
    )
    fay_web = logged_in(make_web, falls.memberships[0].user)
    assert "Antibiotics within the hour" not in page_text(fay_web.get("/moderation/queue"))
    assert fay_web.get(f"/moderation/items/{item.id}").status_code == 404
    response = fay_web.post(
        f"/moderation/items/{item.id}/resolve", {"decision": "hide", "reason": "No."}
    )
    assert response.status_code == 404
    assert open_items(_latest_post(bob))  # nothing changed
    assert logged_in(make_web, ann).get("/moderation/queue").status_code == 404
    network_mod = make_member("Nina Network")
    network_mod.is_moderator = True
    db.session.commit()
    assert "Antibiotics within the hour" in page_text(
        logged_in(make_web, network_mod).get("/moderation/queue")
    )


def test_a_decision_without_a_reason_is_refused_and_the_text_kept(make_web, thread, bob, mo):
    _reply(logged_in(make_web, bob), thread, NHS_TEXT)
    item = open_items(_latest_post(bob))[0]
    response = logged_in(make_web, mo).post(
        f"/moderation/items/{item.id}/resolve",
        {"decision": "edit_approve", "reason": "  ", "body": "Edited by me, kept."},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please give a reason" in page
    assert "Edited by me, kept." in page
    assert open_items(_latest_post(bob))


def test_hiding_tells_the_author_and_writes_the_log(make_web, thread, make_reply, bob, mo):
    post = make_reply(bob, thread, "Honestly that is a stupid idea.")
    from moderation.flags import flag_post

    flag_post(db.session.get(type(mo), thread.author_id), post, "disrespectful")
    item = open_items(post)[0]
    _decide(logged_in(make_web, mo), item, "hide", "Please disagree with ideas, not people.")
    db.session.expire_all()
    assert post.status == "hidden"
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == bob.id, Notification.kind == "post_hidden"
        )
    )
    assert "Please disagree with ideas, not people." in note.message
    entry = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "hide"))
    assert (entry.actor_id, entry.target_id, entry.group_id) == (mo.id, post.id, thread.group_id)


def test_edit_and_approve_replaces_the_text(make_web, thread, bob, mo):
    _reply(logged_in(make_web, bob), thread, NHS_TEXT)
    post = _latest_post(bob)
    mo_web = logged_in(make_web, mo)
    still = _decide(
        mo_web, open_items(post)[0], "edit_approve", "Removed the number.", body=NHS_TEXT
    )
    assert "still looks patient-identifiable" in page_text(still)
    _decide(
        mo_web,
        open_items(post)[0],
        "edit_approve",
        "Removed the number.",
        body="Our patient waited.",
    )
    db.session.expire_all()
    assert (post.status, post.body_source) == ("published", "Our patient waited.")


def test_an_item_being_reviewed_cannot_be_decided_by_another_until_taken_over(
    make_web, make_member, thread, sepsis, bob, mo
):
    other = make_member("Oli Second")
    db.session.add(
        type(sepsis.memberships[0])(group_id=sepsis.id, user_id=other.id, role="moderator")
    )
    db.session.commit()
    _reply(logged_in(make_web, bob), thread, NHS_TEXT)
    item = open_items(_latest_post(bob))[0]
    logged_in(make_web, mo).get(f"/moderation/items/{item.id}")  # opening claims it
    other_web = logged_in(make_web, other)
    assert "Being reviewed by Mo Reid" in page_text(other_web.get(f"/moderation/items/{item.id}"))
    refused = _decide(other_web, item, "hide", "Too much detail.")
    assert "Being reviewed by Mo Reid" in page_text(refused)
    other_web.post(f"/moderation/items/{item.id}/take-over")
    _decide(other_web, item, "hide", "Too much detail.")
    db.session.expire_all()
    assert item.status == "resolved" and item.resolved_by_id == other.id
    late = _decide(logged_in(make_web, mo), item, "approve", "Looks fine.")
    assert "Already resolved by Oli Second" in page_text(late)


def test_two_moderators_deciding_at_once_one_wins_and_the_other_is_told(
    make_web, app, make_member, thread, sepsis, bob, mo
):
    other = make_member("Oli Second")
    db.session.add(
        type(sepsis.memberships[0])(group_id=sepsis.id, user_id=other.id, role="moderator")
    )
    db.session.commit()
    _reply(logged_in(make_web, bob), thread, NHS_TEXT)
    item = open_items(_latest_post(bob))[0]
    webs = [logged_in(make_web, mo), logged_in(make_web, other)]
    tokens = [w.csrf_token() for w in webs]
    url = f"/moderation/items/{item.id}/resolve"
    db.session.commit()
    start = threading.Barrier(2)
    pages: list[str] = []

    def decide(web, token, decision):
        start.wait()
        response = contextvars.Context().run(
            web.client.post,
            url,
            data={"decision": decision, "reason": "Decided at once", "csrf_token": token},
            follow_redirects=True,
        )
        pages.append(response.get_data(as_text=True))

    runners = [
        threading.Thread(target=decide, args=(webs[0], tokens[0], "approve")),
        threading.Thread(target=decide, args=(webs[1], tokens[1], "hide")),
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=30)
    db.session.expire_all()
    decisions = db.session.scalars(
        select(ModerationAction).where(ModerationAction.action.in_(["approve", "hide"]))
    ).all()
    assert len(decisions) == 1
    told = [p for p in pages if "Already resolved by" in p or "Being reviewed by" in p]
    assert len(told) == 1
    assert all("Internal Server Error" not in p for p in pages)


def test_bulk_decisions_need_one_reason_and_apply_to_each_ticked_item(
    make_web, make_reply, make_member, thread, bob, mo
):
    posts = [make_reply(bob, thread, f"Post {n}: needs a look") for n in range(3)]
    from moderation.guard import open_item

    items = [open_item(p, "flagged") for p in posts]
    db.session.commit()
    mo_web = logged_in(make_web, mo)
    ids = [str(i.id) for i in items]
    refused = mo_web.post(
        "/moderation/queue/bulk",
        {"item_ids": ids, "decision": "hide", "reason": ""},
        follow_redirects=True,
    )
    assert "Please give a reason" in page_text(refused)
    mo_web.post(
        "/moderation/queue/bulk", {"item_ids": ids, "decision": "approve", "reason": "Fine."}
    )
    db.session.expire_all()
    assert {i.status for i in items} == {"resolved"}


def test_the_queue_pages_fifty_items(make_web, thread, make_reply, bob, mo):
    from moderation.guard import open_item

    for n in range(55):
        open_item(make_reply(bob, thread, f"Reply {n}"), "flagged")
    db.session.commit()
    page = logged_in(make_web, mo).get("/moderation/queue").get_data(as_text=True)
    assert len(re.findall(r'data-item-id="', page)) == 50
    assert "Page 1 of 2" in page
    assert ReviewItem.__tablename__ == "review_items"


def test_approving_a_held_reply_tells_whom_posting_would_have_told(make_web, thread, bob, mo):
    def replies_to_ann() -> list[Notification]:
        db.session.expire_all()
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == thread.author_id, Notification.actor_id == bob.id
                )
            )
        )

    _reply(logged_in(make_web, bob), thread, NHS_TEXT)
    post = _latest_post(bob)
    assert post.status == "held"
    assert replies_to_ann() == []  # nobody hears of a held post
    _decide(
        logged_in(make_web, mo),
        open_items(post)[0],
        "edit_approve",
        "Removed the number.",
        body="Our patient waited four hours for antibiotics.",
    )
    told = replies_to_ann()
    assert [(n.kind, n.post_id) for n in told] == [("reply", post.id)]
