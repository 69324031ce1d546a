"""Digest preferences, per-group switches, moderators' picks and the delivery outbox."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db

DIGEST_FREQUENCIES = {
    "weekly": "Weekly (recommended)",
    "daily": "Daily",
    "off": "Off: no digest emails",
}
DELIVERY_STATUSES = ("pending", "sent", "held", "skipped_empty", "failed")


def new_unsubscribe_nonce() -> str:
    """Return a fresh nonce; unsubscribe links signed with an older one stop working."""
    return secrets.token_urlsafe(12)


class DigestPreference(db.Model):  # type: ignore[name-defined]
    """How often, when and about what a member gets digests (no row: network defaults)."""

    __tablename__ = "digest_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    quiet_week_note: Mapped[bool] = mapped_column(default=False)
    # None means the network default (Monday, 07:00 local time).
    send_day: Mapped[int | None] = mapped_column(default=None)
    send_hour: Mapped[int | None] = mapped_column(default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Signed into every unsubscribe link: rotating it revokes the links already sent.
    unsubscribe_nonce: Mapped[str] = mapped_column(String(32), default=new_unsubscribe_nonce)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestGroupSetting(db.Model):  # type: ignore[name-defined]
    """A member's switch for one group's content in their digest (no row: on)."""

    __tablename__ = "digest_group_settings"
    __table_args__ = (UniqueConstraint("user_id", "group_id", name="uq_digest_group_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    enabled: Mapped[bool] = mapped_column(default=True)


class DigestPick(db.Model):  # type: ignore[name-defined]
    """A thread or published result that moderators want every reader to see, and why."""

    __tablename__ = "digest_picks"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    # Plain integer: results belong to the benchmarks package, which the core never imports.
    result_id: Mapped[int | None] = mapped_column(default=None, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    picked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    picked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DigestDelivery(db.Model):  # type: ignore[name-defined]
    """One member's digest for one period: claimed before building, so it is sent once."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "period_key", name="uq_digest_delivery_user_period"),
        Index("ix_digest_deliveries_period_status", "period_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "2026-W47" for a weekly digest, "2026-11-22" for a daily one.
    period_key: Mapped[str] = mapped_column(String(12))
    # "pending" (claimed), "sent", "held" (in the outbox, no SMTP), "skipped_empty", "failed".
    status: Mapped[str] = mapped_column(String(16), default="pending")
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), default=None
    )
    item_count: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
