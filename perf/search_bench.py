"""Time search at scale: rebuild time, index size, and query latency at 8 threads.

    .venv/bin/python perf/search_bench.py [--posts 100000] [--instance DIR] [--reuse]

Seeds a network with ``perf/seed.py`` (members, groups with public and members-only
visibility, threads and reply trees) into a scratch instance, rebuilds the search index
with ``flask search rebuild``'s code, then runs the real ``fivec.search.search`` (query
parsing, permission ``filter=``/``mask=``, database re-check of the page, snippets) as
the seeded load-test member from 8 threads at once, for the most common word, a rare
word, the two and three most common words, a two-word phrase, the two most common words
joined by OR, newest-first ordering, and the common word with an ``after:`` that keeps
the newest quarter of the posts or a ``before:`` that keeps the oldest (both orders). Prints
p50/p95/max latency and p50/p95 CPU time per search (the thread's own, which other
processes' load does not inflate) per query kind, and the load average around the run.
Nothing caches results: every search runs in full (only per-index-generation permission
sets and per-segment date maxima are reused, as in production). ``--processes 2``
spreads the 8 connections over 2 processes, as ``gunicorn -w 2 --threads 8`` does.
"""

from __future__ import annotations

import argparse
import os
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


def pick_words(reader: Any) -> tuple[str, str, str]:
    """Return the three most frequent body words (excluding numbers and short words)."""
    counts = [
        (reader.doc_frequency("body", term), term.decode() if isinstance(term, bytes) else term)
        for term in reader.lexicon("body")
    ]
    words = sorted((df, w) for df, w in counts if w.isalpha() and len(w) > 3)
    return words[-1][1], words[-2][1], words[-3][1]


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


def quarter_days(db: Any) -> tuple[str, str]:
    """Return the days from which the newest quarter, and before which the oldest, were written."""
    from sqlalchemy import text

    total = db.session.scalar(text("SELECT count(*) FROM posts"))
    pick = "SELECT date(created_at) FROM posts ORDER BY created_at {} LIMIT 1 OFFSET :n"
    newest = db.session.scalar(text(pick.format("DESC")), {"n": total // 4})
    oldest = db.session.scalar(text(pick.format("ASC")), {"n": total // 4})
    return str(newest), str(oldest)


def run_queries(
    app: Any,
    viewer_id: int,
    query: str,
    order: str,
    threads: int,
    per_thread: int,
    together: Any = None,
) -> tuple[list[float], list[float], int]:
    """Run ``query`` from ``threads`` threads; return latencies and CPU times (s), and the
    result count. CPU time (the thread's own) does not grow with other processes' load."""
    from types import SimpleNamespace

    from fivec.database import set_read_only_request
    from fivec.extensions import db
    from fivec.search import search

    latencies: list[float] = []
    cpu: list[float] = []
    totals: list[int] = []
    lock = threading.Lock()
    # ``together``: a barrier shared with the other processes, passed when all threads of
    # this one are warm, so every connection starts measuring at once.
    start = threading.Barrier(threads, action=together.wait if together else None)

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
            mine, mine_cpu = [], []
            for n in range(per_thread):
                began, began_cpu = time.perf_counter(), time.thread_time()
                results = search(viewer, query, page=1 + n % 3, order=order)
                db.session.rollback()  # a request's session ends here
                mine.append(time.perf_counter() - began)
                mine_cpu.append(time.thread_time() - began_cpu)
            with lock:
                latencies.extend(mine)
                cpu.extend(mine_cpu)
                totals.append(results.total)
            db.session.remove()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, cpu, max(totals)


def _process(
    instance: str, args: tuple[Any, ...], together: Any, results: Any
) -> None:  # pragma: no cover (a child process)
    from fivec import create_app

    app = create_app({"instance_path": Path(instance)})
    results.put(run_queries(app, *args, together=together))


def run_in_processes(
    instance: Path, processes: int, viewer_id: int, query: str, order: str, threads: int,
    per_thread: int,
) -> tuple[list[float], list[float], int]:  # fmt: skip
    """Run ``threads`` connections spread over ``processes`` processes (like gunicorn -w)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    together, results = context.Barrier(processes), context.Queue()
    args = (viewer_id, query, order, threads // processes, per_thread)
    pool = [
        context.Process(target=_process, args=(str(instance), args, together, results))
        for _ in range(processes)
    ]
    for process in pool:
        process.start()
    parts = [results.get() for _ in pool]
    for process in pool:
        process.join()
    latencies = [value for part in parts for value in part[0]]
    cpu = [value for part in parts for value in part[1]]
    return latencies, cpu, max(part[2] for part in parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=40)
    parser.add_argument("--instance", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="reuse a seeded --instance")
    parser.add_argument("--skip-rebuild", action="store_true", help="keep its index too")
    parser.add_argument("--only", default="", help="query kinds to run, separated by ;")
    parser.add_argument(
        "--processes", type=int, default=1, help="spread the threads over this many processes"
    )
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
        common, second, third = pick_words(searcher().reader())
        rare = add_rare_word(db, index_posts)
        after, before = quarter_days(db)
        viewer_id = db.session.scalar(select(User.id).where(User.email == seed.LOGIN_EMAIL))
        db.session.commit()
    cases = [
        ("common word", common, "relevance"),
        ("common word, newest", common, "newest"),
        ("rare word", rare, "relevance"),
        ("two words", f"{common} {rare}", "relevance"),
        ("two common words", f"{common} {second}", "relevance"),
        ("three common words", f"{common} {second} {third}", "relevance"),
        ("phrase", '"run chart"', "relevance"),
        ("OR of two common words", f"{common} OR {second}", "relevance"),
        ("after: newest quarter", f"{common} after:{after}", "relevance"),
        ("after:, newest", f"{common} after:{after}", "newest"),
        ("before: oldest quarter", f"{common} before:{before}", "relevance"),
        ("before:, newest", f"{common} before:{before}", "newest"),
    ]
    print(
        f"{args.threads} threads in {args.processes} process(es) x {args.per_thread} searches "
        f"each, viewer #{viewer_id}"
    )
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"{'query':<22} {'text':<24} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'cpu p50':>8} {'cpu p95':>8}"
    )
    for label, text, order in cases:
        if args.only and label not in args.only.split(";"):
            continue
        if args.processes > 1:
            latencies, cpu, total = run_in_processes(
                instance.resolve(), args.processes, viewer_id, text, order, args.threads,
                args.per_thread,
            )  # fmt: skip
        else:
            latencies, cpu, total = run_queries(
                app, viewer_id, text, order, args.threads, args.per_thread
            )
        ms, cpu_ms = [value * 1000 for value in latencies], [value * 1000 for value in cpu]
        print(
            f"{label:<22} {text[:24]:<24} {total:>7,} {statistics.median(ms):>8.1f} "
            f"{percentile(ms, 0.95):>8.1f} {max(ms):>8.1f} {statistics.median(cpu_ms):>8.1f} "
            f"{percentile(cpu_ms, 0.95):>8.1f}"
        )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    import seed  # noqa: F401  (perf/seed.py, for LOGIN_EMAIL)

    sys.exit(main())
