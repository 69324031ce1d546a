"""Starting threads and replying: the tree, validation, double submits, access."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from fivec.discussions.actions import MAX_DEPTH, reply
from fivec.extensions import db
from fivec.models import GroupMembership, Post, Thread
from fivec.models.discussions import PATH_SEGMENT_WIDTH


def _post_ids_in_page_order(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="p(\d+)"', page)]


def test_member_starts_a_thread_and_sees_it(web, ann, sepsis):
    web.login(ann.email)
    response = web.post(
        f"/groups/{sepsis.id}/threads/new",
        {
            "title": "Antibiotics within the hour on AMU",
            "body": "What **worked** for you?",
            "client_token": "t1",
        },
    )
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert response.headers["Location"].endswith(f"/threads/{thread.id}")
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Antibiotics within the hour on AMU" in page
    assert "<strong>worked</strong>" in page
    assert f'data-thread-id="{thread.id}"' in page


def test_html_in_a_title_is_shown_as_text(web, ann, sepsis, make_thread):
    thread = make_thread(ann, sepsis, title="<script>alert(1)</script> falls")
    web.login(ann.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; falls" in page


def test_empty_title_and_body_are_refused_with_reasons(web, ann, sepsis):
    web.login(ann.email)
    response = web.post(f"/groups/{sepsis.id}/threads/new", {"title": "  ", "body": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please give your thread a title" in page
    assert "Please write something before posting." in page
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_a_one_megabyte_body_is_refused_and_the_text_kept(web, ann, sepsis):
    web.login(ann.email)
    body = "Our run chart. " * 70_000
    response = web.post(f"/groups/{sepsis.id}/threads/new", {"title": "Huge", "body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your post is too long" in page
    assert 'value="Huge"' in page
    assert body.strip() in page
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_a_title_over_200_characters_is_refused(web, ann, sepsis):
    web.login(ann.email)
    response = web.post(f"/groups/{sepsis.id}/threads/new", {"title": "x" * 201, "body": "b"})
    assert response.status_code == 400
    assert "under 200 characters" in response.get_data(as_text=True)


def test_non_member_cannot_start_a_thread(web, make_member, sepsis):
    outsider = make_member("Olive Outsider")
    web.login(outsider.email)
    response = web.post(f"/groups/{sepsis.id}/threads/new", {"title": "Hi", "body": "b"})
    assert response.status_code == 400
    assert "Only members of Sepsis can start threads" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_replies_nest_and_load_in_path_order(web, ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    first = make_reply(bob, thread, "first")
    second = make_reply(ann, thread, "second")
    under_first = make_reply(ann, thread, "under first", parent=first)
    deeper = make_reply(bob, thread, "deeper", parent=under_first)
    opening = db.session.scalar(select(Post).where(Post.parent_id.is_(None)))
    assert under_first.path == f"{first.path}/{under_first.id:0{PATH_SEGMENT_WIDTH}d}"
    assert first.path.startswith(opening.path + "/")
    assert deeper.depth == 3
    web.login(ann.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert _post_ids_in_page_order(page) == [
        opening.id,
        first.id,
        under_first.id,
        deeper.id,
        second.id,
    ]
    assert f'data-children-of="{first.id}"' in page
    db.session.expire_all()
    refreshed = db.session.get(Thread, thread.id)
    assert refreshed.reply_count == 4
    assert refreshed.last_post_id == deeper.id


def test_reply_over_http_goes_under_its_parent(web, ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    first = make_reply(bob, thread, "first")
    web.login(ann.email)
    response = web.post(f"/threads/{thread.id}/replies", {"body": "answer", "parent_id": first.id})
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.body_source == "answer"))
    assert post.parent_id == first.id
    assert response.headers["Location"].endswith(f"#p{post.id}")


def test_very_deep_replies_are_filed_beside_their_parent(ann, bob, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    parent = None
    for n in range(MAX_DEPTH + 3):
        parent = reply(ann if n % 2 else bob, thread, parent.id if parent else None, f"level {n}")
    assert parent.depth == MAX_DEPTH
    assert len(parent.path) <= 400
    assert db.session.get(Post, parent.parent_id).depth == MAX_DEPTH


def test_deep_replies_show_flat_with_in_reply_to(web, ann, bob, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    parent = None
    for n in range(8):
        parent = reply(ann if n % 2 else bob, thread, parent.id if parent else None, f"level {n}")
    web.login(ann.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert page.count("in reply to") == 2
    assert page.count("replies nested") == 5


def test_double_submit_of_one_draft_makes_one_post(web, ann, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    web.login(ann.email)
    data = {"body": "Only once please", "client_token": "draft-123"}
    first = web.post(f"/threads/{thread.id}/replies", data)
    second = web.post(f"/threads/{thread.id}/replies", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert (
        db.session.scalar(select(func.count(Post.id)).where(Post.body_source == "Only once please"))
        == 1
    )


def test_double_submit_of_a_new_thread_makes_one_thread(web, ann, sepsis):
    web.login(ann.email)
    data = {"title": "Once", "body": "b", "client_token": "same"}
    first = web.post(f"/groups/{sepsis.id}/threads/new", data)
    second = web.post(f"/groups/{sepsis.id}/threads/new", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Thread.id))) == 1


def test_the_composer_carries_a_fresh_draft_token_each_time(web, ann, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    web.login(ann.email)
    tokens = [
        re.search(
            r'name="client_token" type="hidden" value="([^"]+)"',
            web.get(f"/threads/{thread.id}").get_data(as_text=True),
        ).group(1)
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]


def test_replying_to_a_post_of_another_thread_is_refused(
    web, ann, bob, sepsis, make_thread, make_reply
):
    one = make_thread(ann, sepsis, title="One")
    other = make_thread(ann, sepsis, title="Other")
    elsewhere = make_reply(bob, other, "elsewhere")
    web.login(ann.email)
    response = web.post(
        f"/threads/{one.id}/replies", {"body": "keep me", "parent_id": elsewhere.id}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "You can only reply to a post in this thread" in page
    assert "keep me" in page


def test_member_who_left_a_private_group_gets_404(web, ann, bob, make_group, make_thread):
    peers = make_group("Ward sisters", visibility="hidden", members=[ann, bob])
    thread = make_thread(ann, peers)
    web.login(bob.email)
    assert web.get(f"/threads/{thread.id}").status_code == 200
    membership = db.session.scalar(select(GroupMembership).where(GroupMembership.user_id == bob.id))
    db.session.delete(membership)
    db.session.commit()
    assert web.get(f"/threads/{thread.id}").status_code == 404
    response = web.post(f"/threads/{thread.id}/replies", {"body": "still here?"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_reader_of_a_public_group_may_read_but_not_reply(
    web, make_member, ann, sepsis, make_thread
):
    reader = make_member("Rita Reader")
    thread = make_thread(ann, sepsis)
    web.login(reader.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Only members of Sepsis can reply" in page
    response = web.post(f"/threads/{thread.id}/replies", {"body": "me too"})
    assert response.status_code == 400
    assert "Only members of this group can reply" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(web, ann, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    response = web.get(f"/threads/{thread.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_writes_are_announced_after_commit_for_the_search_index(
    app, ann, bob, sepsis, make_thread, make_reply
):
    from fivec import signals

    saved: list[tuple[str, int]] = []

    def on_thread(_sender, thread_id, **_kw):
        saved.append(("thread", thread_id))

    def on_post(_sender, post_id, **_kw):
        assert db.session.get(Post, post_id) is not None  # already committed
        saved.append(("post", post_id))

    with signals.thread_saved.connected_to(on_thread), signals.post_saved.connected_to(on_post):
        thread = make_thread(ann, sepsis)
        post = make_reply(bob, thread, "indexed")
    assert ("thread", thread.id) in saved
    assert ("post", post.id) in saved
