"""Editing, deleting, helpful marks, bookmarks, new-since-last-visit and live catch-up."""

from __future__ import annotations

import re

from sqlalchemy import select

from fivec.extensions import db
from fivec.models import Bookmark, Post, PostRevision, Reaction


def test_editing_keeps_the_earlier_text_in_the_history(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "First **draft**")
    web.login(bob.email)
    form = web.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "First **draft**" in form
    response = web.post(f"/posts/{post.id}/edit", {"body": "Second draft", "version": 1})
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert (post.body_source, post.version) == ("Second draft", 2)
    assert post.edited_at is not None
    revision = db.session.scalar(select(PostRevision))
    assert (revision.version, revision.body_source) == (1, "First **draft**")
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert f'href="/posts/{post.id}/history"' in page
    history = web.get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "<strong>draft</strong>" in history and "Second draft" in history


def test_an_edit_started_before_another_is_refused_and_the_text_kept(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Original")
    web.login(bob.email)
    web.post(f"/posts/{post.id}/edit", {"body": "From the first tab", "version": 1})
    response = web.post(f"/posts/{post.id}/edit", {"body": "From the second tab", "version": 1})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "changed after you opened it" in page
    assert "From the second tab" in page  # the member's text is kept
    assert "From the first tab" in page  # and the current version is shown
    assert 'name="version" value="2"' in page
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "From the first tab"


def test_only_the_author_may_edit(web, ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Mine")
    web.login(ann.email)
    assert web.get(f"/posts/{post.id}/edit").status_code == 403
    assert web.post(f"/posts/{post.id}/edit", {"body": "x", "version": 1}).status_code == 403


def test_deleting_leaves_a_placeholder_and_keeps_replies(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Regrettable words")
    answer = make_reply(ann, thread, "A reply that stays", parent=post)
    web.login(bob.email)
    assert web.post(f"/posts/{post.id}/delete").status_code == 302
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Regrettable words" not in page
    assert "deleted by its author" in page
    assert "A reply that stays" in page
    assert f'id="p{answer.id}"' in page
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "deleted"
    assert thread.reply_count == 1
    assert web.get(f"/posts/{post.id}/history").status_code == 404
    response = web.post(f"/threads/{thread.id}/replies", {"body": "x", "parent_id": post.id})
    assert "was deleted" in response.get_data(as_text=True)


def test_helpful_toggles_and_counts_but_not_on_your_own_post(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Try a sepsis trolley")
    web.login(ann.email)
    web.post(f"/posts/{post.id}/helpful")
    db.session.expire_all()
    assert db.session.get(Post, post.id).helpful_count == 1
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert re.search(r'aria-pressed="true">Helpful <span class="count" data-helpful-count>1', page)
    web.post(f"/posts/{post.id}/helpful")
    db.session.expire_all()
    assert db.session.get(Post, post.id).helpful_count == 0
    web.logout()
    web.login(bob.email)
    response = web.post(f"/posts/{post.id}/helpful", follow_redirects=True)
    assert "cannot mark your own post" in response.get_data(as_text=True)
    assert db.session.scalar(select(Reaction)) is None


def test_bookmarks_toggle_and_list_only_what_you_may_read(
    web, ann, bob, make_group, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis, title="Sepsis screening tool")
    post = make_reply(bob, thread, "Worth saving")
    web.login(ann.email)
    web.post(f"/posts/{post.id}/bookmark")
    assert db.session.scalar(select(Bookmark)).post_id == post.id
    assert "Sepsis screening tool" in web.get("/bookmarks").get_data(as_text=True)
    sepsis.visibility = "hidden"
    db.session.delete(sepsis.memberships[0])  # ann leaves
    db.session.commit()
    assert "Sepsis screening tool" not in web.get("/bookmarks").get_data(as_text=True)


def test_unbookmarking_removes_it(web, ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Worth saving")
    web.login(ann.email)
    web.post(f"/posts/{post.id}/bookmark")
    web.post(f"/posts/{post.id}/bookmark")
    assert db.session.scalar(select(Bookmark)) is None


def test_posts_since_the_last_visit_are_marked_new(web, ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    make_reply(bob, thread, "Seen before")
    web.login(ann.email)
    first = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "badge-new" not in first
    fresh = make_reply(bob, thread, "Brand new")
    again = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert again.count('<span class="badge badge-new">New</span>') == 1
    assert f'href="/posts/{fresh.id}">Jump to the first new post' in again
    third = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "badge-new" not in third


def test_catch_up_returns_posts_after_an_id_with_their_html(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    first = make_reply(bob, thread, "one")
    second = make_reply(ann, thread, "**two**", parent=first)
    web.login(ann.email)
    data = web.get(f"/threads/{thread.id}/posts?after={first.id}").get_json()
    assert [p["id"] for p in data["posts"]] == [second.id]
    item = data["posts"][0]
    assert (item["parent_id"], item["depth"]) == (first.id, 2)
    assert f'<article id="p{second.id}" class="post' in item["html"]
    assert f'data-children-of="{second.id}"' in item["html"]
    assert "<strong>two</strong>" in item["html"]


def test_catch_up_is_404_for_those_who_may_not_read(web, make_member, ann, make_group, make_thread):
    peers = make_group("Ward sisters", visibility="members", members=[ann])
    thread = make_thread(ann, peers)
    outsider = make_member("Olive Outsider")
    web.login(outsider.email)
    assert web.get(f"/threads/{thread.id}/posts?after=0").status_code == 404
    assert web.get(f"/threads/{thread.id}").status_code == 404


def test_a_post_a_moderator_removed_says_so(web, ann, bob, sepsis, make_thread, make_reply):
    from moderation.outcomes import Changes, delete_post

    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Words a moderator removed")
    delete_post(db.session.get(Post, post.id), Changes())
    db.session.commit()
    web.login(ann.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Words a moderator removed" not in page
    assert "removed by a moderator" in page and "deleted by its author" not in page
