"""Digest periods (ISO weeks and days, in UTC) and when each member is due one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Kind = Literal["weekly", "daily"]

# The network default: Monday, 07:00 in London.
DEFAULT_SEND_DAY = 0
DEFAULT_SEND_HOUR = 7
DEFAULT_TIMEZONE = "Europe/London"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """What a digest covers: ``start`` (inclusive) to ``end`` (exclusive), naive UTC."""

    kind: Kind
    start: datetime
    end: datetime
    key: str

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        """Return ISO week ``week`` of ``year``."""
        monday = date.fromisocalendar(year, week, 1)
        start = datetime.combine(monday, datetime.min.time())
        return cls("weekly", start, start + timedelta(days=7), f"{year}-W{week:02d}")

    @classmethod
    def day(cls, day: date) -> Period:
        """Return the calendar day ``day``."""
        start = datetime.combine(day, datetime.min.time())
        return cls("daily", start, start + timedelta(days=1), day.isoformat())

    @classmethod
    def week_of(cls, moment: date | datetime) -> Period:
        """Return the ISO week containing ``moment``."""
        year, week, _ = moment.isocalendar()
        return cls.week(year, week)

    @classmethod
    def parse(cls, text: str, now: datetime) -> Period:
        """Read "2026-W47", "2026-11-22", "today", "yesterday", "this-week" or "last-week"."""
        text = text.strip()
        named = {
            "today": lambda: cls.day(now.date()),
            "yesterday": lambda: cls.day(now.date() - timedelta(days=1)),
            "this-week": lambda: cls.week_of(now),
            "last-week": lambda: cls.week_of(now - timedelta(days=7)),
        }
        if text in named:
            return named[text]()
        try:
            if match := _WEEK_KEY.match(text):
                return cls.week(int(match[1]), int(match[2]))
            if _DAY_KEY.match(text):
                return cls.day(date.fromisoformat(text))
        except ValueError:
            pass
        raise ValueError(
            f"{text!r} is not a period: use a week like 2026-W47, a day like 2026-11-22, "
            "or today, yesterday, this-week, last-week"
        )

    @property
    def label(self) -> str:
        """Describe the period for people: "week of 16 Nov 2026" or "22 Nov 2026"."""
        if self.kind == "weekly":
            return f"week of {self.start.day} {self.start:%b %Y}"
        return f"{self.start.day} {self.start:%b %Y}"

    @property
    def adjective(self) -> str:
        return "weekly" if self.kind == "weekly" else "daily"


@dataclass(frozen=True)
class Schedule:
    """A member's digest settings as the scheduler needs them."""

    frequency: str = "weekly"
    send_day: int | None = None
    send_hour: int | None = None
    timezone: str = DEFAULT_TIMEZONE


def zone(name: str) -> ZoneInfo:
    """Return the named time zone, or London when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def due_period(schedule: Schedule, now: datetime) -> Period | None:
    """Return the period a member is due a digest for at ``now`` (naive UTC), if any.

    Weekly: once this week's send slot (day and hour, local time) has passed, last week's
    digest is due; a run that missed the slot catches up later in the week. Daily: once the
    local hour has passed, yesterday's digest is due. The delivery row, unique per period,
    stops a second send however often cron runs.
    """
    if schedule.frequency not in {"weekly", "daily"}:
        return None
    local = now.replace(tzinfo=UTC).astimezone(zone(schedule.timezone))
    hour = DEFAULT_SEND_HOUR if schedule.send_hour is None else schedule.send_hour
    if schedule.frequency == "daily":
        if local.hour < hour:
            return None
        return Period.day(local.date() - timedelta(days=1))
    day = DEFAULT_SEND_DAY if schedule.send_day is None else schedule.send_day
    if (local.weekday(), local.hour) < (day, hour):
        return None
    return Period.week_of(local.date() - timedelta(days=7))
