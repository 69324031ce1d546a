"""Email through a real SMTP server on loopback, the outbox, and password resets."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fivec.extensions import db
from fivec.mail import deliver, queue_email
from fivec.models import OutboxMessage
from tests.conftest import PASSWORD, free_port

NEW_PASSWORD = "a brand new passphrase for ann"


@pytest.fixture
def app_config(request):
    if "smtp_server" not in request.fixturenames:
        return {}
    sink = request.getfixturevalue("smtp_server")
    return {"smtp_host": sink.host, "smtp_port": sink.port}


def _reset_link(text: str) -> str:
    match = re.search(r"http://localhost(/password/reset/\S+)", text)
    assert match, text
    return match.group(1)


def test_reset_email_is_sent_multipart_over_smtp(smtp_server, web, make_member):
    make_member("Ann", email="ann@example.org")
    response = web.post("/password/forgot", {"email": "ANN@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ann@example.org"
    assert message.is_multipart()
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "sent" and row.sent_at is not None


def test_reset_link_works_once_and_logs_other_sessions_out(smtp_server, web, make_web, make_member):
    make_member("Ann", email="ann@example.org")
    other_device = make_web()
    other_device.login("ann@example.org")
    web.post("/password/forgot", {"email": "ann@example.org"})
    [message] = smtp_server.wait_for(1)
    text = message.get_body(("plain",)).get_content()
    link = _reset_link(text)

    response = web.post(link, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert web.get("/members").status_code == 200  # logged in with the new password
    assert other_device.get("/members").status_code == 302  # old session ended

    again = web.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    web.logout()
    assert web.login("ann@example.org", PASSWORD).status_code == 400
    assert web.login("ann@example.org", NEW_PASSWORD).status_code == 302


def test_unknown_email_gets_the_same_answer_and_no_mail(smtp_server, web):
    response = web.post("/password/forgot", {"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage)) is None


def test_expired_and_tampered_reset_links_are_explained(app, web, make_member):
    from itsdangerous import URLSafeTimedSerializer

    member = make_member("Ann", email="ann@example.org")
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="fivec-password-reset")
    token = serializer.dumps({"id": member.id, "fp": "x"})
    assert "already been used" in web.get(f"/password/reset/{token}").get_data(as_text=True)
    tampered = web.get(f"/password/reset/{token[:-3]}abc")
    assert tampered.status_code == 400
    assert "not valid" in tampered.get_data(as_text=True)
    app.config["FIVEC"] = type(app.config["FIVEC"])(
        **{**app.config["FIVEC"].__dict__, "password_reset_max_age": -1}
    )
    expired = web.get(f"/password/reset/{token}")
    assert "expired" in expired.get_data(as_text=True)


def test_weak_new_password_is_refused_and_the_link_still_works(smtp_server, web, make_member):
    make_member("Ann", email="ann@example.org")
    web.post("/password/forgot", {"email": "ann@example.org"})
    link = _reset_link(smtp_server.wait_for(1)[0].get_body(("plain",)).get_content())
    response = web.post(link, {"password": "password"})
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert web.get(link).status_code == 200


def test_without_smtp_mail_is_held_in_the_outbox_for_admins(web, make_member):
    make_member("Ann", email="ann@example.org")
    make_member("Admin", email="admin@example.org", admin=True)
    web.post("/password/forgot", {"email": "ann@example.org"})
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "held"
    web.login("admin@example.org")
    listing = web.get("/admin/outbox").get_data(as_text=True)
    assert "Reset your FiveC password" in listing and "held" in listing
    detail = web.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Choose a new password here" in detail
    html = web.get(f"/admin/outbox/{row.id}/html")
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert b"Choose a new password" in html.data


def test_smtp_outage_keeps_the_message_queued_with_the_error(app, make_member):
    app.config["FIVEC"] = type(app.config["FIVEC"])(
        **{**app.config["FIVEC"].__dict__, "smtp_host": "127.0.0.1", "smtp_port": free_port()}
    )
    row = queue_email(
        "ann@example.org",
        "Hello",
        "password_reset",
        member=make_member("Ann"),
        link="http://x",
        hours=1,
    )
    db.session.commit()
    assert deliver([row.id], retries=1, backoff=0) == 0
    db.session.refresh(row)
    assert row.status == "queued" and row.attempts == 2
    assert "ConnectionRefusedError" in row.last_error
