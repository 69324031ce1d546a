"""Build and deliver every weekly digest to a real SMTP server on loopback; time and memory.

    .venv/bin/python perf/digest_bench.py [--members 10000] [--posts 100000] [--reuse]
        [--connections 8]

Seeds a network with ``perf/seed.py`` (10,000 members, 100,000 posts by default) into
``perf/results/digest-instance``, starts aiosmtpd in a separate process (so the server's
work and memory are not counted), then runs ``send_digests`` for one ISO week with SMTP on
and reports elapsed time and resident memory after 2,000, 5,000 and 10,000 members. Flat
memory means the batch loop keeps nothing per member. ``--reuse`` keeps an existing seed
(re-seeded anyway when its member count differs); ``--connections`` sets how many SMTP
sessions send in parallel (``DIGEST_SMTP_CONNECTIONS``; default: the app's default).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

PERF_DIR = Path(__file__).resolve().parent
INSTANCE = PERF_DIR / "results" / "digest-instance"
CHECKPOINTS = (2_000, 5_000, 10_000)


def _smtp_server(port: int, received: Any, ready: Any) -> None:
    """Run aiosmtpd, counting messages without keeping them."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _cpu_seconds(pid: int | None) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _seeded_members() -> int:
    """Return how many members the seeded instance has (0 when there is none)."""
    import sqlite3

    path = INSTANCE / "fivec.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM users").fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing seeded instance")
    parser.add_argument("--connections", type=int, help="parallel SMTP sessions")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(PERF_DIR))
    from seed import NOW, parse_args, seed

    if not (args.reuse and _seeded_members() == args.members):
        seed_args = [str(INSTANCE), "--force", "--members", str(args.members)]
        seed(parse_args([*seed_args, "--posts", str(args.posts)]))

    from sqlalchemy import delete, func, select

    from fivec import create_app
    from fivec.digests.periods import Period
    from fivec.digests.send import send_digests
    from fivec.extensions import db
    from fivec.models import DigestDelivery, OutboxMessage, Thread, User

    port = free_port()
    received = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_smtp_server, args=(port, received, ready), daemon=True)
    server.start()
    ready.wait(10)

    period = Period.week_of(NOW - timedelta(days=3))
    config: dict[str, Any] = {
        "instance_path": INSTANCE,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
    }
    if args.connections:
        config["DIGEST_SMTP_CONNECTIONS"] = args.connections
    app = create_app(config)
    rows: list[tuple[int, float, float]] = []
    with app.app_context():
        db.session.execute(delete(DigestDelivery))  # a re-run measures a full send again
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        members = db.session.scalar(select(func.count(User.id))) or 0
        threads = db.session.scalar(
            select(func.count(Thread.id)).where(
                Thread.created_at >= period.start, Thread.created_at < period.end
            )
        )
        print(f"Sending {period.key} digests to {members:,} members ({threads} new threads)…")
        done = 0
        started = time.perf_counter()
        baseline = _rss_mb()

        def progress(step: int) -> None:
            nonlocal done
            done += step
            if done in CHECKPOINTS or done == members:
                rows.append((done, time.perf_counter() - started, _rss_mb()))
                print(f"  {done:>6,} members  {rows[-1][1]:6.1f} s  RSS {rows[-1][2]:6.1f} MB")

        cpu_before = _cpu_seconds(None)
        summary = send_digests(period, progress=progress)
        elapsed = time.perf_counter() - started
        send_cpu = _cpu_seconds(None) - cpu_before
        deadline = time.monotonic() + 10
        while received.value < summary.sent and time.monotonic() < deadline:
            time.sleep(0.05)
    server_cpu = _cpu_seconds(server.pid)
    server.terminate()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    print(
        f"Done in {elapsed:.1f} s: sent {summary.sent:,} (server received {received.value:,}), "
        f"skipped empty {summary.skipped_empty:,}, failed {len(summary.failed)}"
    )
    print(f"RSS before sending {baseline:.1f} MB; peak RSS of the process {peak:.1f} MB")
    print(f"CPU: sender process {send_cpu:.1f} s, SMTP server process {server_cpu:.1f} s")
    print("| members | elapsed (s) | RSS (MB) |\n|---:|---:|---:|")
    for count, seconds, rss in rows:
        print(f"| {count:,} | {seconds:.1f} | {rss:.1f} |")
    return 0 if not summary.failed else 1


if __name__ == "__main__":
    sys.exit(main())
