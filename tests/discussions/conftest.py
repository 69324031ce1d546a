"""Groups made directly with the models (the groups actions are built in parallel)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from fivec.discussions.actions import create_thread, reply
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Post, Thread, User


@pytest.fixture
def make_group(app: Flask) -> Any:
    """Create an active group with these members (role "member" unless given)."""
    counter = iter(range(1, 10_000))

    def make(
        name: str = "Sepsis",
        *,
        visibility: str = "public",
        members: list[User] | tuple[User, ...] = (),
        roles: dict[int, str] | None = None,
    ) -> Group:
        group = Group(
            slug=f"group-{next(counter)}",
            name=name,
            purpose=f"Improving {name.lower()} care together.",
            visibility=visibility,
        )
        db.session.add(group)
        db.session.flush()
        for member in members:
            db.session.add(
                GroupMembership(
                    group_id=group.id,
                    user_id=member.id,
                    role=(roles or {}).get(member.id, "member"),
                )
            )
        db.session.commit()
        return group

    return make


@pytest.fixture
def make_thread(app: Flask) -> Any:
    """Start a thread through the real action."""

    def make(
        author: User, group: Group, title: str = "Antibiotics within the hour", body: str = "How?"
    ) -> Thread:
        return create_thread(author, group, title, body)

    return make


@pytest.fixture
def make_reply(app: Flask) -> Any:
    """Reply through the real action."""

    def make(
        author: User, thread: Thread, body: str = "Agreed.", parent: Post | None = None
    ) -> Post:
        return reply(author, thread, parent.id if parent else None, body)

    return make


@pytest.fixture
def ann(make_member: Any) -> User:
    return make_member("Ann Jones")


@pytest.fixture
def bob(make_member: Any) -> User:
    return make_member("Bob Patel")


@pytest.fixture
def sepsis(make_group: Any, ann: User, bob: User) -> Group:
    return make_group("Sepsis", members=[ann, bob])
