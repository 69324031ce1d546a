"""Several worker processes write to the index at once and no update is lost."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fivec.extensions import db
from fivec.search import index as search_index
from fivec.search import maintenance, search
from fivec.search.models import SearchIndexQueue

from .conftest import Network, make_reply
from .workers import index_in_process


def test_four_processes_indexing_at_once_lose_nothing(
    network: Network, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:  # create the rows without indexing them
        patch.setattr(search_index, "_apply", lambda *args, **kwargs: None)
        replies = [
            make_reply(network.public_thread, network.tom, f"Concurrent ward note {n}").id
            for n in range(40)
        ]
    assert search(network.tom, "concurrent").total == 0
    db.session.commit()  # hold no SQLite lock while the workers run
    chunks = [replies[i::4] for i in range(4)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        failures = pool.starmap(index_in_process, [(str(instance), chunk) for chunk in chunks])
    assert failures == [0, 0, 0, 0]
    assert db.session.scalar(select(func.count(SearchIndexQueue.id))) == 0
    found = search(network.tom, "concurrent ward note")
    assert found.total == 40
    drift = maintenance.check()
    assert drift.total == 0
