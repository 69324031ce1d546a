"""The reply box is rendered once per thread and filled in for each reader."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from fivec.extensions import db
from fivec.models import Group, Post, Thread, User


def _tokens(page: str) -> tuple[str, str]:
    form = page[page.index('id="reply-form"') :]
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    draft = re.search(r'name="client_token" type="hidden" value="([^"]+)"', form)
    assert csrf and draft, "the reply form carries both tokens"
    return csrf.group(1), draft.group(1)


def _page_csrf(page: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


def _replies(thread_id: int) -> int:
    return db.session.scalar(
        select(func.count(Post.id)).where(Post.thread_id == thread_id, Post.parent_id.is_not(None))
    )


def test_each_view_gets_its_own_draft_token_and_the_readers_csrf_token(
    make_web: Any, ann: User, bob: User, sepsis: Group, make_thread: Any
) -> None:
    thread: Thread = make_thread(bob, sepsis)
    url = f"/threads/{thread.id}"
    ann_web, bob_web = make_web(), make_web()
    ann_web.login(ann.email)
    bob_web.login(bob.email)
    pages = [ann_web.get(url).get_data(as_text=True) for _ in range(2)]
    bobs = bob_web.get(url).get_data(as_text=True)
    (csrf_1, draft_1), (csrf_2, draft_2) = (_tokens(page) for page in pages)
    bob_csrf, bob_draft = _tokens(bobs)
    assert draft_1 != draft_2 != bob_draft != draft_1  # never a shared draft
    assert csrf_1 == _page_csrf(pages[0]) and csrf_2 == _page_csrf(pages[1])
    assert bob_csrf == _page_csrf(bobs)
    assert bob_csrf != csrf_1
    assert "\u27ea" not in pages[0] + pages[1] + bobs  # every marker filled


def test_two_tabs_post_two_replies_and_a_double_submit_posts_one(
    make_web: Any, ann: User, bob: User, sepsis: Group, make_thread: Any
) -> None:
    thread: Thread = make_thread(bob, sepsis)
    url, thread_id = f"/threads/{thread.id}", thread.id
    web = make_web()
    web.login(ann.email)
    first, second = (_tokens(web.get(url).get_data(as_text=True)) for _ in range(2))
    for csrf, draft in (first, first, second):  # tab 1 twice (a double click), then tab 2
        reply = web.post(
            f"{url}/replies", {"csrf_token": csrf, "client_token": draft, "body": "Tab " + draft}
        )
        assert reply.status_code == 302
    assert _replies(thread_id) == 2


def test_a_reply_with_errors_keeps_its_own_form(
    make_web: Any, ann: User, bob: User, sepsis: Group, make_thread: Any
) -> None:
    thread: Thread = make_thread(bob, sepsis)
    web = make_web()
    web.login(ann.email)
    csrf, draft = _tokens(web.get(f"/threads/{thread.id}").get_data(as_text=True))
    too_long = "Our audit " * 20_000
    refused = web.post(
        f"/threads/{thread.id}/replies",
        {"csrf_token": csrf, "client_token": draft, "body": too_long},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert _tokens(page)[1] == draft  # the same draft, so a retry is still one post
    assert "Our audit Our audit" in page
