"""One clock for the whole app, so tests and stored times agree (naive UTC in the DB)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)
