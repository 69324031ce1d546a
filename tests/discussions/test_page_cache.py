"""The rendered posts of a thread page are shared between readers: never stale, never
showing one reader's details (CSRF token, own posts, marks, held posts) to another."""

from __future__ import annotations

import re

from sqlalchemy import update

from fivec.discussions.actions import edit_post
from fivec.discussions.marks import toggle_helpful
from fivec.discussions.personal import NONCE
from fivec.extensions import db
from fivec.models import Post, Thread, User


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


def _article(page: str, post_id: int) -> str:
    match = re.search(rf'<article id="p{post_id}".*?</article>', page, re.DOTALL)
    assert match, f"post {post_id} is on the page"
    return match.group(0)


def test_each_reader_gets_their_own_buttons_and_token(
    web, make_web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    anns = make_reply(ann, thread, "Ann's audit figures.")
    bobs = make_reply(bob, thread, "Bob's question.")
    toggle_helpful(bob, anns)
    db.session.commit()
    web.login(ann.email)
    other = make_web()
    other.login(bob.email)

    for_ann = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    for_bob = other.get(f"/threads/{thread.id}").get_data(as_text=True)

    assert _csrf(for_ann) != _csrf(for_bob)
    assert _csrf(for_ann) not in for_bob and _csrf(for_bob) not in for_ann
    assert NONCE not in for_ann and NONCE not in for_bob and "\u27ea" not in for_bob
    # Ann's own post: Edit and Delete, no Flag, Helpful disabled. Bob sees the opposite.
    ann_on_hers, bob_on_anns = _article(for_ann, anns.id), _article(for_bob, anns.id)
    assert f"/posts/{anns.id}/edit" in ann_on_hers and "Flag" not in ann_on_hers
    assert "You cannot mark your own post" in ann_on_hers
    assert f"/posts/{anns.id}/edit" not in bob_on_anns and "Flag" in bob_on_anns
    assert 'aria-pressed="true">Helpful' in bob_on_anns  # Bob marked it helpful
    assert 'aria-pressed="false">Helpful' in _article(for_ann, bobs.id)
    assert f"/posts/{bobs.id}/edit" in _article(for_bob, bobs.id)


def test_what_changed_is_shown_at_once(web, make_web, ann, bob, sepsis, make_thread, make_reply):
    thread = make_thread(ann, sepsis)
    post = make_reply(bob, thread, "Door to needle time fell.")
    db.session.commit()
    web.login(ann.email)
    url = f"/threads/{thread.id}"
    assert "Door to needle time fell." in web.get(url).get_data(as_text=True)

    make_reply(bob, thread, "A second reply, posted since.")
    assert "A second reply, posted since." in web.get(url).get_data(as_text=True)

    edit_post(bob, db.session.get(Post, post.id), "Door to needle time fell by half.", 1)
    db.session.commit()
    assert "fell by half" in web.get(url).get_data(as_text=True)

    toggle_helpful(ann, db.session.get(Post, post.id))
    db.session.commit()
    assert "data-helpful-count>1</span>" in _article(web.get(url).get_data(as_text=True), post.id)

    db.session.execute(update(User).where(User.id == bob.id).values(display_name="Robert Patel"))
    db.session.commit()
    assert "Robert Patel" in web.get(url).get_data(as_text=True)

    # A bulk UPDATE that bypasses the ORM (as moderation tools do) still counts.
    db.session.execute(update(Post).where(Post.id == post.id).values(status="hidden"))
    db.session.commit()
    assert "fell by half" not in web.get(url).get_data(as_text=True)


def test_a_post_moved_to_another_thread_leaves_both_pages_fresh(
    web, ann, bob, sepsis, make_thread, make_reply
):
    first, second = make_thread(ann, sepsis, title="First"), make_thread(ann, sepsis, title="Next")
    post = make_reply(bob, first, "Moving soon.")
    db.session.commit()
    web.login(ann.email)
    assert "Moving soon." in web.get(f"/threads/{first.id}").get_data(as_text=True)
    assert "Moving soon." not in web.get(f"/threads/{second.id}").get_data(as_text=True)
    versions = [db.session.get(Thread, t.id).content_version for t in (first, second)]
    db.session.execute(update(Post).where(Post.id == post.id).values(thread_id=second.id))
    db.session.commit()
    db.session.expire_all()
    assert [db.session.get(Thread, t.id).content_version for t in (first, second)] == [
        versions[0] + 1,
        versions[1] + 1,
    ]
    assert "Moving soon." not in web.get(f"/threads/{first.id}").get_data(as_text=True)


def test_a_held_post_is_seen_by_its_author_only(
    web, make_web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    make_reply(ann, thread, "Published for all.")
    held = make_reply(bob, thread, "Waiting for a moderator.")
    db.session.execute(update(Post).where(Post.id == held.id).values(status="held"))
    db.session.commit()
    web.login(ann.email)
    url = f"/threads/{thread.id}"
    before = web.get(url).get_data(as_text=True)  # fills the shared cache
    author = make_web()
    author.login(bob.email)
    for_bob = author.get(url).get_data(as_text=True)
    after = web.get(url).get_data(as_text=True)
    assert "Waiting for a moderator." in for_bob
    assert "Waiting for a moderator." not in before and "Waiting for a moderator." not in after


def test_moderation_tools_stay_with_moderators(
    web, make_web, make_member, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    make_reply(bob, thread, "A reply a moderator could split off.")
    moderator = make_member("Mo Derator")
    db.session.execute(update(User).where(User.id == moderator.id).values(is_moderator=True))
    db.session.commit()
    mod = make_web()
    mod.login(moderator.email)
    web.login(ann.email)
    url = f"/threads/{thread.id}"
    assert "Split from here" in mod.get(url).get_data(as_text=True)
    assert "Split from here" not in web.get(url).get_data(as_text=True)


def test_marker_lookalikes_typed_into_a_post_stay_as_typed(
    web, ann, bob, sepsis, make_thread, make_reply
):
    thread = make_thread(ann, sepsis)
    make_reply(bob, thread, "Try \u27eadeadbeef:csrf:0\u27eb and \u27eaedit:1\u27eb here.")
    db.session.commit()
    web.login(ann.email)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Try \u27eadeadbeef:csrf:0\u27eb and \u27eaedit:1\u27eb here." in page


def test_personalise_fills_markers_and_drops_regions_of_the_readers_own_posts() -> None:
    from fivec.discussions.personal import (
        Reader,
        end_others_only,
        mark,
        others_only,
        personalise,
    )

    html = (
        f"<a{mark('newclass', 1)}>{mark('newbadge', 1)}"
        f"{others_only(1)}flag 1 {mark('csrf')}{others_only(1)}inner{end_others_only()}"
        f" after inner{end_others_only()}|"
        f"{others_only(2)}flag 2 {mark('csrf')}{end_others_only()}|"
        f"{mark('bookmark', 2)}</a>"
    )
    mine = Reader(7, "t<k>", {1: 7, 2: 8}, last_seen=0)
    theirs = Reader(8, "t<k>", {1: 7, 2: 8}, last_seen=0, bookmarked={2})
    filled_mine = str(personalise(html, mine))
    filled_theirs = str(personalise(html, theirs))
    assert "flag 1" not in filled_mine and "inner" not in filled_mine  # own post: no flag
    assert "flag 2 t&lt;k&gt;" in filled_mine  # tokens are escaped
    assert "flag 1 t&lt;k&gt;inner after inner" in filled_theirs
    assert "flag 2" not in filled_theirs
    assert "badge-new" in filled_theirs and "badge-new" not in filled_mine  # own posts are not new
    assert 'aria-pressed="true">Bookmarked' in filled_theirs
    assert "\u27ea" not in filled_mine + filled_theirs
