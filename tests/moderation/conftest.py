"""Moderation fixtures: a Sepsis group with two members and a group moderator."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fivec.extensions import db
from fivec.models import Group, Post, Thread, User
from moderation.models import ReviewItem
from tests.discussions import conftest as discussions

# The discussions fixtures, shared (assigned, so pytest registers them here too).
ann, bob = discussions.ann, discussions.bob
make_group, make_reply, make_thread = (
    discussions.make_group,
    discussions.make_reply,
    discussions.make_thread,
)

NHS_TEXT = "Our patient, NHS number 943 476 5919, waited four hours for antibiotics."


@pytest.fixture
def mo(make_member: Any) -> User:
    return make_member("Mo Reid")


@pytest.fixture
def sepsis(make_group: Any, ann: User, bob: User, mo: User) -> Group:
    return make_group("Sepsis", members=[ann, bob, mo], roles={mo.id: "moderator"})


@pytest.fixture
def falls(make_group: Any, make_member: Any) -> Group:
    fay = make_member("Fay Moss")
    return make_group("Falls", members=[fay], roles={fay.id: "moderator"})


@pytest.fixture
def thread(make_thread: Any, ann: User, sepsis: Group) -> Thread:
    return make_thread(ann, sepsis, "Antibiotics within the hour", "What worked for you?")


def logged_in(make_web: Any, member: User) -> Any:
    """A browser-like client logged in as ``member``."""
    client = make_web()
    client.login(member.email)
    return client


def page_text(response: Any) -> str:
    """The page's text without tags, whitespace collapsed (what a reader sees)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def open_items(post: Post) -> list[ReviewItem]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.status == "open")
        )
    )


@pytest.fixture
def helpers() -> Any:
    class Helpers:
        logged_in = staticmethod(logged_in)
        page_text = staticmethod(page_text)
        open_items = staticmethod(open_items)

    return Helpers
