"""Measures, scorecards, submitted values (with history), API tokens and published results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import Group, Organisation, User

from .stamps import new_stamp

MEASURE_KINDS = {
    "proportion": "Proportion (numerator out of denominator, shown as %)",
    "rate": "Rate (events per N, e.g. falls per 1,000 bed days)",
    "ratio": "Standardised ratio (observed / expected)",
    "value": "Plain value (one number per period)",
}
IMPROVEMENTS = {
    "increase": "Higher is better",
    "decrease": "Lower is better",
    "neutral": "Neither (watch for change)",
}
PERIODS = {"monthly": "Monthly", "quarterly": "Quarterly"}
RESULT_STATUSES = {"draft": "Draft", "published": "Published"}

scorecard_measures = Table(
    "scorecard_measures",
    db.metadata,
    Column(
        "scorecard_id", Integer, ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("measure_id", Integer, ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
)


class Measure(db.Model):  # type: ignore[name-defined]
    """A shared measure: what is counted, how, and which direction is better."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across the network: CSV files and the API name measures by it.
    name: Mapped[str] = mapped_column(String(120), unique=True)
    definition: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(12), default="proportion")
    numerator_label: Mapped[str] = mapped_column(String(200), default="")
    denominator_label: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(60), default="")
    rate_multiplier: Mapped[int] = mapped_column(default=1)
    improvement: Mapped[str] = mapped_column(String(10), default="increase")
    # On the displayed scale: a percentage for proportions, per N for rates.
    target: Mapped[float | None] = mapped_column(default=None)
    period: Mapped[str] = mapped_column(String(10), default="monthly")
    # Nullable so a network-wide measure can exist before (or without) groups.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changes with every change to this measure's figures (stamps.py): what the scorecard
    # page remembers is keyed by it.
    figures_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")

    group: Mapped[Group | None] = relationship()

    @property
    def has_counts(self) -> bool:
        """Proportions, rates and ratios are built from a numerator and a denominator."""
        return self.kind != "value"

    def value_from(self, numerator: float, denominator: float) -> float:
        """Return the displayed value for these counts (callers ensure denominator > 0)."""
        if self.kind == "proportion":
            return 100.0 * numerator / denominator
        if self.kind == "rate":
            return numerator / denominator * self.rate_multiplier
        return numerator / denominator


class Scorecard(db.Model):  # type: ignore[name-defined]
    """A named set of measures that a group's organisations report and compare."""

    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    # Peers are anonymised unless the group agreed to compare by name.
    named_comparison: Mapped[bool] = mapped_column(default=False)
    # Peers' counts from 1 to threshold - 1 are hidden ("*").
    suppression_threshold: Mapped[int] = mapped_column(default=8)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group | None] = relationship()
    measures: Mapped[list[Measure]] = relationship(
        secondary=scorecard_measures, order_by="Measure.name"
    )


class Submission(db.Model):  # type: ignore[name-defined]
    """One organisation's figures for one measure and period (the current version)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("measure_id", "organisation_id", "period_start"),
        Index("ix_submissions_measure_period", "measure_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    numerator: Mapped[float | None] = mapped_column(default=None)
    denominator: Mapped[float | None] = mapped_column(default=None)
    value: Mapped[float]
    # Start a new SPC baseline here (e.g. after a change to the process).
    rebase: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10), default="form")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic concurrency: a change names the version it replaces.
    version: Mapped[int] = mapped_column(default=1)

    measure: Mapped[Measure] = relationship()
    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User | None] = relationship()


class SubmissionRevision(db.Model):  # type: ignore[name-defined]
    """A replaced version of a submission: the old figures, who replaced them and when."""

    __tablename__ = "submission_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    numerator: Mapped[float | None] = mapped_column(default=None)
    denominator: Mapped[float | None] = mapped_column(default=None)
    value: Mapped[float]
    old_submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    old_submitted_at: Mapped[datetime]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="form")

    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A secret that lets an organisation's own system submit its figures."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(80))
    # The public part of the token, to find it; the secret is only stored hashed.
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class Result(db.Model):  # type: ignore[name-defined]
    """A write-up of an improvement, with its chart frozen as of a date."""

    __tablename__ = "results"
    __table_args__ = (Index("ix_results_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    tried: Mapped[str] = mapped_column(Text, default="")
    happened: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    # The chart as it stood on frozen_as_of, so later data cannot change the story.
    chart: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    frozen_as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))

    group: Mapped[Group | None] = relationship()
    measure: Mapped[Measure | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
