"""Store checked figures all together or not at all, refusing to overwrite others' changes.

Every caller (form, CSV upload, API) ends here. The request is a write, so SQLite's
transaction began with ``BEGIN IMMEDIATE`` (``fivec.database``): nobody else can write
between reading the current versions and saving ours. The version check is repeated in the
UPDATE itself so the same holds on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from fivec.clock import utcnow
from fivec.extensions import db
from fivec.models import User

from .models import Submission, SubmissionRevision
from .stamps import bump_stamps
from .validation import RowError, RowsRefused, ValueRow

_Key = tuple[int, int, date]


@dataclass(frozen=True)
class SaveSummary:
    """How many rows were new, changed, or the same as what we already had."""

    created: int
    updated: int
    unchanged: int

    @property
    def message(self) -> str:
        """Describe the upload in one sentence."""
        parts = [f"{self.created} new", f"{self.updated} corrected"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        return "Saved: " + ", ".join(parts) + "."


@dataclass(frozen=True)
class _Current:
    id: int
    version: int
    numerator: float | None
    denominator: float | None
    value: float
    rebase: bool
    submitted_by_id: int | None
    submitted_at: datetime


def save_values(
    user: User | None,
    rows: Sequence[ValueRow],
    *,
    based_on: datetime | None = None,
    source: str = "form",
) -> SaveSummary:
    """Save every row or none; refuse rows someone else changed since the sender looked.

    A row's ``expected_version`` (from the template or the API) must match the stored
    version (0: no value yet). Rows without one are checked against ``based_on``, the time
    the sender opened the page; with neither, an existing value is never replaced.
    """
    current = _current_values(rows)
    errors = _conflicts(rows, current, based_on)
    if errors:
        db.session.rollback()
        raise RowsRefused(errors, len(rows))
    now = utcnow()
    user_id = user.id if user is not None else None
    inserts: list[dict[str, Any]] = []
    changes: list[tuple[ValueRow, _Current]] = []
    unchanged = 0
    for row in rows:
        old = current.get((row.measure_id, row.organisation_id, row.period_start))
        if old is None:
            inserts.append(_insert_params(row, user_id, now, source))
        elif _same(row, old):
            unchanged += 1
        else:
            changes.append((row, old))
    if inserts:
        db.session.execute(insert(Submission), inserts)
    if changes:
        _apply_changes(changes, user_id, now, source)
    if inserts or changes:  # remembered charts of these measures are now out of date
        bump_stamps({p["measure_id"] for p in inserts} | {r.measure_id for r, _ in changes})
    db.session.commit()
    return SaveSummary(len(inserts), len(changes), unchanged)


def _current_values(rows: Sequence[ValueRow]) -> dict[_Key, _Current]:
    if not rows:
        return {}
    measure_ids = {row.measure_id for row in rows}
    organisation_ids = {row.organisation_id for row in rows}
    periods = [row.period_start for row in rows]
    query = select(
        Submission.measure_id,
        Submission.organisation_id,
        Submission.period_start,
        Submission.id,
        Submission.version,
        Submission.numerator,
        Submission.denominator,
        Submission.value,
        Submission.rebase,
        Submission.submitted_by_id,
        Submission.submitted_at,
    ).where(
        Submission.measure_id.in_(measure_ids),
        Submission.organisation_id.in_(organisation_ids),
        Submission.period_start.between(min(periods), max(periods)),
    )
    return {(r[0], r[1], r[2]): _Current(*r[3:]) for r in db.session.execute(query)}


def _conflicts(
    rows: Sequence[ValueRow], current: dict[_Key, _Current], based_on: datetime | None
) -> list[RowError]:
    errors: list[RowError] = []
    names: dict[int | None, str] = {}
    for row in rows:
        old = current.get((row.measure_id, row.organisation_id, row.period_start))
        message = _conflict(row, old, based_on, names)
        if message:
            errors.append(RowError(row.row, "version", message))
    return errors


def _conflict(
    row: ValueRow, old: _Current | None, based_on: datetime | None, names: dict[int | None, str]
) -> str | None:
    if row.expected_version is not None:
        if old is None:
            return None if row.expected_version == 0 else _gone()
        if old.version == row.expected_version:
            return None
        return (
            f"{_who(old, names)} changed this value on {_when(old.submitted_at)}, after your "
            f"copy was made (yours is based on version {row.expected_version}, it is now "
            f"version {old.version}). Download a fresh template, check their figures and "
            "upload again."
        )
    if old is None or _same(row, old):
        return None
    if based_on is not None:
        if old.submitted_at <= based_on:
            return None
        return (
            f"{_who(old, names)} changed this value on {_when(old.submitted_at)}, after you "
            "opened this page. Reload the page, check their figures and send yours again."
        )
    return (
        f"This period already has a value (version {old.version}). To correct it, send "
        f"version {old.version} with this row, so we know you have seen it."
    )


def _gone() -> str:
    return "This value was removed after your copy was made. Download a fresh template."


def _who(old: _Current, names: dict[int | None, str]) -> str:
    if old.submitted_by_id not in names:
        member = db.session.get(User, old.submitted_by_id) if old.submitted_by_id else None
        names[old.submitted_by_id] = member.display_name if member else "Someone else"
    return names[old.submitted_by_id]


def _when(moment: datetime) -> str:
    return moment.strftime("%d %b %Y at %H:%M UTC")


def _same(row: ValueRow, old: _Current) -> bool:
    return (row.numerator, row.denominator, row.value, row.rebase) == (
        old.numerator,
        old.denominator,
        old.value,
        old.rebase,
    )


def _insert_params(
    row: ValueRow, user_id: int | None, now: datetime, source: str
) -> dict[str, Any]:
    return {
        "measure_id": row.measure_id,
        "organisation_id": row.organisation_id,
        "period_start": row.period_start,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "value": row.value,
        "rebase": row.rebase,
        "source": source,
        "submitted_by_id": user_id,
        "submitted_at": now,
        "version": 1,
    }


def _apply_changes(
    changes: list[tuple[ValueRow, _Current]], user_id: int | None, now: datetime, source: str
) -> None:
    revisions = [
        {
            "submission_id": old.id,
            "version": old.version,
            "numerator": old.numerator,
            "denominator": old.denominator,
            "value": old.value,
            "old_submitted_by_id": old.submitted_by_id,
            "old_submitted_at": old.submitted_at,
            "changed_by_id": user_id,
            "changed_at": now,
            "source": source,
        }
        for _row, old in changes
    ]
    db.session.execute(insert(SubmissionRevision), revisions)
    table = Submission.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(
            numerator=bindparam("b_numerator"),
            denominator=bindparam("b_denominator"),
            value=bindparam("b_value"),
            rebase=bindparam("b_rebase"),
            version=bindparam("b_version") + 1,
            submitted_by_id=user_id,
            submitted_at=now,
            source=source,
        )
    )
    params = [
        {
            "b_id": old.id,
            "b_version": old.version,
            "b_numerator": row.numerator,
            "b_denominator": row.denominator,
            "b_value": row.value,
            "b_rebase": row.rebase,
        }
        for row, old in changes
    ]
    result = db.session.execute(statement, params)
    if result.rowcount != len(params):  # another writer slipped in (not possible on SQLite)
        db.session.rollback()
        raise RowsRefused(
            [RowError(0, "version", "Someone else saved figures at the same moment. Try again.")]
        )


def history_for(submissions: Sequence[Submission]) -> dict[int, list[SubmissionRevision]]:
    """Return the replaced versions of each submission (by submission id), newest first."""
    history: dict[int, list[SubmissionRevision]] = {s.id: [] for s in submissions}
    revisions = db.session.scalars(
        select(SubmissionRevision)
        .where(SubmissionRevision.submission_id.in_(history))
        .order_by(SubmissionRevision.version.desc())
    )
    for revision in revisions:
        history[revision.submission_id].append(revision)
    return history
