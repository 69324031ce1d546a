"""A stamp per measure that changes whenever any of its figures changes.

The scorecard page keeps what it derives from a measure's figures (the peer tables of the
latest period, each organisation's SPC chart) in each worker's memory, keyed by
``measures.figures_stamp``. The stamp is read with the measures the page loads anyway, so
checking that a remembered chart is current costs no query at all (the previous key, a
fingerprint of every figure computed inside SQLite, cost a millisecond a page).

Every write of a submission changes its measure's stamp in the same transaction:

* ``save_values`` (form, CSV upload, JSON API, corrections: every caller ends there) calls
  ``bump_stamps`` with the measures it wrote;
* any other change through the ORM (an admin script, a test editing a ``Submission``) is
  caught by the session's ``after_flush`` hook below.

A stamp is a fresh random 62-bit number rather than a counter, so a stamp never names two
different states of the figures: not after a database is restored from a backup or
rebuilt while a worker runs, nor across the many databases a test run creates. (Raw SQL
that bypasses both paths would bypass the stamp too; there is none in the application.)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from fivec.extensions import db


def new_stamp() -> int:
    """Return a stamp no earlier state of any measure's figures has had."""
    return secrets.randbits(62)


def bump_stamps(measure_ids: Iterable[int], session: Session | None = None) -> None:
    """Give each measure a new stamp, in the session's transaction (before its commit)."""
    from .models import Measure

    ids = sorted(set(measure_ids))  # one order for every writer: no lock-order deadlocks
    if ids:
        table = Measure.__table__
        connection = (session or db.session()).connection()
        connection.execute(
            update(table).where(table.c.id.in_(ids)).values(figures_stamp=new_stamp())
        )


@event.listens_for(Session, "after_flush")
def _bump_after_orm_changes(session: Session, _context: Any) -> None:
    """Change the stamp of any measure whose submissions the ORM just inserted, changed or
    deleted (``save_values`` writes with Core statements and bumps explicitly)."""
    from .models import Submission

    touched: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Submission):
            touched.add(obj.measure_id)
            moved_from = inspect(obj).attrs.measure_id.history.deleted
            touched.update(m for m in moved_from or () if m is not None)
    touched.discard(None)  # type: ignore[arg-type]  (a new row not yet given a measure)
    if touched:
        bump_stamps(touched, session)
