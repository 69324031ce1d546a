"""Rebuild, drift checks and the retry queue: the index never silently loses an update."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import func, select
from whoosh import index as whoosh_index
from whoosh.index import LockError

from fivec.extensions import db
from fivec.models import Post
from fivec.search import index as search_index
from fivec.search import index_posts, maintenance, search
from fivec.search.documents import iter_documents
from fivec.search.models import SearchIndexQueue

from .conftest import Network, make_reply


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", *args])
    db.session.expire_all()
    return result.exit_code, result.output


def _queued() -> int:
    return int(db.session.scalar(select(func.count(SearchIndexQueue.id))) or 0)


def test_check_reports_no_drift_after_rebuild(app: Flask, network: Network) -> None:
    code, output = _cli(app, "rebuild")
    assert code == 0, output
    assert "Indexed 4 posts" in output
    code, output = _cli(app, "check")
    assert code == 0 and "No drift" in output


def test_check_reports_a_missing_post_and_fix_repairs_it(app: Flask, network: Network) -> None:
    maintenance.rebuild(grace=0)
    search_index.with_writer(lambda w: w.delete_by_term("post_id", str(network.public_reply.id)))
    code, output = _cli(app, "check")
    assert code == 1
    assert "Missing from the index (published in the database): 1" in output
    code, output = _cli(app, "check", "--fix")
    assert code == 0 and "Drift remaining: 0" in output
    assert search(network.tom, "turnaround").total == 1


def _swap_in_an_index_without_token_streams() -> None:
    """Replace the live index with one as the version before the ``tokens`` column wrote it."""
    old_schema = search_index.SCHEMA.copy()
    old_schema.remove("tokens")
    live = search_index.live_path()
    folder = live.with_name(f"{live.name}.older-version")
    folder.mkdir()
    with whoosh_index.create_in(str(folder), old_schema).writer() as writer:
        for batch in iter_documents():
            for doc in batch:
                del doc["tokens"]
                writer.add_document(**doc)
    maintenance._swap(live, folder)


def test_an_index_from_the_previous_version_still_searches_and_check_fix_rebuilds_it(
    app: Flask, network: Network
) -> None:
    _swap_in_an_index_without_token_streams()
    assert search(network.tom, "lactate turnaround").total == 1  # the full search path
    code, output = _cli(app, "check")
    assert code == 1 and "written by an older version (no tokens)" in output
    code, output = _cli(app, "check", "--fix")
    assert code == 0 and "Drift remaining: 0" in output
    assert maintenance.outdated_fields() == []
    assert search(network.tom, "lactate turnaround").total == 1


def test_check_reports_posts_no_longer_published(app: Flask, network: Network) -> None:
    post = db.session.get(Post, network.public_reply.id)
    post.status = "hidden"  # committed without the signal: the index is now stale
    db.session.commit()
    drift = maintenance.check()
    assert drift.extra == [network.public_reply.id]


def test_locked_index_queues_the_write_and_the_next_write_retries_it(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = search_index._apply

    def locked(*args: object, **kwargs: object) -> None:
        raise LockError("locked by another worker")

    monkeypatch.setattr(search_index, "_apply", locked)
    reply = make_reply(network.public_thread, network.tom, "Discharge checklist draft")
    assert _queued() >= 1
    assert search(network.tom, "checklist").total == 0
    monkeypatch.setattr(search_index, "_apply", real)
    index_posts([network.public_thread.id])  # any later write drains the queue
    assert _queued() == 0
    assert [h.post_id for h in search(network.tom, "checklist").hits] == [reply.id]


def test_real_lock_held_elsewhere_times_out_into_the_queue(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "LOCK_TIMEOUT", 0.2)
    folder = search_index.current_generation(search_index.live_path())
    held = whoosh_index.open_dir(str(folder)).writer()
    try:
        reply = make_reply(network.public_thread, network.tom, "Handover checklist")
    finally:
        held.cancel()
    assert _queued() >= 1
    maintenance.drain_queue()
    assert _queued() == 0
    assert [h.post_id for h in search(network.tom, "handover").hits] == [reply.id]


def test_writes_during_a_rebuild_are_applied_to_the_new_index(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []
    real_iter = maintenance.iter_documents

    def iter_and_post(*where: object):  # a member replies while the rebuild reads
        for batch in real_iter(*where):
            if not written:
                written.append(
                    make_reply(network.public_thread, network.tom, "Mid-rebuild ward round").id
                )
            yield batch

    monkeypatch.setattr(maintenance, "iter_documents", iter_and_post)
    maintenance.rebuild(grace=0)
    assert [h.post_id for h in search(network.tom, "ward round").hits] == written
    assert maintenance.check().total == 0


def test_searching_keeps_working_during_rebuild(app: Flask, network: Network) -> None:
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()
    viewer = SimpleNamespace(id=network.tom.id, is_authenticated=True, is_admin=False)

    def reader() -> None:
        with app.app_context():
            while not stop.is_set():
                try:
                    counts.append(search(viewer, "lactate").total)
                except BaseException as error:
                    errors.append(error)
                    return
            db.session.remove()

    worker = threading.Thread(target=reader)
    worker.start()
    try:
        for _ in range(3):
            maintenance.rebuild(grace=0.05)
    finally:
        stop.set()
        worker.join()
    assert not errors
    assert counts and set(counts) == {1}
