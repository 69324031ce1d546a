"""The index keeps up with real actions: concurrent posting leaves no drift."""

from __future__ import annotations

import threading

from fivec.discussions.actions import create_thread, reply
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Thread
from fivec.search import search
from fivec.search.maintenance import check


def test_search_check_reports_no_drift_after_concurrent_posting(app, make_member):
    members = [make_member(f"Nurse {n}") for n in range(4)]
    group = Group(slug="sepsis", name="Sepsis", purpose="Antibiotics within the hour.")
    db.session.add(group)
    db.session.flush()
    db.session.add_all(GroupMembership(group_id=group.id, user_id=m.id) for m in members)
    db.session.commit()
    thread = create_thread(members[0], group, "Trolley checks", "Who checks the trolleys?")
    thread_id, member_ids = thread.id, [m.id for m in members]
    db.session.commit()  # the test's own read must not hold the write lock meanwhile
    errors: list[BaseException] = []

    def post_many(member_id: int) -> None:
        with app.app_context():
            try:
                from fivec.models import User

                author = db.session.get(User, member_id)
                for n in range(10):
                    target = db.session.get(Thread, thread_id)
                    reply(author, target, None, f"Checklist idea {member_id}-{n} from the ward")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=post_many, args=(m,)) for m in member_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    drift = check()
    assert drift.total == 0, drift
    results = search(db.session.get(type(members[0]), member_ids[1]), "checklist")
    assert results.total == 40
