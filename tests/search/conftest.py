"""A small network with public, members-only and hidden groups, indexed for search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

import pytest
from flask import Flask

from fivec.extensions import db
from fivec.models import Group, GroupMembership, Post, Thread, User
from fivec.search import index_posts


def make_group(name: str, slug: str, visibility: str = "public", purpose: str = "") -> Group:
    group = Group(name=name, slug=slug, purpose=purpose or f"{name} work", visibility=visibility)
    db.session.add(group)
    db.session.commit()
    return group


def join(member: User, group: Group, role: str = "member") -> GroupMembership:
    membership = GroupMembership(group_id=group.id, user_id=member.id, role=role)
    db.session.add(membership)
    db.session.commit()
    return membership


def _post(thread: Thread, author: User, text: str, parent: Post | None, when: datetime) -> Post:
    post = Post(
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body_source=text,
        body_html=f"<p>{escape(text)}</p>",
        created_at=when,
        depth=parent.depth + 1 if parent else 0,
    )
    db.session.add(post)
    db.session.flush()
    post.path = f"{parent.path}/{post.id:010d}" if parent else f"{post.id:010d}"
    return post


def make_thread(
    group: Group, author: User, title: str, body: str, when: datetime | None = None
) -> Post:
    """Start a thread; return its opening post (indexed)."""
    when = when or datetime(2026, 3, 1, 9, 0)
    thread = Thread(group_id=group.id, author_id=author.id, title=title, created_at=when)
    db.session.add(thread)
    db.session.flush()
    post = _post(thread, author, body, None, when)
    db.session.commit()
    index_posts([post.id])
    return post


def make_reply(opening: Post, author: User, body: str, when: datetime | None = None) -> Post:
    """Reply to a thread; return the reply (indexed, with the reply count updated)."""
    thread = db.session.get(Thread, opening.thread_id)
    post = _post(thread, author, body, opening, when or datetime(2026, 3, 2, 9, 0))
    thread.reply_count = thread.reply_count + 1
    db.session.commit()
    index_posts([post.id])
    return post


@dataclass
class Network:
    """Who and what the search tests use."""

    priya: User  # member of every group
    tom: User  # member of no private group
    sepsis: Group  # public
    falls: Group  # members only
    secret: Group  # hidden
    public_thread: Post
    public_reply: Post
    private_thread: Post
    hidden_thread: Post


@pytest.fixture
def network(app: Flask, make_member: Any) -> Network:
    priya = make_member("Priya Shah")
    tom = make_member("Tom Evans")
    sepsis = make_group("Sepsis collaborative", "sepsis", purpose="Spot sepsis early")
    falls = make_group("Falls prevention", "falls", "members")
    secret = make_group("Board escalations", "board", "hidden")
    for group in (sepsis, falls, secret):
        join(priya, group)
    join(tom, sepsis)
    public_thread = make_thread(
        sepsis,
        priya,
        "Screening tool for sepsis",
        "We tried a screening tool on two wards.",
        datetime(2026, 1, 10, 9, 0),
    )
    public_reply = make_reply(
        public_thread,
        tom,
        "Our lactate turnaround improved after the huddle moved.",
        datetime(2026, 2, 5, 9, 0),
    )
    private_thread = make_thread(
        falls,
        priya,
        "Confidential falls review",
        "Bay nursing pilot: confidential lactate figures.",
        datetime(2026, 2, 1, 9, 0),
    )
    hidden_thread = make_thread(
        secret,
        priya,
        "Board escalation secret",
        "Escalation plan with confidential lactate notes.",
        datetime(2026, 2, 2, 9, 0),
    )
    return Network(
        priya,
        tom,
        sepsis,
        falls,
        secret,
        public_thread,
        public_reply,
        private_thread,
        hidden_thread,
    )


@pytest.fixture
def sepsis(make_member: Any) -> tuple[Group, User, User]:
    """A public Sepsis group with two members, Ann and Bob (the worker tests)."""
    ann, bob = make_member("Ann Jones"), make_member("Bob Patel")
    group = Group(slug="sepsis", name="Sepsis", purpose="Antibiotics within the hour.")
    db.session.add(group)
    db.session.flush()
    db.session.add_all(GroupMembership(group_id=group.id, user_id=m.id) for m in (ann, bob))
    db.session.commit()
    return group, ann, bob
