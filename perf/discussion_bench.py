"""Time posting a reply and its live delivery, against the production server on 127.0.0.1.

    .venv/bin/python perf/discussion_bench.py reply [--clients 8] [--duration 20]
    .venv/bin/python perf/discussion_bench.py live  [--sockets 200] [--replies 30]

Both start gunicorn as documented in docs/performance.md, with FIVEC_INSTANCE_PATH on a
scratch copy (``perf/results/discussion-work``) of a seeded instance
(``perf/results/discussion-instance``, made with ``perf/seed.py`` and given a search
index with ``flask search rebuild`` when missing), so the posts written here never change
the instance other benchmarks read.

``reply``: N logged-in members (one session each, logged in over HTTP with the CSRF token
from ``<meta name="csrf-token">``), each posting back to back to a few threads of its own
(several threads, so SQLite's single write lock sees realistic contention): every POST
``/threads/<id>/replies`` has a fresh ``client_token``, half answer an existing post
(``parent_id``). The redirect is not followed (``--follow`` also times the GET it points
to). Server default: ``-w 2 --threads 8``.

``live``: S Socket.IO clients (python-socketio ``AsyncClient``, WebSocket transport only,
one asyncio loop) with the session cookies of ~15 logged-in members, all joined to one
thread's room; then R replies are posted one by one. Delivery latency = time the client
receives ``post_created`` for that post id minus the time just before the POST was sent.
Server default: ``-w 1 --threads 256``: one worker because an emit in one worker only
reaches its own sockets without a Redis message queue, and enough gthread threads for one
per open WebSocket plus the HTTP requests.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio

PERF_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(PERF_DIR))
from run import (  # noqa: E402  (perf/run.py: the shared server helpers)
    free_port,
    server_command,
    server_cpu_seconds,
    stop_server,
)

ROOT = PERF_DIR.parent
RESULTS = PERF_DIR / "results"
SEED_INSTANCE = RESULTS / "discussion-instance"
WORK_INSTANCE = RESULTS / "discussion-work"
MANIFEST = "perf-seed.json"
HOST = "127.0.0.1"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
AGREE = re.compile(r'name="agree_guidelines" value="([^"]+)"')
POST_ID = re.compile(r'<article id="p(\d+)"')
LOCATION_POST = re.compile(r"#p(\d+)$")

REPLY_P95_TARGET_MS = 100.0
DELIVERY_P95_TARGET_MS = 250.0

SENTENCES = [
    "We tried the **NEWS2** escalation prompt on two wards; the run chart shifted in week six.",
    "Has anyone linked their sepsis audit to the electronic observations system?",
    "Our PDSA cycle on safety huddles stalled when the night shift was not involved.",
    "The funnel plot shows we are within the 95% limits but drifting upwards.",
    "What did you use as the denominator: *occupied bed days* or admissions?",
    "Bay nursing reduced unwitnessed falls but needed an extra assistant at night.",
    "Data quality was the biggest barrier: half of the timestamps were retrospective.",
    "I would start with a small test on one ward rather than a trust-wide launch.",
    "See the [driver diagram](https://example.org/driver-diagram) we used for falls.",
]


# --- instance and server -----------------------------------------------------------------------


def head_revision() -> str:
    """The newest migration's revision id (the file names start with it)."""
    names = sorted(p.stem for p in (ROOT / "migrations" / "versions").glob("[0-9]*.py"))
    return names[-1]


def prepare_instance(seed_dir: Path, reseed: bool) -> dict[str, Any]:
    """Seed (if needed) and index ``seed_dir``, then copy it to the scratch instance."""
    manifest_file = seed_dir / MANIFEST
    stale = (
        not manifest_file.exists()
        or json.loads(manifest_file.read_text()).get("alembic_revision") != head_revision()
    )
    if reseed or stale:
        subprocess.run(
            [sys.executable, str(PERF_DIR / "seed.py"), str(seed_dir), "--force"], check=True
        )
    if not (seed_dir / "search-index").exists():
        print("building the search index of the seeded posts (once)", flush=True)
        subprocess.run(search_command("rebuild"), env=_instance_env(seed_dir), check=True)
    if WORK_INSTANCE.exists():
        shutil.rmtree(WORK_INSTANCE)
    shutil.copytree(seed_dir, WORK_INSTANCE, symlinks=True)
    return json.loads(manifest_file.read_text())  # type: ignore[no-any-return]


def search_command(action: str) -> list[str]:
    """The ``flask --app fivec search <action>`` command, run with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "fivec", "search", action]


def _instance_env(instance: Path) -> dict[str, str]:
    return {**os.environ, "FIVEC_INSTANCE_PATH": str(instance)}


def _env(port: int, search_worker: str) -> dict[str, str]:
    return {
        **_instance_env(WORK_INSTANCE),
        "FIVEC_BASE_URL": f"http://{HOST}:{port}",
        "FIVEC_SEARCH_WORKER": search_worker,
    }


def start_index_worker(port: int, search_worker: str) -> subprocess.Popen[bytes] | None:
    """Start ``flask search worker`` (the production set-up) when the mode is "process"."""
    if search_worker != "process":
        return None
    command = search_command("worker")
    print(f"$ FIVEC_SEARCH_WORKER=process {' '.join(command[2:])}", flush=True)
    log = (RESULTS / "discussion-server.log").open("ab")
    return subprocess.Popen(
        command,
        env=_env(port, search_worker),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def index_worker_cpu_seconds(process: subprocess.Popen[bytes] | None) -> float:
    """CPU of the ``search worker`` process (0 when the web processes index themselves)."""
    return server_cpu_seconds(process.pid) if process is not None else 0.0


def start_server(
    port: int, workers: int, threads: int, search_worker: str
) -> subprocess.Popen[bytes]:
    env = _env(port, search_worker)
    command = server_command(port, workers, threads)
    print(
        f"$ FIVEC_INSTANCE_PATH={WORK_INSTANCE} "
        + " ".join(c if "(" not in c else f"'{c}'" for c in command),
        flush=True,
    )
    log = (RESULTS / "discussion-server.log").open("ab")
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    print(f"  (FIVEC_SEARCH_WORKER={search_worker})", flush=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see {log.name}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit("the server did not answer /healthz within 30 s")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, for 'other CPU' during a run."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the data: who posts where -----------------------------------------------------------------


@dataclass
class Poster:
    user_id: int
    email: str
    thread_ids: list[int]


def pick_posters(count: int, threads_each: int, rng: random.Random) -> list[Poster]:
    """Members with an active membership, each with threads of one of their groups.

    One group per member keeps the guidelines prompt simple (agreed once, on the first
    post); every member gets different threads.
    """
    with sqlite3.connect(f"file:{WORK_INSTANCE / 'fivec.sqlite3'}?mode=ro", uri=True) as conn:
        candidates = conn.execute(
            "SELECT u.id, u.email, m.group_id FROM users u JOIN group_memberships m "
            "ON m.user_id = u.id AND m.status = 'active' JOIN groups g ON g.id = m.group_id "
            "WHERE u.id > 1 AND g.status = 'active' ORDER BY u.id"
        ).fetchall()
        rng.shuffle(candidates)
        posters: list[Poster] = []
        used_users: set[int] = set()
        used_threads: set[int] = set()
        for user_id, email, group_id in candidates:
            if user_id in used_users:
                continue
            rows = conn.execute(
                "SELECT id FROM threads WHERE group_id = ? AND status = 'published' "
                "AND NOT is_locked AND reply_count BETWEEN 3 AND 60 ORDER BY id",
                (group_id,),
            ).fetchall()
            free = [r[0] for r in rows if r[0] not in used_threads]
            if len(free) < threads_each:
                continue
            chosen = rng.sample(free, threads_each)
            used_users.add(user_id)
            used_threads.update(chosen)
            posters.append(Poster(user_id, email, chosen))
            if len(posters) == count:
                return posters
    raise SystemExit(f"found only {len(posters)} members with {threads_each} threads each")


def other_members(count: int, exclude: set[int]) -> list[str]:
    with sqlite3.connect(f"file:{WORK_INSTANCE / 'fivec.sqlite3'}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id, email FROM users ORDER BY id LIMIT ?", (count + 50,))
        return [email for user_id, email in rows if user_id not in exclude][:count]


def reply_body(rng: random.Random) -> str:
    paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(2)]
    if rng.random() < 0.3:
        paragraphs.append("\n".join(f"- {s}" for s in rng.sample(SENTENCES, 3)))
    return "\n\n".join(paragraphs)


# --- HTTP --------------------------------------------------------------------------------------


def new_session() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies for an IP address host (127.0.0.1).
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        connector=aiohttp.TCPConnector(limit=4),
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def log_in(session: aiohttp.ClientSession, base: str, email: str, password: str) -> None:
    async with session.get(base + "/login") as reply:
        page = await reply.text()
    # Anonymous pages carry no <meta name="csrf-token">: use the form's hidden field.
    match = CSRF_META.search(page) or CSRF_INPUT.search(page)
    if not match:
        raise SystemExit("no CSRF token on /login")
    form = {"csrf_token": html.unescape(match.group(1)), "email": email, "password": password}
    async with session.post(base + "/login", data=form, allow_redirects=False) as reply:
        where = reply.headers.get("Location", "")
        if reply.status != 302 or "/login" in where:
            raise SystemExit(f"logging in as {email} failed ({reply.status})")


def cookie_header(session: aiohttp.ClientSession) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in session.cookie_jar)


@dataclass
class ThreadState:
    thread_id: int
    csrf: str
    agree: str
    post_ids: list[int]


async def open_thread(session: aiohttp.ClientSession, base: str, thread_id: int) -> ThreadState:
    async with session.get(f"{base}/threads/{thread_id}") as reply:
        page = await reply.text()
        if reply.status != 200:
            raise SystemExit(f"/threads/{thread_id} answered {reply.status}")
    csrf = CSRF_META.search(page)
    if not csrf:
        raise SystemExit(f'no <meta name="csrf-token"> on /threads/{thread_id}')
    agree = AGREE.search(page)
    return ThreadState(
        thread_id,
        html.unescape(csrf.group(1)),
        agree.group(1) if agree else "",
        [int(p) for p in POST_ID.findall(page)],
    )


@dataclass
class Posted:
    status: int
    post_id: int | None
    location: str
    started: float
    finished: float
    follow_ms: float | None = None
    retries: int = 0


async def post_reply(
    session: aiohttp.ClientSession,
    base: str,
    state: ThreadState,
    rng: random.Random,
    *,
    parent_share: float = 0.5,
    follow: bool = False,
) -> Posted:
    form = {
        "csrf_token": state.csrf,
        "body": reply_body(rng),
        "client_token": secrets.token_urlsafe(24),
        "parent_id": str(rng.choice(state.post_ids))
        if state.post_ids and rng.random() < parent_share
        else "",
        "agree_guidelines": state.agree,
    }
    retries = 0
    while True:
        started = time.perf_counter()
        try:
            async with session.post(
                f"{base}/threads/{state.thread_id}/replies", data=form, allow_redirects=False
            ) as reply:
                body = await reply.read()
                finished = time.perf_counter()
                location = reply.headers.get("Location", "")
            break
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            # gunicorn closed an idle keep-alive connection as we reused it; resending is
            # safe because the client_token makes the POST idempotent.
            retries += 1
            if retries > 2:
                raise
    match = LOCATION_POST.search(location)
    result = Posted(
        reply.status, int(match.group(1)) if match else None, location, started, finished
    )
    result.retries = retries
    if reply.status == 400:
        errors = re.findall(
            r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', body.decode("utf-8", "replace")
        )
        result.location = "; ".join(e.strip() for e in errors[:3])
    if result.post_id is not None:
        state.post_ids.append(result.post_id)
        if follow:
            async with session.get(base + location.split("#")[0]) as page:
                await page.read()
            result.follow_ms = (time.perf_counter() - finished) * 1000
    return result


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {
        "n": len(ordered),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def fmt(stats: dict[str, float]) -> str:
    if not stats:
        return "no samples"
    return (
        f"n={int(stats['n']):,}  p50 {stats['p50']:.1f} ms  p95 {stats['p95']:.1f} ms  "
        f"p99 {stats['p99']:.1f} ms  max {stats['max']:.1f} ms"
    )


# --- 1. posting replies ------------------------------------------------------------------------


async def reply_bench(args: argparse.Namespace, base: str, password: str, server_pid: int) -> dict:
    rng = random.Random(args.seed)
    posters = pick_posters(args.clients, args.threads_each, rng)
    sessions = [new_session() for _ in posters]
    try:
        states: list[list[ThreadState]] = []
        for session, poster in zip(sessions, posters, strict=True):
            await log_in(session, base, poster.email, password)
            # Warm-up, not timed: open each thread and post once (the first post also
            # agrees to the guidelines, which are asked for once per member and group).
            mine = []
            for thread_id in poster.thread_ids:
                state = await open_thread(session, base, thread_id)
                first = await post_reply(session, base, state, rng)
                if first.post_id is None:
                    raise SystemExit(f"warm-up reply failed: {first.status} {first.location}")
                state.agree = ""
                mine.append(state)
            states.append(mine)
        print(
            f"{len(posters)} members logged in, {sum(len(s) for s in states)} threads "
            f"(ids {sorted(s.thread_id for m in states for s in m)}); posting for "
            f"{args.duration:g} s",
            flush=True,
        )
        results: list[Posted] = []
        stop_at = time.perf_counter() + args.duration

        async def client(index: int) -> None:
            local = random.Random(args.seed * 1000 + index)
            turn = 0
            while time.perf_counter() < stop_at:
                state = states[index][turn % len(states[index])]
                turn += 1
                results.append(
                    await post_reply(sessions[index], base, state, local, follow=args.follow)
                )

        cpu_before, own_before = server_cpu_seconds(server_pid), own_cpu_seconds()
        index_before = index_worker_cpu_seconds(args.index_worker)
        busy0, total0 = machine_cpu()
        wall0 = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(len(posters))))
        wall = time.perf_counter() - wall0
        busy1, total1 = machine_cpu()
        server_cpu = server_cpu_seconds(server_pid) - cpu_before
        index_cpu = index_worker_cpu_seconds(args.index_worker) - index_before
        client_cpu = own_cpu_seconds() - own_before
    finally:
        for session in sessions:
            await session.close()

    ok = [r for r in results if r.post_id is not None]
    statuses = Counter(r.status for r in results)
    failures = Counter(f"{r.status} {r.location}" for r in results if r.post_id is None)
    latency = percentiles([(r.finished - r.started) * 1000 for r in ok])
    machine_share = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
    cores = os.cpu_count() or 1
    report = {
        "kind": "reply",
        "clients": len(posters),
        "threads": sum(len(s) for s in states),
        "seconds": round(wall, 2),
        "replies": len(ok),
        "replies_per_s": round(len(ok) / wall, 1),
        "statuses": dict(statuses),
        "keepalive_retries": sum(r.retries for r in results),
        "failures": dict(failures.most_common(5)),
        "post_ms": latency,
        "follow_ms": percentiles([r.follow_ms for r in ok if r.follow_ms is not None]),
        "server_cpu_ms_per_reply": round(server_cpu * 1000 / max(1, len(ok)), 2),
        "search_worker": args.search_worker,
        "index_worker_cpu_ms_per_reply": round(index_cpu * 1000 / max(1, len(ok)), 2),
        "server_cpu_share": round(server_cpu / wall / cores, 3),
        "client_cpu_share": round(client_cpu / wall / cores, 3),
        "machine_busy_share": round(machine_share, 3),
        "target_p95_ms": REPLY_P95_TARGET_MS,
    }
    print(f"POST /threads/<id>/replies: {fmt(latency)}")
    if args.follow:
        print(f"GET of the redirect:        {fmt(report['follow_ms'])}")
    print(
        f"{report['replies_per_s']} replies/s; statuses {dict(statuses)}; server CPU "
        f"{report['server_cpu_ms_per_reply']} ms/reply (+ index worker process "
        f"{report['index_worker_cpu_ms_per_reply']} ms); CPU shares of {cores} cores: server "
        f"{report['server_cpu_share']:.0%}, this client {report['client_cpu_share']:.0%}, "
        f"whole machine {machine_share:.0%}"
    )
    if failures:
        print(f"failures: {dict(failures.most_common(5))}")
    return report


# --- 2. live delivery --------------------------------------------------------------------------


@dataclass
class Listener:
    index: int
    client: socketio.AsyncClient
    received: dict[int, float] = field(default_factory=dict)


async def live_bench(args: argparse.Namespace, base: str, password: str, server_pid: int) -> dict:
    rng = random.Random(args.seed)
    poster = pick_posters(1, 1, rng)[0]
    thread_id = poster.thread_ids[0]
    emails = other_members(args.members, {poster.user_id})
    sessions = [new_session() for _ in range(len(emails) + 1)]
    listeners: list[Listener] = []
    try:
        for session, email in zip(sessions[1:], emails, strict=True):
            await log_in(session, base, email, password)
        cookies = [cookie_header(s) for s in sessions[1:]]
        await log_in(sessions[0], base, poster.email, password)
        state = await open_thread(sessions[0], base, thread_id)

        gate = asyncio.Semaphore(args.connect_concurrency)
        refused: list[str] = []

        async def attach(index: int) -> None:
            client = socketio.AsyncClient(reconnection=False)
            listener = Listener(index, client)

            @client.on("post_created")
            async def on_post(data: dict[str, Any]) -> None:
                listener.received.setdefault(int(data["post_id"]), time.perf_counter())

            async with gate:
                try:
                    # The WebSocket handshake itself has no timeout of its own: a server
                    # with no free thread never answers it.
                    await asyncio.wait_for(
                        client.connect(
                            base,
                            headers={"Cookie": cookies[index % len(cookies)]},
                            transports=["websocket"],
                            wait_timeout=args.connect_timeout,
                        ),
                        args.connect_timeout,
                    )
                    ack = await client.call(
                        "join_thread", {"thread_id": thread_id}, timeout=args.connect_timeout
                    )
                except (socketio.exceptions.SocketIOError, OSError, TimeoutError) as error:
                    refused.append(f"{type(error).__name__}: {error}")
                    await client.disconnect()
                    return
            if not (isinstance(ack, dict) and ack.get("ok")):
                refused.append(f"join_thread refused: {ack}")
                await client.disconnect()
                return
            listeners.append(listener)

        t0 = time.perf_counter()
        await asyncio.gather(*(attach(i) for i in range(args.sockets)))
        connect_s = time.perf_counter() - t0
        print(
            f"{len(listeners)}/{args.sockets} sockets joined thread:{thread_id} in "
            f"{connect_s:.1f} s with the cookies of {len(cookies)} members"
            + (f"; {len(refused)} failed, e.g. {refused[0]}" if refused else ""),
            flush=True,
        )
        if not listeners:
            raise SystemExit("no socket joined the room")
        await asyncio.sleep(1.0)

        posts: list[Posted] = []
        cpu_before, own_before = server_cpu_seconds(server_pid), own_cpu_seconds()
        index_before = index_worker_cpu_seconds(args.index_worker)
        busy0, total0 = machine_cpu()
        wall0 = time.perf_counter()
        for _ in range(args.replies):
            posts.append(await post_reply(sessions[0], base, state, rng))
            await asyncio.sleep(args.spacing)
        await asyncio.sleep(args.grace)
        wall = time.perf_counter() - wall0
        busy1, total1 = machine_cpu()
        server_cpu = server_cpu_seconds(server_pid) - cpu_before
        index_cpu = index_worker_cpu_seconds(args.index_worker) - index_before
        client_cpu = own_cpu_seconds() - own_before
    finally:
        await asyncio.gather(*(item.client.disconnect() for item in listeners))
        for session in sessions:
            await session.close()

    published = [p for p in posts if p.post_id is not None]
    from_send: list[float] = []
    after_response: list[float] = []
    missed = 0
    for post in published:
        for listener in listeners:
            seen = listener.received.get(post.post_id)  # type: ignore[arg-type]
            if seen is None:
                missed += 1
                continue
            from_send.append((seen - post.started) * 1000)
            after_response.append((seen - post.finished) * 1000)
    per_post_last = [
        max(item.received.get(p.post_id, p.started) for item in listeners)  # type: ignore[arg-type]
        - p.started
        for p in published
    ]
    # Fan-out: from the first socket to the last socket receiving the same reply.
    spread = []
    for post in published:
        seen = [t for item in listeners if (t := item.received.get(post.post_id)) is not None]  # type: ignore[arg-type]
        if seen:
            spread.append((max(seen) - min(seen)) * 1000)
    cores = os.cpu_count() or 1
    report = {
        "kind": "live",
        "sockets": len(listeners),
        "sockets_failed": len(refused),
        "members": len(cookies),
        "thread_id": thread_id,
        "replies": len(published),
        "statuses": dict(Counter(p.status for p in posts)),
        "deliveries": len(from_send),
        "missed": missed,
        "delivery_ms": percentiles(from_send),
        "after_response_ms": percentiles(after_response),
        "post_ms": percentiles([(p.finished - p.started) * 1000 for p in published]),
        "last_socket_ms": percentiles([s * 1000 for s in per_post_last]),
        "fan_out_spread_ms": percentiles(spread),
        "connect_seconds": round(connect_s, 2),
        "server_cpu_ms_per_reply": round(server_cpu * 1000 / max(1, len(published)), 2),
        "search_worker": args.search_worker,
        "index_worker_cpu_ms_per_reply": round(index_cpu * 1000 / max(1, len(published)), 2),
        "server_cpu_share": round(server_cpu / wall / cores, 3),
        "client_cpu_share": round(client_cpu / wall / cores, 3),
        "machine_busy_share": round((busy1 - busy0) / (total1 - total0), 3),
        "target_p95_ms": DELIVERY_P95_TARGET_MS,
    }
    print(f"POST (the {len(published)} replies):      {fmt(report['post_ms'])}")
    print(f"delivery from the POST's send:  {fmt(report['delivery_ms'])}")
    print(f"delivery after the POST answer: {fmt(report['after_response_ms'])}")
    print(f"last of the sockets, per reply: {fmt(report['last_socket_ms'])}")
    print(f"first to last socket, per reply: {fmt(report['fan_out_spread_ms'])}")
    print(
        f"missed {missed} of {len(published) * len(listeners)}; server CPU "
        f"{report['server_cpu_ms_per_reply']} ms/reply (incl. 200 sockets' pings); CPU shares "
        f"of {cores} cores: server {report['server_cpu_share']:.0%}, this client "
        f"{report['client_cpu_share']:.0%}, whole machine {report['machine_busy_share']:.0%}"
    )
    return report


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("reply", "live"):
        command = sub.add_parser(name)
        command.add_argument("--instance", type=Path, default=SEED_INSTANCE)
        command.add_argument("--reseed", action="store_true")
        command.add_argument("--seed", type=int, default=7, help="random seed")
        command.add_argument("--workers", type=int, default=2 if name == "reply" else 1)
        command.add_argument("--server-threads", type=int, default=8 if name == "reply" else 256)
        command.add_argument(
            "--search-worker",
            choices=["process", "thread"],
            default="process",
            help="who applies search-index updates (FIVEC_SEARCH_WORKER; process = production)",
        )
    reply = sub.choices["reply"]
    reply.add_argument("--clients", type=int, default=8)
    reply.add_argument("--threads-each", type=int, default=2, help="threads per client")
    reply.add_argument("--duration", type=float, default=20.0)
    reply.add_argument("--follow", action="store_true", help="also GET the redirect target")
    live = sub.choices["live"]
    live.add_argument("--sockets", type=int, default=200)
    live.add_argument("--members", type=int, default=15, help="logins shared by the sockets")
    live.add_argument("--replies", type=int, default=30)
    live.add_argument("--spacing", type=float, default=0.5, help="seconds between replies")
    live.add_argument("--grace", type=float, default=3.0, help="wait after the last reply")
    live.add_argument("--connect-concurrency", type=int, default=20)
    live.add_argument("--connect-timeout", type=float, default=15.0)
    return parser.parse_args(argv)


def wait_for_index_queue(timeout: float = 60.0) -> float | None:
    """Wait until the index worker has applied every queued update; return how long that
    took after the load stopped (None: still waiting at ``timeout``)."""
    started = time.perf_counter()
    database = WORK_INSTANCE / "fivec.sqlite3"
    while time.perf_counter() - started < timeout:
        with sqlite3.connect(database, timeout=10) as connection:
            (waiting,) = connection.execute("SELECT count(*) FROM search_index_queue").fetchone()
        if waiting == 0:
            return round(time.perf_counter() - started, 2)
        time.sleep(0.2)
    return None


def search_check() -> dict[str, Any]:
    """Run ``flask search check`` on the instance the bench posted into: after a load of
    concurrent posting, the index must hold exactly what the database holds (issue 5)."""
    started = time.perf_counter()
    result = subprocess.run(
        search_command("check"),
        env=_instance_env(WORK_INSTANCE),
        capture_output=True,
        text=True,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    print(f"search check (exit {result.returncode}):\n{output}", flush=True)
    return {
        "exit_code": result.returncode,
        "output": output,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A SIGTERM (e.g. from `timeout`) unwinds through the finally that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    manifest = prepare_instance(args.instance.resolve(), args.reseed)
    port = free_port()
    server = start_server(port, args.workers, args.server_threads, args.search_worker)
    args.index_worker = start_index_worker(port, args.search_worker)
    base = f"http://{HOST}:{port}"
    try:
        bench = reply_bench if args.command == "reply" else live_bench
        report = asyncio.run(bench(args, base, manifest["password"], server.pid))
        if args.command == "reply":
            report["index_queue_drained_s"] = wait_for_index_queue()
    finally:
        stop_server(server)
        if args.index_worker is not None:
            stop_server(args.index_worker)
    if args.command == "reply":
        report["search_check"] = search_check()
    report.update(
        server=f"gunicorn -w {args.workers} --threads {args.server_threads}",
        machine=f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
        load_average=os.getloadavg(),
        at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    out = RESULTS / f"discussion-{args.command}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
