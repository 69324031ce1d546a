"""Writers queue in fivec.write_lock, so the SQLite write lock passes on at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from sqlalchemy import select, text

from fivec.database import set_read_only_request
from fivec.extensions import db
from fivec.models import Organisation


def _count() -> int:
    return int(db.session.scalar(select(db.func.count(Organisation.id))) or 0)


def _handover_gap(app, hold: float, label: str) -> float:
    """Hold the write lock for ``hold`` s while another thread waits; return how long
    after the release the waiter got in."""
    holding = threading.Event()
    released_at: list[float] = []
    started_at: list[float] = []

    def holder() -> None:
        with app.app_context():
            db.session.add(Organisation(name=f"Holder {label}", kind="trust"))
            db.session.flush()  # BEGIN IMMEDIATE: the write lock is ours
            holding.set()
            time.sleep(hold)
            db.session.commit()
            released_at.append(time.perf_counter())
            db.session.remove()

    def waiter() -> None:
        holding.wait()
        with app.app_context():
            db.session.execute(text("SELECT 1"))  # begins IMMEDIATE: waits for its turn
            started_at.append(time.perf_counter())
            db.session.add(Organisation(name=f"Waiter {label}", kind="trust"))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return started_at[0] - released_at[0]


def test_a_waiting_writer_starts_within_milliseconds_of_the_release(app):
    """Left to SQLite's busy handler, a waiter that has waited a while starts 30 ms or
    more after the release (measured here without the queue: 30-38 ms, every round);
    the queue wakes it at once. The median of three rounds is judged: without the queue
    every round is late, while on a loaded CI machine one round can be late only because
    the woken thread waited for a core."""
    gaps = sorted(_handover_gap(app, hold=0.6, label=str(n)) for n in range(3))
    assert gaps[0] >= 0, "the waiter got in before the holder committed"
    assert gaps[1] < 0.02, [f"{gap * 1000:.0f} ms" for gap in gaps]
    assert _count() == 6


def _seconds_for_the_next_write_after(work, name: str) -> float:
    """Run ``work`` on another thread to its end, then time this thread's next write."""
    runner = threading.Thread(target=work)
    runner.start()
    runner.join(timeout=10)
    started = time.perf_counter()
    db.session.add(Organisation(name=name, kind="trust"))
    db.session.commit()
    return time.perf_counter() - started


def test_a_failed_write_hands_the_turn_on(app):
    def failing() -> None:
        with app.app_context():
            db.session.add(Organisation(name="Doomed", kind="trust"))
            db.session.flush()
            db.session.rollback()  # e.g. a validation error after the first write
            db.session.remove()

    assert _seconds_for_the_next_write_after(failing, "Next writer") < 1.0
    assert _count() == 1


def test_an_error_inside_a_write_does_not_wedge_the_queue(app):
    def broken() -> None:
        with app.app_context():
            try:
                db.session.execute(text("SELECT 1"))
                raise RuntimeError("the action failed half way")
            except RuntimeError:
                pass
            finally:
                db.session.remove()  # returns the connection: its rollback releases

    assert _seconds_for_the_next_write_after(broken, "After the failure") < 1.0


def test_readers_do_not_queue_behind_a_writer(app):
    holding, done = threading.Event(), threading.Event()

    def holder() -> None:
        with app.app_context():
            db.session.add(Organisation(name="Slow writer", kind="trust"))
            db.session.flush()
            holding.set()
            done.wait(timeout=10)
            db.session.commit()
            db.session.remove()

    runner = threading.Thread(target=holder)
    runner.start()
    holding.wait(timeout=10)
    try:
        set_read_only_request(True)
        started = time.perf_counter()
        assert _count() == 0  # the writer has not committed
        assert time.perf_counter() - started < 0.5
    finally:
        db.session.rollback()
        set_read_only_request(False)
        done.set()
        runner.join(timeout=10)


def test_threads_and_another_process_all_land_their_writes(app, instance):
    writers = 8
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fivec import create_app\n"
        "from fivec.extensions import db\n"
        "from fivec.models import Organisation\n"
        "app = create_app({'instance_path': Path(sys.argv[1])})\n"
        "with app.app_context():\n"
        "    for i in range(40):\n"
        "        db.session.add(Organisation(name=f'Process org {i}', kind='other'))\n"
        "        db.session.commit()\n"
    )
    other = subprocess.Popen([sys.executable, "-c", script, str(instance)])
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(20):
                    db.session.add(Organisation(name=f"Thread org {n}-{i}", kind="other"))
                    db.session.commit()
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert other.wait(timeout=60) == 0
    assert errors == []
    db.session.commit()
    assert _count() == writers * 20 + 40
