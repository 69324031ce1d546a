"""Groups, threads and posts made directly with the models, and SMTP servers for digests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape

from fivec.clock import utcnow
from fivec.digests.periods import Period
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Interest, Post, Thread, User
from tests.conftest import SmtpSink, free_port


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {"DIGEST_SMTP_BACKOFF": 0.01}
    for name in ("smtp_server", "flaky_smtp"):
        if name in request.fixturenames:
            sink = request.getfixturevalue(name)
            config.update(smtp_host=sink.host, smtp_port=sink.port)
    return config


@pytest.fixture
def week() -> Period:
    """The ISO week the tests run in: rows created now fall inside it."""
    return Period.week_of(utcnow())


@pytest.fixture
def make_group(app: Flask) -> Any:
    counter = iter(range(1, 10_000))

    def make(
        name: str = "Sepsis",
        *,
        visibility: str = "public",
        members: tuple[User, ...] = (),
        roles: dict[int, str] | None = None,
        interests: tuple[str, ...] = (),
        joined_at: datetime | None = None,
    ) -> Group:
        group = Group(
            slug=f"digest-group-{next(counter)}",
            name=name,
            purpose=f"Improving {name.lower()} care.",
            visibility=visibility,
        )
        for interest in interests:
            existing = db.session.query(Interest).filter_by(name=interest).one_or_none()
            group.interests.append(existing or Interest(name=interest))
        db.session.add(group)
        db.session.flush()
        for member in members:
            db.session.add(
                GroupMembership(
                    group_id=group.id,
                    user_id=member.id,
                    role=(roles or {}).get(member.id, "member"),
                    created_at=joined_at or utcnow(),
                )
            )
        db.session.commit()
        return group

    return make


@pytest.fixture
def make_thread(app: Flask) -> Any:
    """Add a thread with its opening post (and ``replies`` replies) as model rows."""

    def make(
        author: User,
        group: Group,
        title: str = "Antibiotics within the hour",
        body: str = "How do you get antibiotics in within the hour?",
        *,
        status: str = "published",
        opening_status: str = "published",
        replies: int = 0,
        helpful: int = 0,
        created_at: datetime | None = None,
    ) -> Thread:
        created_at = created_at or utcnow()
        thread = Thread(
            group_id=group.id,
            author_id=author.id,
            title=title,
            status=status,
            created_at=created_at,
            last_post_at=created_at,
            reply_count=replies,
        )
        db.session.add(thread)
        db.session.flush()
        opening = _post(thread, author, body, opening_status, None, created_at, helpful)
        for n in range(replies):
            _post(thread, author, f"Reply {n}", "published", opening, created_at, 0)
        db.session.commit()
        return thread

    return make


def _post(
    thread: Thread,
    author: User,
    body: str,
    status: str,
    parent: Post | None,
    created_at: datetime,
    helpful: int,
) -> Post:
    post = Post(
        thread_id=thread.id,
        author_id=author.id,
        parent_id=parent.id if parent else None,
        depth=1 if parent else 0,
        body_source=body,
        body_html=f"<p>{escape(body)}</p>",
        status=status,
        created_at=created_at,
        helpful_count=helpful,
    )
    db.session.add(post)
    db.session.flush()
    own = str(post.id).zfill(10)
    post.path = f"{parent.path}/{own}" if parent else own
    return post


@pytest.fixture
def set_interests(app: Flask) -> Any:
    def set_(member: User, *names: str) -> None:
        for name in names:
            existing = db.session.query(Interest).filter_by(name=name).one_or_none()
            member.interests.append(existing or Interest(name=name))
        db.session.commit()

    return set_


class FlakySink(SmtpSink):
    """An SMTP server that drops the connection for chosen recipients."""

    drop_once: set[str]
    drop_always: set[str]


@pytest.fixture
def flaky_smtp() -> Iterator[FlakySink]:
    """aiosmtpd on loopback that hangs up mid-conversation for chosen recipients."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            to = envelope.rcpt_tos[0]
            if to in sink.drop_always or to in sink.drop_once:
                sink.drop_once.discard(to)
                server.transport.close()  # hang up instead of answering
                return "421 closing"
            sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    sink = FlakySink(host="127.0.0.1", port=port)
    sink.drop_once, sink.drop_always = set(), set()
    try:
        yield sink
    finally:
        controller.stop()
