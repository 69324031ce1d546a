"""Sending over several SMTP sessions at once: each message once, outcomes on the right row."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest
from flask import Flask
from sqlalchemy import func, select

from fivec import mail
from fivec.digests.send import send_digests
from fivec.extensions import db
from fivec.mail import MAX_ATTEMPTS, build_message, deliver, message_bytes, message_id
from fivec.models import DigestDelivery, OutboxMessage


def _queue(count: int, **headers: str) -> list[int]:
    rows = [
        OutboxMessage(
            to_address=f"person{n}@example.org",
            subject=f"Message {n}",
            text_body=f"Hello person {n}\n",
            html_body=f"<p>Hello person {n}</p>",
            status="queued",
            headers_json=json.dumps(headers),
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def _rows() -> dict[str, OutboxMessage]:
    db.session.expire_all()
    return {row.to_address: row for row in db.session.scalars(select(OutboxMessage))}


def test_parallel_sessions_send_each_message_exactly_once(app, smtp_server):
    ids = _queue(40)

    assert deliver(ids, retries=0, backoff=0, connections=4) == 40

    received = smtp_server.wait_for(41, timeout=0.5)
    assert sorted(m["To"] for m in received) == sorted(f"person{n}@example.org" for n in range(40))
    for message in received:  # each body went with its own envelope and headers
        n = message["To"].removeprefix("person").removesuffix("@example.org")
        assert message["Subject"] == f"Message {n}"
        assert _text(message, "plain") == f"Hello person {n}\n"
    rows = _rows()
    assert {row.status for row in rows.values()} == {"sent"}
    assert {row.attempts for row in rows.values()} == {1}
    assert deliver(ids, connections=4) == 0  # sent rows are never sent again
    assert len(smtp_server.wait_for(41, timeout=0.3)) == 40


def test_a_senders_failure_is_recorded_on_its_own_row(app, flaky_smtp):
    ids = _queue(20)
    flaky_smtp.drop_always.add("person7@example.org")
    flaky_smtp.drop_once.add("person12@example.org")

    assert deliver(ids, retries=1, backoff=0, connections=4) == 19

    rows = _rows()
    failing = rows.pop("person7@example.org")
    assert failing.status == "queued" and failing.attempts == 2  # left for a later retry
    assert "SMTPServerDisconnected" in failing.last_error
    assert rows.pop("person12@example.org").attempts == 2  # dropped once, then sent
    assert {(row.status, row.attempts, row.last_error) for row in rows.values()} == {
        ("sent", 1, "")
    }
    assert sorted(m["To"] for m in flaky_smtp.messages).count("person12@example.org") == 1


def test_parallel_retries_stop_at_max_attempts(app, flaky_smtp):
    ids = _queue(6)
    flaky_smtp.drop_always.add("person3@example.org")
    row = db.session.get(OutboxMessage, ids[3])
    row.attempts = MAX_ATTEMPTS - 1
    db.session.commit()

    deliver(ids, retries=2, backoff=0, connections=3)

    failed = _rows()["person3@example.org"]
    assert failed.status == "failed" and failed.attempts == MAX_ATTEMPTS


def test_an_unexpected_sender_error_is_raised_and_the_others_are_recorded(
    app, smtp_server, monkeypatch
):
    ids = _queue(10)
    real_send = mail._Connection.send

    def send(self, job):
        if job.to == "person4@example.org":
            raise RuntimeError("bug in the sender")
        return real_send(self, job)

    monkeypatch.setattr(mail._Connection, "send", send)
    with pytest.raises(RuntimeError, match="bug in the sender"):
        deliver(ids, retries=0, backoff=0, connections=3)

    rows = _rows()
    sent = {to for to, row in rows.items() if row.status == "sent"}
    received = {m["To"] for m in smtp_server.wait_for(len(sent), timeout=2)}
    assert received == sent  # whatever left was recorded as sent; nothing else was
    assert rows["person4@example.org"].status == "queued"


def test_digests_sent_in_parallel_reach_each_member_once(app: Flask, smtp_server, network, week):
    app.config["DIGEST_SMTP_CONNECTIONS"] = 3
    summary = send_digests(week)
    assert summary.sent == 4 and not summary.failed
    again = send_digests(week)
    assert again.sent == 0 and again.already_done == 4
    received = smtp_server.wait_for(5, timeout=0.5)
    assert sorted(m["To"] for m in received) == [
        f"{n}@example.org" for n in ("ann", "bob", "cat", "dan")
    ]
    statuses = db.session.scalars(select(DigestDelivery.status)).all()
    assert statuses == ["sent"] * 4
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4


@pytest.fixture
def network(make_member, make_group, make_thread):
    members = [make_member(name) for name in ("Ann", "Bob", "Cat", "Dan")]
    group = make_group("Sepsis", members=tuple(members))
    make_thread(members[0], group, "Door-to-needle times", replies=1)
    return members


def _text(message, kind: str) -> str:
    """A part's text with the wire's CRLF line ends read as newlines, as mail clients do."""
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def _parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def test_fast_message_matches_the_email_package(app):
    long_subject = "Your weekly digest from " + "a very long network name " * 5 + "(week)"
    row = OutboxMessage(
        id=99,
        to_address="ann@example.org",
        subject=long_subject,
        text_body="Line one … “quoted”\n.starts with a dot\ntrailing space \n" + "x" * 300,
        html_body='<p style="color:#005eb8">Caf\u00e9 = 3 &amp; more</p>\n' * 40,
        headers_json=json.dumps(
            {
                "List-Unsubscribe": "<http://127.0.0.1:5000/digests/unsubscribe/" + "a" * 120 + ">",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        ),
    )
    settings = app.config["FIVEC"]
    data = message_bytes(row, settings)
    assert data is not None
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF line endings only
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    # The one-click header is written as it is, never as encoded words.
    assert "List-Unsubscribe: <http://127.0.0.1:5000/digests/unsubscribe/" in head
    fast, slow = _parse(data), build_message(row, settings)
    for name in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe"):
        assert str(fast[name]) == str(slow[name]), name
    assert fast.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in fast.iter_parts()] == ["text/plain", "text/html"]
    for kind in ("plain", "html"):
        assert _text(fast, kind) == _text(slow, kind)


def test_non_ascii_subject_is_encoded_and_odd_addresses_fall_back(app):
    settings = app.config["FIVEC"]
    row = OutboxMessage(
        id=1,
        to_address="ann@example.org",
        subject="Réseau qualité · digest",
        text_body="x",
        html_body="<p>x</p>",
        headers_json="{}",
    )
    data = message_bytes(row, settings)
    assert data is not None and data.isascii()
    assert _parse(data)["Subject"] == "Réseau qualité · digest"
    row.to_address = "anné@exämple.org"
    assert message_bytes(row, settings) is None  # sent through the email package instead


def test_message_id_is_the_same_on_every_attempt(app):
    ids = _queue(2)
    first, second = (db.session.get(OutboxMessage, i) for i in ids)
    assert message_id(first) == message_id(first)
    assert message_id(first) != message_id(second)
    assert message_id(first).endswith("@fivec.invalid>")
