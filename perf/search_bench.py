"""Time search at scale: rebuild time, index size, and query latency at 8 threads.

    .venv/bin/python perf/search_bench.py [--posts 100000] [--instance DIR] [--reuse]

Seeds a network with ``perf/seed.py`` (members, groups with public and members-only
visibility, threads and reply trees) into a scratch instance, rebuilds the search index
with ``flask search rebuild``'s code, then runs the real ``fivec.search.search`` (query
parsing, permission ``filter=``/``mask=``, database re-check of the page, snippets) as
the seeded load-test member from 8 threads at once, for the most common word, a rare
word, a two-word phrase, and newest-first ordering. Prints p50/p95/max per query kind.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PERF_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(PERF_DIR))


def percentile(values: list[float], share: float) -> float:
    """Return the value below which ``share`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def pick_words(reader: Any) -> tuple[str, str]:
    """Return the most and the least frequent body words (excluding numbers)."""
    counts = [
        (reader.doc_frequency("body", term), term.decode() if isinstance(term, bytes) else term)
        for term in reader.lexicon("body")
    ]
    words = [(df, w) for df, w in counts if w.isalpha() and len(w) > 3]
    return max(words)[1], min(words)[1]


RARE_WORD = "zygomatic"


def add_rare_word(db: Any, index_posts: Any, count: int = 12) -> str:
    """Put a word in ``count`` posts spread over the network (seeded text has no rare words)."""
    from sqlalchemy import bindparam, text

    ids = list(
        db.session.scalars(
            text("SELECT id FROM posts ORDER BY (id * 7919) % 100003 LIMIT :n"), {"n": count}
        )
    )
    update = text(
        "UPDATE posts SET body_html = body_html || :extra "
        "WHERE id IN :ids AND body_html NOT LIKE :seen"
    ).bindparams(bindparam("ids", expanding=True))
    extra = {"extra": f"<p>{RARE_WORD} fracture</p>", "seen": f"%{RARE_WORD}%"}
    db.session.execute(update, {**extra, "ids": ids})
    db.session.commit()
    index_posts(ids)
    return RARE_WORD


def run_queries(
    app: Any, viewer_id: int, query: str, order: str, threads: int, per_thread: int
) -> tuple[list[float], int]:
    """Run ``query`` from ``threads`` threads; return latencies (s) and the result count."""
    from types import SimpleNamespace

    from fivec.database import set_read_only_request
    from fivec.extensions import db
    from fivec.search import search

    latencies: list[float] = []
    totals: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker() -> None:
        with app.app_context():
            set_read_only_request(True)  # like a GET request: deferred read transactions
            # What access.py reads from a logged-in member (no ORM row needed).
            viewer = SimpleNamespace(id=viewer_id, is_authenticated=True, is_admin=False)
            try:
                search(viewer, query, order=order)  # warm this thread's searcher
            except BaseException:
                start.abort()
                raise
            start.wait()
            mine = []
            for n in range(per_thread):
                began = time.perf_counter()
                results = search(viewer, query, page=1 + n % 3, order=order)
                db.session.rollback()  # a request's session ends here
                mine.append(time.perf_counter() - began)
            with lock:
                latencies.extend(mine)
                totals.append(results.total)
            db.session.remove()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, max(totals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=40)
    parser.add_argument("--instance", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="reuse a seeded --instance")
    parser.add_argument("--skip-rebuild", action="store_true", help="keep its index too")
    args = parser.parse_args(argv)
    instance = args.instance or Path(tempfile.mkdtemp(prefix="fivec-search-bench-")) / "i"
    if not args.reuse:
        import seed

        threads = max(50, args.posts // 20)
        seed.seed(
            seed.parse_args(
                [str(instance), "--force", "--posts", str(args.posts), "--threads", str(threads)]
            )
        )

    import seed
    from sqlalchemy import select

    from fivec import create_app
    from fivec.models import User
    from fivec.search import index_posts, maintenance
    from fivec.search.index import searcher

    app = create_app({"instance_path": instance.resolve()})
    with app.app_context():
        from fivec.extensions import db

        if not args.skip_rebuild:
            report = maintenance.rebuild(grace=0)
            print(
                f"rebuild: {report.documents:,} posts in {report.seconds:.1f} s, "
                f"index {report.size_bytes / 1e6:.1f} MB"
            )
        common, _least = pick_words(searcher().reader())
        rare = add_rare_word(db, index_posts)
        viewer_id = db.session.scalar(select(User.id).where(User.email == seed.LOGIN_EMAIL))
        db.session.commit()
    cases = [
        ("common word", common, "relevance"),
        ("common word, newest", common, "newest"),
        ("rare word", rare, "relevance"),
        ("two words", f"{common} {rare}", "relevance"),
        ("phrase", '"run chart"', "relevance"),
    ]
    print(f"{args.threads} threads x {args.per_thread} searches each, viewer #{viewer_id}")
    print(f"{'query':<22} {'text':<24} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, text, order in cases:
        latencies, total = run_queries(app, viewer_id, text, order, args.threads, args.per_thread)
        ms = [value * 1000 for value in latencies]
        print(
            f"{label:<22} {text[:24]:<24} {total:>7,} {statistics.median(ms):>8.1f} "
            f"{percentile(ms, 0.95):>8.1f} {max(ms):>8.1f}"
        )
    return 0


if __name__ == "__main__":
    import seed  # noqa: F401  (perf/seed.py, for LOGIN_EMAIL)

    sys.exit(main())
