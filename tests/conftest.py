"""Test harness: real SQLite file, real Whoosh folder, real SMTP on loopback, real Chromium.

The schema is built once per run by the real migrations into a template database, then
copied for each test, so every test starts from exactly what ``flask db upgrade`` makes.
"""

from __future__ import annotations

import contextvars
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fivec import create_app
from fivec.accounts.actions import Registration, register_member
from fivec.demo import DEMO_PASSWORD
from fivec.extensions import db
from fivec.models import Organisation, User

PASSWORD = "correct horse battery staple"
FAST_HASH = "pbkdf2:sha256:1000"  # scrypt is right for production and slow for 200 tests


def _app_config(instance: Path, **extra: Any) -> dict[str, Any]:
    return {
        "instance_path": instance,
        "TESTING": True,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SERVER_NAME": None,
        # Index inside the request so tests can search straight after acting; the
        # background worker has its own tests (tests/search/test_index_worker.py).
        "SEARCH_INDEX_INLINE": True,
        **extra,
    }


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the schema once with the real migrations."""
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("template-instance")
    app = create_app(_app_config(instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    path = instance / "fivec.sqlite3"
    with sqlite3.connect(path) as conn:  # fold the WAL into the main file before copying
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def instance(tmp_path: Path, template_db: Path) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir()
    shutil.copy(template_db, folder / "fivec.sqlite3")
    return folder


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings (e.g. SMTP) for its app."""
    return {}


@pytest.fixture
def app(instance: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(_app_config(instance, **app_config))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class Web:
    """A test client that sends the CSRF token like a browser's form would.

    Each request runs in a fresh ``contextvars`` context, so it gets its own app context,
    ``g`` and database session exactly as in production, even though the test itself
    holds an app context. The test's session commits first (releasing SQLite's lock)
    and afterwards forgets what it had cached.
    """

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def _isolated(self, method: str, *args: Any, **kwargs: Any) -> Any:
        db.session.commit()  # end the test's own transaction so it holds no lock
        response = contextvars.Context().run(getattr(self.client, method), *args, **kwargs)
        db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        """Read the token a member's pages carry (or, logged out, the login form's)."""
        page = self._isolated("get", "/").get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        if match is None:
            page = self._isolated("get", "/login").get_data(as_text=True)
            match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, "forms carry a CSRF token"
        return match.group(1)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._isolated("get", url, **kwargs)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self._isolated("post", url, data=data, **kw)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.post("/login", {"email": email, "password": password})

    def logout(self) -> Any:
        return self.post("/logout")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def web(client: FlaskClient) -> Web:
    return Web(client)


@pytest.fixture
def make_web(app: Flask) -> Any:
    """A second (third…) independent browser-like client."""
    return lambda: Web(app.test_client())


class Socket:
    """A real Socket.IO test client for one ``Web`` session (its login cookie)."""

    def __init__(self, app: Flask, web: Web) -> None:
        from fivec.extensions import socketio

        db.session.commit()
        self.client = contextvars.Context().run(
            socketio.test_client, app, flask_test_client=web.client
        )

    @property
    def connected(self) -> bool:
        return bool(self.client.is_connected())

    def emit(self, event: str, *args: Any) -> Any:
        """Send an event and return the server's acknowledgement."""
        db.session.commit()
        return contextvars.Context().run(self.client.emit, event, *args, callback=True)

    def received(self, name: str | None = None) -> list[dict[str, Any]]:
        events = self.client.get_received()
        return [e for e in events if name is None or e["name"] == name]

    def close(self) -> None:
        if self.connected:
            contextvars.Context().run(self.client.disconnect)


@pytest.fixture
def make_socket(app: Flask) -> Iterator[Any]:
    """Open live-update sockets as the member logged in on a ``Web`` client."""
    sockets: list[Socket] = []

    def make(web: Web) -> Socket:
        sockets.append(Socket(app, web))
        return sockets[-1]

    yield make
    for socket in sockets:
        socket.close()


@pytest.fixture
def make_organisation(app: Flask) -> Any:
    def make(
        name: str = "Northfield Teaching Hospitals",
        kind: str = "acute_trust",
        region: str = "North West",
    ) -> Organisation:
        organisation = Organisation(name=name, kind=kind, region=region)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_member(app: Flask) -> Any:
    """Create a member through the real registration action."""
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None,
        *,
        email: str | None = None,
        admin: bool = False,
        profession: str = "nurse",
        organisation: Organisation | None = None,
        password: str = PASSWORD,
    ) -> User:
        n = next(counter)
        name = name or f"Member {n}"
        email = email or f"{name.lower().replace(' ', '.')}@example.org"
        member = register_member(
            Registration(
                email, name, password, profession, organisation.id if organisation else None
            )
        )
        if admin:
            member.is_admin = True
            db.session.commit()
        return member

    return make


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """Messages received by the real SMTP server on loopback."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """Run aiosmtpd on 127.0.0.1 and collect every message it receives."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    sink = SmtpSink(host="127.0.0.1", port=port)
    try:
        yield sink
    finally:
        controller.stop()


__all__ = ["DEMO_PASSWORD", "PASSWORD", "SmtpSink", "Web"]
