"""Time the review queue page with 10,000 open items, in-process with the test client.

    .venv/bin/python perf/review_queue_bench.py [--items 10000] [--requests 200]

Seeds a fresh instance in ``perf/results/queue-instance`` (migrated with the real
migrations): 20 groups, 400 members, 10,000 posts each with an open review item (flagged,
held or first post, some claimed) and 2 flags per flagged post. Then a network moderator
and a group moderator each load the first queue page, a filtered page and a deep page
(page 100), and the script reports p50/p95/max in milliseconds per kind of page.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

PERF_DIR = Path(__file__).resolve().parent
INSTANCE = PERF_DIR / "results" / "queue-instance"
PASSWORD = "queue-bench-password"  # noqa: S105  (a throwaway login for the bench)


def seed(items: int) -> None:
    """Insert the network with core INSERTs (fast), then commit once."""
    from sqlalchemy import insert

    from fivec.accounts.actions import hash_password
    from fivec.clock import utcnow
    from fivec.extensions import db
    from fivec.models import Group, GroupMembership, Post, Thread, User
    from moderation.models import Flag, ReviewItem

    now = utcnow()
    password = hash_password(PASSWORD)
    users = [
        {
            "email": f"m{n}@bench.test",
            "email_normalised": f"m{n}@bench.test",
            "display_name": f"Member {n}",
            "password_hash": password,
            "is_moderator": n == 0,
        }
        for n in range(400)
    ]
    db.session.execute(insert(User), users)
    groups = [
        {"slug": f"g{n}", "name": f"Group {n}", "purpose": "Bench", "visibility": "public"}
        for n in range(20)
    ]
    db.session.execute(insert(Group), groups)
    memberships = [
        {"group_id": g + 1, "user_id": u + 1, "role": "moderator" if u == 1 else "member"}
        for g in range(20)
        for u in range(1, 400, 7)
    ]
    db.session.execute(insert(GroupMembership), memberships)
    threads = [
        {"group_id": t % 20 + 1, "author_id": t % 400 + 1, "title": f"Thread {t}"}
        for t in range(500)
    ]
    db.session.execute(insert(Thread), threads)
    posts, reviews, flags = [], [], []
    kinds = ("flagged", "held_pii", "first_post")
    for n in range(1, items + 1):
        thread = n % 500 + 1
        posts.append(
            {
                "id": n,
                "thread_id": thread,
                "author_id": n % 400 + 1,
                "path": f"{n:010d}",
                "body_source": f"Post {n} about sepsis screening and audit data.",
                "body_html": f"<p>Post {n} about sepsis screening and audit data.</p>",
                "status": "held" if n % 3 else "published",
                "created_at": now - timedelta(minutes=items - n),
            }
        )
        kind = kinds[n % 3]
        reviews.append(
            {
                "post_id": n,
                "kind": kind,
                "group_id": (thread - 1) % 20 + 1,
                "note": "Held for a moderator." if kind != "flagged" else "",
                "created_at": now - timedelta(minutes=items - n),
                "claimed_by_id": 2 if n % 10 == 0 else None,
                "claimed_at": now if n % 10 == 0 else None,
            }
        )
        if kind == "flagged":
            flags += [
                {
                    "post_id": n,
                    "flagger_id": (n + k) % 400 + 1,
                    "reason": "off_topic",
                    "created_at": now - timedelta(minutes=items - n),
                }
                for k in (3, 5)
            ]
    db.session.execute(insert(Post), posts)
    db.session.execute(insert(ReviewItem), reviews)
    db.session.execute(insert(Flag), flags)
    db.session.commit()


def measure(client, url: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from fivec import create_app
    from fivec.extensions import db

    shutil.rmtree(INSTANCE, ignore_errors=True)
    INSTANCE.mkdir(parents=True)
    app = create_app({"instance_path": INSTANCE, "TESTING": True})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seed(args.items)
        print(f"seeded {args.items:,} open items in {time.perf_counter() - started:.1f} s")
        db.session.remove()

    rows = []
    for who, email in (
        ("network moderator", "m0@bench.test"),
        ("group moderator", "m1@bench.test"),
    ):
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        for label, url in (
            ("first page", "/moderation/queue"),
            ("held only", "/moderation/queue?kind=held_pii"),
            ("one group", "/moderation/queue?group=3"),
            ("page 100", "/moderation/queue?page=100"),
        ):
            measure(client, url, 5)  # warm up
            times = sorted(measure(client, url, args.requests))
            p95 = times[int(len(times) * 0.95) - 1]
            rows.append((who, label, statistics.median(times), p95, times[-1]))
    print(f"\n{'viewer':<18} {'page':<11} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for who, label, p50, p95, top in rows:
        print(f"{who:<18} {label:<11} {p50:8.1f} {p95:8.1f} {top:8.1f}")
    worst = max(r[3] for r in rows)
    print(f"\nworst p95: {worst:.1f} ms (target < 100 ms)")
    return 0 if worst < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
