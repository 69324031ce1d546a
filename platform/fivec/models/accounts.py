"""Members, their organisations and interests."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

ORGANISATION_KINDS: dict[str, str] = {
    "acute_trust": "Acute trust",
    "mental_health_trust": "Mental health trust",
    "community_service": "Community service",
    "gp_practice": "GP practice",
    "ambulance_service": "Ambulance service",
    "care_home": "Care home",
    "charity": "Charity",
    "patient_group": "Patient group",
    "commissioner": "Commissioner or ICB",
    "university": "University",
    "other": "Other",
}

PROFESSIONS: dict[str, str] = {
    "nurse": "Nurse or midwife",
    "doctor": "Doctor",
    "ahp": "Allied health professional",
    "pharmacist": "Pharmacist",
    "manager": "Manager",
    "qi_lead": "Quality improvement lead",
    "analyst": "Data analyst",
    "patient": "Patient or carer",
    "researcher": "Researcher",
    "other": "Other",
}

user_interests = Table(
    "user_interests",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "interest_id", Integer, ForeignKey("interests.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Organisation(db.Model):  # type: ignore[name-defined]
    """A member organisation of the network: a trust, a practice, a charity…"""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)


class Interest(db.Model):  # type: ignore[name-defined]
    """A tag a member is interested in or knows about ("sepsis", "falls")."""

    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """A member of the network."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased copy: emails are unique whatever their case.
    email_normalised: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    profession: Mapped[str] = mapped_column(String(40), default="other", index=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    # A network moderator curates every group (the moderation package); admins grant it.
    is_moderator: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped on password change or "log out everywhere": old sessions stop working.
    session_generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    interests: Mapped[list[Interest]] = relationship(
        secondary=user_interests, order_by="Interest.name"
    )

    def get_id(self) -> str:
        """Tie the login cookie to the session generation so resets log others out."""
        return f"{self.id}:{self.session_generation}"

    @property
    def initials(self) -> str:
        """Up to two letters for the avatar, from the display name."""
        parts = [p for p in self.display_name.split() if p[:1].isalnum()]
        letters = "".join(p[0] for p in parts[:1] + parts[1:][-1:])
        return (letters or "?").upper()

    @property
    def avatar_hue(self) -> int:
        """A stable colour (one of 12 hues) so avatars are told apart without images."""
        return (self.id or 0) * 47 % 12

    @property
    def profession_label(self) -> str:
        return PROFESSIONS.get(self.profession, self.profession)
