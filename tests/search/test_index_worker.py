"""In production the index is updated by a background thread from a durable queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fivec.discussions.actions import create_thread, reply
from fivec.extensions import db
from fivec.search import search
from fivec.search.index import drain_queue, queued_count
from fivec.search.models import SearchIndexQueue
from fivec.search.worker import worker_for


@pytest.fixture
def app_config():
    return {"SEARCH_INDEX_INLINE": False}


def test_a_reply_is_found_once_the_worker_has_applied_the_queue(app, sepsis):
    group, ann, bob = sepsis
    thread = create_thread(ann, group, "Door to needle", "Our lactate pathway works.")
    reply(bob, thread, None, "The zygomatic question nobody asked.")
    db.session.commit()
    assert worker_for(app).wait_until_idle(timeout=10)
    assert queued_count() == 0
    assert search(bob, "zygomatic").total == 1


def test_queued_work_survives_a_crash_and_is_applied_later(app, sepsis, monkeypatch):
    group, ann, bob = sepsis
    # The process dies after the commit, before its worker thread runs.
    monkeypatch.setattr(worker_for(app), "wake", lambda: None)
    thread = create_thread(ann, group, "Trolleys", "Sepsis trolley checklist.")
    db.session.commit()
    assert db.session.scalar(select(func.count(SearchIndexQueue.id))) >= 1
    assert search(bob, "checklist").total == 0  # not yet applied: nothing lost, only late
    assert drain_queue() >= 1  # what a restarted worker or `search check --fix` does
    assert queued_count() == 0
    assert search(bob, "checklist").total == 1
    assert thread.id
