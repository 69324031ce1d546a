"""Sending through the outbox over real SMTP: exactly once, retried, reported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fivec.clock import utcnow
from fivec.digests import send as send_module
from fivec.digests.send import send_digests
from fivec.extensions import db
from fivec.models import DigestDelivery, DigestPreference, OutboxMessage
from tests.conftest import free_port


class Crash(BaseException):
    """Stands for the process dying (not an error the batch could catch and carry on)."""


@pytest.fixture
def network(make_member, make_group, make_thread):
    """Four members in one group, with a new thread this week."""
    members = [make_member(name) for name in ("Ann", "Bob", "Cat", "Dan")]
    group = make_group("Sepsis", members=tuple(members))
    make_thread(members[0], group, "Door-to-needle times", replies=1)
    return members


def _deliveries() -> dict[int, str]:
    rows = db.session.execute(select(DigestDelivery.user_id, DigestDelivery.status))
    return {user_id: status for user_id, status in rows}


def _recipients(sink) -> list[str]:
    return sorted(message["To"] for message in sink.messages)


def test_digest_arrives_multipart_with_one_click_unsubscribe(smtp_server, network, week):
    summary = send_digests(week)

    assert summary.sent == 4 and not summary.failed
    messages = smtp_server.wait_for(4)
    message = next(m for m in messages if m["To"] == "bob@example.org")
    assert message["Subject"].startswith("Your weekly digest from")
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/digests/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Door-to-needle times" in body
        assert "because you are in Sepsis" in body
        assert "/digests/preferences" in body
    assert "http://127.0.0.1:5000/threads/" in html
    assert set(_deliveries().values()) == {"sent"}


def test_a_rerun_never_sends_twice(smtp_server, network, week):
    send_digests(week)
    again = send_digests(week)
    assert again.sent == 0 and again.already_done == 4
    assert len(smtp_server.wait_for(5, timeout=0.5)) == 4


def test_empty_week_sends_nothing(smtp_server, make_member, make_group, week):
    ann = make_member("Ann")
    make_group("Quiet", members=(ann,), joined_at=utcnow() - timedelta(days=30))
    summary = send_digests(week)
    assert summary.skipped_empty == 1 and summary.sent == 0
    assert _deliveries() == {ann.id: "skipped_empty"}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_quiet_week_note_is_sent_when_asked(smtp_server, make_member, week):
    ann = make_member("Ann")
    db.session.add(DigestPreference(user_id=ann.id, quiet_week_note=True))
    db.session.commit()
    send_digests(week)
    [message] = smtp_server.wait_for(1)
    assert message["Subject"].startswith("A quiet week in")
    assert "nothing new in your groups" in message.get_body(("plain",)).get_content()


def test_crash_while_rendering_then_rerun_sends_each_member_exactly_once(
    smtp_server, network, week, monkeypatch
):
    real_queue = send_module.queue_email
    crashed = []

    def crash_for_cat(to, *args, **kwargs):
        if to == "cat@example.org" and not crashed:
            crashed.append(to)
            raise Crash()
        return real_queue(to, *args, **kwargs)

    monkeypatch.setattr(send_module, "queue_email", crash_for_cat)
    with pytest.raises(Crash):
        send_digests(week)
    db.session.rollback()
    queued = db.session.scalars(select(OutboxMessage.to_address).order_by(OutboxMessage.id))
    assert queued.all() == ["ann@example.org", "bob@example.org"]  # stored, not yet sent

    summary = send_digests(week)

    assert summary.sent == 4 and not summary.failed
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4
    assert _recipients(smtp_server) == [f"{n}@example.org" for n in ("ann", "bob", "cat", "dan")]
    assert set(_deliveries().values()) == {"sent"}


def test_crash_after_queueing_delivers_the_stored_messages_without_rebuilding(
    smtp_server, network, week, monkeypatch
):
    real_deliver = send_module.deliver
    calls = []

    def crash_first_time(ids, **kwargs):
        calls.append(ids)
        if len(calls) == 1:
            real_deliver(ids[:1], **kwargs)  # one message leaves before the crash
            raise Crash()
        return real_deliver(ids, **kwargs)

    monkeypatch.setattr(send_module, "deliver", crash_first_time)
    with pytest.raises(Crash):
        send_digests(week)
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4
    assert len(smtp_server.wait_for(1)) == 1

    summary = send_digests(week)

    assert summary.sent == 4 and summary.already_done == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4  # none rebuilt
    assert _recipients(smtp_server) == [f"{n}@example.org" for n in ("ann", "bob", "cat", "dan")]
    assert set(_deliveries().values()) == {"sent"}


def test_smtp_server_dropping_the_connection_is_retried_and_reported(flaky_smtp, network, week):
    flaky_smtp.drop_once.add("bob@example.org")
    flaky_smtp.drop_always.add("cat@example.org")

    summary = send_digests(week)

    assert summary.sent == 3
    [(member_id, email, reason)] = summary.failed
    assert email == "cat@example.org" and "SMTPServerDisconnected" in reason
    deliveries = _deliveries()
    assert deliveries[member_id] == "failed"
    bob_row = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "bob@example.org")
    )
    assert bob_row.status == "sent" and bob_row.attempts == 2

    flaky_smtp.drop_always.clear()
    again = send_digests(week)
    assert again.sent == 1 and again.already_done == 3
    assert sorted(m["To"] for m in flaky_smtp.messages).count("cat@example.org") == 1


def test_unreachable_smtp_server_is_reported_and_a_rerun_sends(app, network, week, smtp_server):
    settings = app.config["FIVEC"]
    app.config["FIVEC"] = type(settings)(**{**settings.__dict__, "smtp_port": free_port()})
    summary = send_digests(week)
    assert len(summary.failed) == 4 and "ConnectionRefusedError" in summary.failed[0][2]
    assert set(_deliveries().values()) == {"failed"}

    app.config["FIVEC"] = settings
    again = send_digests(week)
    assert again.sent == 4
    assert len(smtp_server.wait_for(4)) == 4


def test_invalid_address_fails_with_a_reason_and_the_batch_goes_on(smtp_server, network, week):
    network[1].email = "bob at example"
    db.session.commit()
    summary = send_digests(week)
    assert summary.sent == 3
    [(_, _, reason)] = summary.failed
    assert reason == "invalid email address 'bob at example'"
    assert _deliveries()[network[1].id] == "failed"


def test_html_in_thread_titles_is_escaped(smtp_server, make_member, make_group, make_thread, week):
    ann, bob = make_member("Ann"), make_member("Bob")
    group = make_group("Sepsis", members=(ann, bob))
    make_thread(bob, group, '<script>alert("x")</script><b>Bold</b>')
    send_digests(week, member_id=ann.id)
    [message] = smtp_server.wait_for(1)
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Bold" not in html
    assert "&lt;script&gt;" in html


def test_without_smtp_digests_are_held_in_the_outbox(network, week):
    summary = send_digests(week)
    assert summary.held == 4
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == ["held"] * 4
    assert set(_deliveries().values()) == {"held"}


def test_unsubscribed_members_are_not_sent_to(smtp_server, network, week):
    db.session.add(DigestPreference(user_id=network[0].id, frequency="off"))
    db.session.commit()
    summary = send_digests(week)
    assert summary.sent == 3 and summary.not_due == 1


def test_dry_run_builds_but_sends_and_records_nothing(smtp_server, network, week):
    summary = send_digests(week, dry_run=True)
    assert summary.would_send == 4
    assert _deliveries() == {}
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_cron_mode_sends_last_week_once_the_slot_has_passed(smtp_server, network, week):
    next_monday_6am = week.end + timedelta(hours=6)  # 06:00 UTC = 06:00 London in winter
    assert send_digests(now=next_monday_6am).not_due == 4
    summary = send_digests(now=week.end + timedelta(hours=7, minutes=5))
    assert summary.sent == 4
    assert db.session.scalar(select(DigestDelivery.period_key).limit(1)) == week.key


def test_cli_prints_a_summary(app, network, week):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["digest", "send", "--period", week.key])
    assert result.exit_code == 0, result.output
    assert "Kept in the outbox (no SMTP configured): 4" in result.output
    bad = runner.invoke(args=["digest", "send", "--period", "next tuesday"])
    assert bad.exit_code != 0 and "is not a period" in bad.output
