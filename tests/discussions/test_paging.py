"""A big thread loads one page of its tree in a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from fivec.discussions import page_cache
from fivec.discussions.queries import PAGE_POST_CAP, TOP_LEVEL_PER_PAGE
from fivec.extensions import db
from fivec.models import Post, Thread, User
from fivec.models.discussions import PATH_SEGMENT_WIDTH

MAX_QUERIES_PER_PAGE = 30


def _add(thread: Thread, parent: Post, author: User, body: str) -> Post:
    post = Post(
        thread_id=thread.id,
        parent_id=parent.id,
        author_id=author.id,
        depth=parent.depth + 1,
        body_source=body,
        body_html=f"<p>{body}</p>",
    )
    db.session.add(post)
    db.session.flush()
    post.path = f"{parent.path}/{post.id:0{PATH_SEGMENT_WIDTH}d}"
    return post


def grow(thread: Thread, authors: list[User], top_level: int, children: int) -> None:
    """Add top-level replies, each with a chain of ``children`` replies (fast, no cooking)."""
    opening = db.session.query(Post).filter_by(thread_id=thread.id, parent_id=None).one()
    for n in range(top_level):
        parent = _add(thread, opening, authors[n % len(authors)], f"top {n}")
        for m in range(children):
            parent = _add(thread, parent, authors[(n + m + 1) % len(authors)], f"reply {n}.{m}")
    thread.reply_count = top_level * (children + 1)
    db.session.commit()


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _articles(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="p(\d+)"', page)]


def test_a_thousand_reply_thread_shows_one_page_in_a_bounded_number_of_queries(
    web, make_member, ann, bob, sepsis, make_thread
):
    authors = [ann, bob] + [make_member(f"Nurse {n}") for n in range(8)]
    small = make_thread(ann, sepsis, title="Small")
    grow(small, authors, top_level=2, children=9)  # the same shape, 20 replies
    big = make_thread(ann, sepsis, title="Big")
    grow(big, authors, top_level=100, children=9)  # 1,000 replies
    web.login(bob.email)
    web.get(f"/threads/{small.id}")  # the first visit writes a visit row; count the next
    web.get(f"/threads/{big.id}")
    page_cache.clear()  # count the uncached path: the page's posts are read and rendered
    with count_queries() as small_queries:
        web.get(f"/threads/{small.id}")
    with count_queries() as big_queries:
        page = web.get(f"/threads/{big.id}").get_data(as_text=True)
    shown = _articles(page)
    assert len(shown) == 1 + TOP_LEVEL_PER_PAGE * 10
    assert "Page 1 of 5" in page
    assert len(big_queries) == len(small_queries), "queries must not grow with the posts"
    assert len(big_queries) <= MAX_QUERIES_PER_PAGE
    post_rows = [s for s in big_queries if s.startswith("SELECT posts.id, posts.thread_id")]
    assert post_rows and all("LIMIT" in s for s in post_rows), "never load the whole thread"
    with count_queries() as cached_queries:  # the same page again: rendered posts reused
        again = web.get(f"/threads/{big.id}").get_data(as_text=True)
    assert _articles(again) == shown
    assert not [s for s in cached_queries if s.startswith("SELECT posts.id, posts.thread_id")]
    assert len(cached_queries) < len(big_queries)
    with count_queries() as cached_queries:  # the same page again: rendered posts reused
        again = web.get(f"/threads/{big.id}").get_data(as_text=True)
    assert _articles(again) == shown
    assert not [s for s in cached_queries if s.startswith("SELECT posts.id, posts.thread_id")]
    assert len(cached_queries) < len(big_queries)


def test_later_pages_hold_later_top_level_replies(web, ann, bob, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    grow(thread, [ann, bob], top_level=45, children=0)
    web.login(bob.email)
    last = web.get(f"/threads/{thread.id}?page=3").get_data(as_text=True)
    assert len(_articles(last)) == 1 + 5
    assert "top 44" in last and "top 39" not in last
    assert web.get(f"/threads/{thread.id}?page=4").status_code == 404


def test_a_page_past_the_cap_continues_where_it_stopped(web, ann, bob, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    grow(thread, [ann, bob], top_level=1, children=PAGE_POST_CAP + 10)
    web.login(bob.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    ids = _articles(page)
    assert len(ids) == 1 + PAGE_POST_CAP
    more = re.search(r'href="([^"]*more=\d+)"', page).group(1).replace("&amp;", "&")
    rest = _articles(web.get(more).get_data(as_text=True))
    assert len(rest) == 1 + 11  # 411 replies: 400 on the page, 11 after it
    assert set(ids[1:]).isdisjoint(rest[1:])


def test_a_link_to_a_post_opens_the_page_that_shows_it(web, ann, bob, sepsis, make_thread):
    thread = make_thread(ann, sepsis)
    grow(thread, [ann, bob], top_level=45, children=1)
    target = db.session.query(Post).filter_by(body_source="reply 41.0").one()
    web.login(bob.email)
    response = web.get(f"/posts/{target.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/threads/{thread.id}?page=3#p{target.id}")


def test_reading_a_thread_again_with_nothing_new_writes_nothing(web, ann, bob, sepsis, make_thread):
    thread = make_thread(ann, sepsis, title="Quiet")
    web.login(bob.email)
    url = f"/threads/{thread.id}"
    web.get(url)  # first visit: remembered
    with count_queries() as statements:
        web.get(url)
    writes = [s for s in statements if s.split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == [] and "BEGIN IMMEDIATE" not in statements
