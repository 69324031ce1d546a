"""Periods and the send schedule: ISO weeks, days, local send slots."""

from __future__ import annotations

from datetime import datetime

import pytest

from fivec.digests.periods import Period, Schedule, due_period

NOW = datetime(2026, 11, 25, 12, 0)  # a Wednesday, UTC


def test_periods_parse_from_keys_and_names():
    week = Period.parse("2026-W47", NOW)
    assert (week.start, week.end, week.kind) == (
        datetime(2026, 11, 16),
        datetime(2026, 11, 23),
        "weekly",
    )
    assert Period.parse("2026-11-22", NOW).key == "2026-11-22"
    assert Period.parse("today", NOW).key == "2026-11-25"
    assert Period.parse("yesterday", NOW).key == "2026-11-24"
    assert Period.parse("this-week", NOW).key == "2026-W48"
    assert Period.parse("last-week", NOW).key == "2026-W47"
    for bad in ("2026-W60", "2026-13-01", "soon", ""):
        with pytest.raises(ValueError, match="is not a period"):
            Period.parse(bad, NOW)


def test_weekly_digest_is_due_once_the_local_slot_has_passed():
    monday_0659_london = datetime(2026, 11, 23, 6, 59)
    assert due_period(Schedule(), monday_0659_london) is None
    assert due_period(Schedule(), datetime(2026, 11, 23, 7, 0)).key == "2026-W47"
    assert due_period(Schedule(), NOW).key == "2026-W47"  # a missed slot catches up
    friday = Schedule(send_day=4, send_hour=18)
    assert due_period(friday, NOW) is None


def test_send_hour_is_local_time():
    summer_monday_0630_utc = datetime(2026, 6, 22, 6, 30)  # 07:30 in London (BST)
    assert due_period(Schedule(), summer_monday_0630_utc).key == "2026-W25"
    tokyo = Schedule(send_hour=7, timezone="Asia/Tokyo")
    assert due_period(tokyo, datetime(2026, 11, 22, 22, 0)).key == "2026-W47"  # Mon 07:00 JST


def test_daily_and_off():
    daily = Schedule(frequency="daily", send_hour=9)
    assert due_period(daily, datetime(2026, 11, 25, 8, 0)) is None
    assert due_period(daily, datetime(2026, 11, 25, 9, 0)).key == "2026-11-24"
    assert due_period(Schedule(frequency="off"), NOW) is None
