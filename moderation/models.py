"""Moderation tables: flags, the review queue, the audit log, sanctions, notes, guidelines.

The audit log never stores patient-identifiable text: a held post is described by the
kinds of identifier found ("nhs_number"), never by the text that matched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import Group, Post, User

FLAG_REASONS = {
    "off_topic": "Off-topic",
    "disrespectful": "Disrespectful",
    "misinformation": "Misinformation",
    "patient_information": "Contains patient-identifiable information",
    "other": "Something else",
}
REVIEW_KINDS = {
    "flagged": "Flagged by members",
    "held_pii": "Held: may identify a patient",
    "first_post": "A new member's first posts",
}
SANCTION_KINDS = {"silence": "Silence (cannot post)", "suspend": "Suspend (cannot log in)"}


class Flag(db.Model):  # type: ignore[name-defined]
    """A member's report that a post breaks the guidelines (one per member and post)."""

    __tablename__ = "moderation_flags"
    __table_args__ = (
        UniqueConstraint("post_id", "flagger_id", name="uq_moderation_flags_post_flagger"),
        Index("ix_moderation_flags_flagger_created", "flagger_id", "created_at"),
        Index("ix_moderation_flags_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    flagger_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # "upheld" (the post was hidden or deleted) or "dismissed" (it was approved).
    outcome: Mapped[str | None] = mapped_column(String(10), default=None)

    post: Mapped[Post] = relationship()
    flagger: Mapped[User] = relationship()

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, self.reason)


class ReviewItem(db.Model):  # type: ignore[name-defined]
    """A post waiting for a moderator: flagged, held by the guard, or a first post."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_status_group_created", "status", "group_id", "created_at"),
        Index("ix_review_items_status_created", "status", "created_at"),
        Index("ix_review_items_post_status", "post_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Plain words for the author and moderators, never the matched text ("an NHS number").
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # "approve", "hide", "delete" or "edit_approve".
    resolution: Mapped[str] = mapped_column(String(20), default="")

    post: Mapped[Post] = relationship()
    group: Mapped[Group] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def kind_label(self) -> str:
        return REVIEW_KINDS.get(self.kind, self.kind)


class ModerationAction(db.Model):  # type: ignore[name-defined]
    """One line of the audit log: who did what to which thing, why and when."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        Index("ix_moderation_actions_group_created", "group_id", "created_at"),
        Index("ix_moderation_actions_created", "created_at"),
        Index("ix_moderation_actions_actor", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(default=None)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    group: Mapped[Group | None] = relationship()


class MemberSanction(db.Model):  # type: ignore[name-defined]
    """A silence (cannot post) or suspension (cannot log in) for a period."""

    __tablename__ = "member_sanctions"
    __table_args__ = (Index("ix_member_sanctions_user_kind", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    # None: network-wide; otherwise only in this group.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), default=None
    )
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    group: Mapped[Group | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class ModeratorNote(db.Model):  # type: ignore[name-defined]
    """A private note about a member, for moderators and admins only."""

    __tablename__ = "moderator_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class GuidelineAcceptance(db.Model):  # type: ignore[name-defined]
    """A member agreed to a version of the network's (or a group's) guidelines."""

    __tablename__ = "guideline_acceptances"
    __table_args__ = (Index("ix_guideline_acceptances_user_group", "user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # None: the network's guidelines.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), default=None
    )
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SHA-256 of the text agreed to: changed guidelines are accepted again.
    text_hash: Mapped[str] = mapped_column(String(64))
