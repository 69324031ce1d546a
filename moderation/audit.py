"""The audit log: every moderator action with who, what, why and when.

Actions call ``record`` before their commit, so the log line and the change it describes
are saved together or not at all. A group's log is shown to its members (transparency);
the whole log to admins, filterable, and as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Group, User

from .models import ModerationAction

REASON_MAX = 500

ACTION_LABELS = {
    "approve": "Approved a post",
    "hide": "Hid a post",
    "delete": "Deleted a post",
    "edit_approve": "Edited and approved a post",
    "auto_hide": "Post hidden automatically after flags",
    "hold": "Held a post for review",
    "take_over": "Took over a review",
    "lock": "Locked a thread",
    "unlock": "Unlocked a thread",
    "pin": "Pinned a thread",
    "unpin": "Unpinned a thread",
    "move": "Moved a thread",
    "merge": "Merged threads",
    "split": "Split replies into a new thread",
    "slow_mode": "Changed slow mode",
    "silence": "Silenced a member",
    "suspend": "Suspended a member",
    "lift_sanction": "Lifted a sanction",
    "note": "Added a moderator note",
    "grant_moderator": "Made a network moderator",
    "revoke_moderator": "Removed a network moderator",
    "invite_moderator": "Invited a member to moderate",
    "accept_moderator": "Accepted an invitation to moderate",
}


def require_reason(reason: str | None, field: str = "reason") -> str:
    """Return the cleaned reason, or refuse: every moderator action says why."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed(
            {field: "Please give a reason: members see it in the moderation log."}
        )
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            {field: f"Please keep the reason under {REASON_MAX} characters (it has {len(text)})."}
        )
    return text


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    group_id: int | None,
    reason: str,
    **details: Any,
) -> ModerationAction:
    """Add a line to the audit log (the caller commits). Never pass patient text."""
    entry = ModerationAction(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        group_id=group_id,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class LogFilter:
    """Filters for the full log: actor, action, group and a date range (inclusive)."""

    actor_id: int | None = None
    action: str = ""
    group_id: int | None = None
    since: date | None = None
    until: date | None = None


def parse_date(raw: str | None) -> date | None:
    """Read YYYY-MM-DD, or None for anything else."""
    try:
        return date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        return None


def log_query(filters: LogFilter, group_ids: Select[tuple[int]] | None = None) -> Select[Any]:
    """Return the log lines matching ``filters``, newest first (optionally within groups)."""
    query = select(ModerationAction).options(
        selectinload(ModerationAction.actor), selectinload(ModerationAction.group)
    )
    if group_ids is not None:
        query = query.where(ModerationAction.group_id.in_(group_ids))
    if filters.actor_id:
        query = query.where(ModerationAction.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(ModerationAction.action == filters.action)
    if filters.group_id:
        query = query.where(ModerationAction.group_id == filters.group_id)
    if filters.since:
        query = query.where(
            ModerationAction.created_at >= datetime.combine(filters.since, datetime.min.time())
        )
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        query = query.where(ModerationAction.created_at < end)
    return query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())


def group_log_query(group: Group) -> Select[Any]:
    """Return a group's log lines, newest first, for its members to read."""
    return log_query(LogFilter(group_id=group.id))


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Make a value safe for a spreadsheet: text starting like a formula is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


CSV_HEADER = ("when (UTC)", "moderator", "action", "group", "target", "target id", "reason")


def csv_rows(entries: Iterable[ModerationAction]) -> Iterator[str]:
    """Yield the log as CSV text, one line at a time (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_HEADER)
    for entry in entries:
        yield line(
            (
                entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor.display_name if entry.actor else "",
                ACTION_LABELS.get(entry.action, entry.action),
                entry.group.name if entry.group else "",
                entry.target_type,
                entry.target_id or "",
                entry.reason,
            )
        )
