"""Production mode: web processes only queue index work; `search worker` applies it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fivec.config import Settings
from fivec.discussions.actions import create_thread, reply
from fivec.extensions import db
from fivec.search import search
from fivec.search.index import queued_count
from fivec.search.worker import run_worker_process, worker_for


@pytest.fixture
def app_config():
    return {"SEARCH_INDEX_INLINE": False, "search_worker": "process"}


def _drained() -> bool:
    """Look with a fresh snapshot, and end it at once: outside a request a transaction
    begins IMMEDIATE, which would keep the worker from ever taking the write lock."""
    db.session.commit()
    waiting = queued_count()
    db.session.commit()
    return waiting == 0


def _wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_web_process_only_queues_and_the_worker_process_applies(app, sepsis):
    group, ann, bob = sepsis
    thread = create_thread(ann, group, "Door to needle", "Our lactate pathway works.")
    reply(bob, thread, None, "The zygomatic question nobody asked.")
    db.session.commit()
    assert worker_for(app)._thread is None  # no index thread in the web process
    assert queued_count() >= 2
    assert search(bob, "zygomatic").total == 0  # queued, not yet applied

    stop = threading.Event()
    runner = threading.Thread(
        target=run_worker_process, args=(app,), kwargs={"niceness": 0, "stop": stop}
    )
    runner.start()
    try:
        assert _wait_for(_drained)
    finally:
        stop.set()
        runner.join(timeout=10)
    db.session.commit()  # end this test's read snapshot
    assert search(bob, "zygomatic").total == 1


def test_the_worker_command_applies_the_queue_from_another_process(app, sepsis, instance: Path):
    group, ann, bob = sepsis
    create_thread(ann, group, "Sepsis trolleys", "A quinoxaline checklist for trolleys.")
    db.session.commit()
    assert queued_count() >= 1
    env = {**os.environ, "FIVEC_INSTANCE_PATH": str(instance), "FIVEC_SEARCH_WORKER": "process"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "fivec", "search", "worker", "--poll", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        drained = _wait_for(_drained)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=10)
    assert drained, f"the worker process did not apply the queue:\n{output}"
    assert "Traceback" not in output, output
    assert "Applying search index updates" in output
    db.session.commit()
    assert search(bob, "quinoxaline").total == 1


def test_an_unknown_worker_mode_is_refused_with_the_setting_named():
    with pytest.raises(ValueError, match="FIVEC_SEARCH_WORKER='cron' must be one of"):
        Settings.from_env({"FIVEC_SEARCH_WORKER": "cron"})
