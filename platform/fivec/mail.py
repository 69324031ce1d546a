"""The one way FiveC sends email: outbox row first, SMTP after commit.

Every message is stored before it is sent, so a crash or an SMTP outage loses nothing.
Without SMTP configured (the embedded default) messages stay "held" in the outbox,
which network admins read in the browser.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template

from .clock import utcnow
from .config import Settings
from .extensions import db
from .models import OutboxMessage

MAX_ATTEMPTS = 5


def queue_email(
    to: str,
    subject: str,
    template: str,
    headers: Mapping[str, str] | None = None,
    **context: object,
) -> OutboxMessage:
    """Render ``email/<template>.txt`` and ``.html`` into an outbox row (caller commits)."""
    settings: Settings = current_app.config["FIVEC"]
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        text_body=render_template(f"email/{template}.txt", **context),
        html_body=render_template(f"email/{template}.html", subject=subject, **context),
        status="queued" if settings.smtp_host else "held",
        headers_json=json.dumps(dict(headers or {})),
    )
    db.session.add(message)
    return message


def build_message(row: OutboxMessage, settings: Settings) -> EmailMessage:
    """Turn an outbox row into a multipart/alternative email (text first, then HTML)."""
    message = EmailMessage()
    message["From"] = settings.mail_sender
    message["To"] = formataddr(("", row.to_address))
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(domain="fivec.invalid")
    for name, value in json.loads(row.headers_json or "{}").items():
        message[name] = value
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def deliver(message_ids: Iterable[int], retries: int = 2, backoff: float = 0.5) -> int:
    """Send queued messages over SMTP after commit (one session); return how many were sent.

    A failure is retried with exponential back-off; a message still failing stays
    "queued" with its error recorded (``flask mail retry`` tries again) until
    ``MAX_ATTEMPTS``, when it becomes "failed" and is reported on the outbox page.
    """
    settings: Settings = current_app.config["FIVEC"]
    if not settings.smtp_host:
        return 0
    connection = _Connection(settings)  # one SMTP session for the whole list
    try:
        sent = _deliver_each(message_ids, connection, settings, retries, backoff)
    finally:
        connection.close()
    return sent


def _deliver_each(
    message_ids: Iterable[int],
    connection: _Connection,
    settings: Settings,
    retries: int,
    backoff: float,
) -> int:
    sent = 0
    for message_id in message_ids:
        row = db.session.get(OutboxMessage, message_id)
        if row is None or row.status != "queued":
            continue
        for attempt in range(retries + 1):
            row.attempts += 1
            try:
                connection.send(build_message(row, settings))
            except (smtplib.SMTPException, OSError) as error:
                connection.close()  # the next attempt starts a fresh session
                row.last_error = f"{type(error).__name__}: {error}"
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    break
                if attempt < retries:
                    time.sleep(backoff * 2**attempt)
            else:
                row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
                sent += 1
                break
        db.session.commit()
    return sent


class _Connection:
    """An SMTP session opened on first use and reused for the next messages."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            settings = self.settings
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15)
            try:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password)
            except BaseException:
                smtp.close()
                raise
            self.smtp = smtp
        self.smtp.send_message(message)

    def close(self) -> None:
        """End the session politely if it is still up; never raise."""
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send_email(to: str, subject: str, template: str, **context: object) -> OutboxMessage:
    """Queue, commit and deliver one message: for actions whose only write is the email."""
    row = queue_email(to, subject, template, **context)
    db.session.commit()
    deliver([row.id])
    return row
