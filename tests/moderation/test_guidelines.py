"""Guidelines agreed to before a first post (again when they change); coaching panel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import NetworkSettings, Post
from moderation.models import GuidelineAcceptance
from tests.moderation.conftest import logged_in, page_text

RULES = "Be kind. Never post anything that could identify a patient."


def _set_guidelines(text):
    db.session.merge(NetworkSettings(id=1, name="Test network", guidelines=text))
    db.session.commit()


def _token(page):
    import re

    return re.search(r'name="agree_guidelines" value="([0-9a-f]+)"', page).group(1)


def test_the_composer_asks_for_agreement_before_the_first_post(make_web, thread, sepsis, bob):
    _set_guidelines(RULES)
    sepsis.guidelines = "Post audit data with denominators."
    db.session.commit()
    web = logged_in(make_web, bob)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert RULES in page and "Post audit data with denominators." in page
    refused = web.post(f"/threads/{thread.id}/replies", {"body": "My first post"})
    assert refused.status_code == 400
    assert "tick “I agree”" in page_text(refused) and "My first post" in page_text(refused)
    web.post(
        f"/threads/{thread.id}/replies", {"body": "My first post", "agree_guidelines": _token(page)}
    )
    assert db.session.scalar(select(Post).where(Post.author_id == bob.id)) is not None
    assert db.session.scalar(select(db.func.count(GuidelineAcceptance.id))) == 2
    assert "I agree to these guidelines" not in web.get(f"/threads/{thread.id}").get_data(
        as_text=True
    )


def test_changed_guidelines_are_agreed_to_again(make_web, thread, bob):
    _set_guidelines(RULES)
    web = logged_in(make_web, bob)
    page = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    web.post(f"/threads/{thread.id}/replies", {"body": "Hello", "agree_guidelines": _token(page)})
    _set_guidelines(RULES + " Credit the teams whose work you build on.")
    again = web.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "Credit the teams" in again and "I agree to these guidelines" in again
    stale = web.post(
        f"/threads/{thread.id}/replies", {"body": "Again", "agree_guidelines": _token(page)}
    )
    assert stale.status_code == 400


def test_new_members_see_how_we_talk_here(make_web, make_reply, thread, bob, ann):
    assert "How we talk here" in page_text(logged_in(make_web, bob).get(f"/threads/{thread.id}"))
    ann.created_at = utcnow() - timedelta(days=60)
    db.session.commit()
    for n in range(3):
        make_reply(ann, thread, f"Experienced reply {n}")
    assert "How we talk here" not in page_text(
        logged_in(make_web, ann).get(f"/threads/{thread.id}")
    )


def test_agreements_answer_the_composer_without_a_query_of_their_own(make_web, thread, sepsis, bob):
    from tests.discussions.test_paging import count_queries

    _set_guidelines(RULES)
    sepsis.guidelines = "Post audit data with denominators."  # the group's own, too
    db.session.commit()
    web = logged_in(make_web, bob)
    url = f"/threads/{thread.id}"
    page = web.get(url).get_data(as_text=True)
    web.post(f"{url}/replies", {"body": "Hello", "agree_guidelines": _token(page)})
    with count_queries() as statements:
        again = web.get(url).get_data(as_text=True)
    assert "I agree to these guidelines" not in again
    assert not [s for s in statements if "FROM guideline_acceptances" in s.split("(")[0]]
