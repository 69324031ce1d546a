"""Topic groups, peer sub-groups and who belongs to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .accounts import Interest, User

GROUP_KINDS = {"topic": "Topic group", "peer": "Peer sub-group"}
VISIBILITIES = {
    "public": "Public: every member can read",
    "members": "Members only: listed, but only its members read it",
    "hidden": "Hidden: only its members know it exists",
}
JOIN_POLICIES = {
    "open": "Anyone can join",
    "request": "Ask to join (a coordinator approves)",
    "invite": "By invitation only",
}
GROUP_ROLES = {"member": "Member", "moderator": "Group moderator", "coordinator": "Coordinator"}

group_interests = Table(
    "group_interests",
    db.metadata,
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "interest_id", Integer, ForeignKey("interests.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Group(db.Model):  # type: ignore[name-defined]
    """A place to talk: a topic group, or a smaller peer sub-group inside one."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="topic")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(10), default="public", index=True)
    join_policy: Mapped[str] = mapped_column(String(10), default="open")
    # "proposed" groups wait for a network admin; "active" ones are in use.
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    guidelines: Mapped[str] = mapped_column(Text, default="")
    # Moderation settings: a member's first N posts wait for a moderator; a post flagged by
    # this many members is hidden until reviewed (None: the network's FIVEC_FLAGS_TO_HIDE).
    first_posts_needing_approval: Mapped[int] = mapped_column(default=0, server_default="0")
    flags_to_hide: Mapped[int | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Group | None] = relationship(remote_side=[id], back_populates="subgroups")
    subgroups: Mapped[list[Group]] = relationship(back_populates="parent")
    interests: Mapped[list[Interest]] = relationship(
        secondary=group_interests, order_by="Interest.name"
    )
    memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()


class GroupMembership(db.Model):  # type: ignore[name-defined]
    """A member's place in a group: role, and whether they are in, asking, or invited."""

    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12), default="member")
    # "active" members read and post; "requested" wait for a coordinator; "invited" wait
    # for the member to accept.
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
