"""Load-test FiveC's production server on 127.0.0.1 and report req/s and p50/p95/p99.

    .venv/bin/python perf/run.py [--duration 10] [--connections 16,32] [--reseed] ...

1. Seeds ``perf/results/instance`` with ``perf/seed.py`` when it is missing (or --reseed).
2. Starts the production server as a subprocess, exactly as docs/performance.md documents:
       gunicorn -w 2 --threads 8 -b 127.0.0.1:<port> 'fivec:create_app()'
   with FIVEC_INSTANCE_PATH pointing at the seeded instance.
3. Logs in over HTTP as a seeded member (CSRF token from the login form).
4. Drives each page for a bounded time from a second process: wrk (with perf/report.lua
   for p95) when installed, else a small asyncio HTTP/1.1 client. /healthz, the
   hello-world endpoint served by the same server, is measured in the same run.
5. Prints a markdown table and writes it to perf/results/latest.md (raw numbers in
   perf/results/latest.json).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

PERF_DIR = Path(__file__).resolve().parent
RESULTS = PERF_DIR / "results"
DEFAULT_INSTANCE = RESULTS / "instance"
MANIFEST = "perf-seed.json"
HOST = "127.0.0.1"
HELLO = "hello world (/healthz)"
# Every request of a load test, the log-in included, says it comes from the same browser.
# Flask-Login fingerprints a session by address and user agent: a load generator sending
# another agent than the log-in marks the session "not fresh" on every request, and the
# server then writes a new session cookie each time, which no real browser would cause.
USER_AGENT = "FiveC-perf/1 (load test)"

# The targets for the thread page, measured at 32 connections.
THREAD_MIN_SHARE = 0.15
THREAD_MAX_P99_MS = 100.0


@dataclass
class Endpoint:
    name: str
    path: str
    logged_in: bool = False
    cookie: str = ""  # another member's session than the load tester's (admin)


@dataclass
class Result:
    endpoint: str
    path: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    server_cpu_ms_per_req: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command(port: int, workers: int, threads: int) -> list[str]:
    """The documented production command (gthread workers: Flask-SocketIO threading mode)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "fivec:create_app()",
    ]


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FIVEC_INSTANCE_PATH": str(args.instance),
        "FIVEC_PORT": str(port),
        "FIVEC_BASE_URL": f"http://{HOST}:{port}",
    }
    log = (RESULTS / "server.log").open("ab")
    command = server_command(port, args.workers, args.server_threads)
    print(
        "$ FIVEC_INSTANCE_PATH="
        + str(args.instance)
        + " "
        + " ".join(c if " " not in c and "(" not in c else f"'{c}'" for c in command),
        flush=True,
    )
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
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
    raise SystemExit(f"the server did not answer /healthz within 30 s; see {log.name}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # our own child's process group
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- HTTP helpers ----------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(base: str, path: str, cookie: str = "", follow: bool = True) -> tuple[int, str, str]:
    """GET ``path``: status, final path and body (errors are returned, not raised)."""
    handlers: list[Any] = [] if follow else [NoRedirect()]
    opener = urllib.request.build_opener(*handlers)
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 (http only)
    try:
        with opener.open(request, timeout=30) as reply:
            final = urllib.parse.urlsplit(reply.geturl())
            final_path = final.path + (f"?{final.query}" if final.query else "")
            return reply.status, final_path, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, path, ""


def log_in(base: str, email: str, password: str) -> str:
    """Log in like a browser and return the Cookie header value for the session."""
    jar = http.cookiejar.CookieJar()
    opener = browser_opener(jar)
    with opener.open(base + "/login", timeout=30) as reply:
        page = reply.read().decode()
    # Logged-out pages carry no <meta name="csrf-token">: use the login form's hidden field.
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not match:
        raise SystemExit("no csrf_token field on /login")
    form = urllib.parse.urlencode(
        {"csrf_token": html.unescape(match.group(1)), "email": email, "password": password}
    ).encode()
    post = urllib.request.Request(base + "/login", data=form)  # noqa: S310 (http only)
    with opener.open(post, timeout=30) as reply:
        landed = urllib.parse.urlsplit(reply.geturl()).path
    if landed == "/login":
        raise SystemExit(f"logging in as {email} failed (still on /login)")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    status, final, _ = fetch(base, "/members", cookie)
    if status != 200 or not final.startswith("/members"):
        raise SystemExit(f"logged in, but /members answered {status} at {final}")
    return cookie


def browser_opener(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    """A urllib opener that keeps cookies and sends the load test's ``USER_AGENT``."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    return opener


# --- load generators ---------------------------------------------------------------------------


def run_wrk(
    url: str, cookie: str, connections: int, seconds: float, threads: int
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(PERF_DIR / "report.lua"),
    ]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    line = next((ln for ln in output.splitlines() if ln.startswith("PERF_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no PERF_JSON line:\n{output}")
    data = json.loads(line.removeprefix("PERF_JSON "))
    errors = data["errors"]
    return {
        "requests": data["requests"],
        "seconds": data["duration_us"] / 1e6,
        "latencies_ms": {k: v / 1000 for k, v in data["latency_us"].items()},
        "errors": sum(errors.values()),
        "error_detail": errors,
    }


async def _python_client(
    port: int, path: str, cookie: str, connections: int, seconds: float
) -> dict[str, Any]:
    """A minimal keep-alive HTTP/1.1 load generator (used only when wrk is missing)."""
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
    if cookie:
        request += f"Cookie: {cookie}\r\n"
    payload = (request + "\r\n").encode()
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = int(head.split(" ", 2)[1])
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:] if line)
        }
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers.get("connection", "").lower() == "close"

    async def worker() -> None:
        nonlocal errors
        writer = None
        while time.perf_counter() < stop_at:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, port)
                started = time.perf_counter()
                writer.write(payload)
                status, close = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status >= 400:
                    errors += 1
                if close:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer = None
        if writer is not None:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "latencies_ms": {
            "p50": pct(50),
            "p75": pct(75),
            "p90": pct(90),
            "p95": pct(95),
            "p99": pct(99),
            "max": ordered[-1] * 1000,
            "mean": statistics.fmean(ordered) * 1000,
        },
        "errors": errors,
        "error_detail": {},
    }


def cpu_jiffies() -> tuple[int, int, int]:
    """Machine-wide (total, busy, steal) CPU jiffies from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0, 0
    total = sum(values[:8])
    idle = values[3] + values[4]  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    return total, total - idle - steal, steal


def wait_for_quiet(max_wait: float, busy_limit: float = 0.25) -> float:
    """Wait (at most ``max_wait`` s) until other jobs leave the CPUs mostly idle; the
    server is idle between measurements, so busy time now is someone else's. Returns the
    busy share seen last."""
    deadline = time.monotonic() + max_wait
    while True:
        before = cpu_jiffies()
        time.sleep(0.5)
        total, busy, _ = (b - a for a, b in zip(before, cpu_jiffies(), strict=True))
        share = busy / total if total else 0.0
        if share <= busy_limit or time.monotonic() >= deadline:
            return share


def measure(
    args: argparse.Namespace,
    port: int,
    master_pid: int,
    endpoint: Endpoint,
    cookie: str,
    connections: int,
    warmup: float,
) -> Result:
    cookie = (endpoint.cookie or cookie) if endpoint.logged_in else ""
    url = f"http://{HOST}:{port}{endpoint.path}"

    def drive(seconds: float) -> dict[str, Any]:
        if args.client == "wrk":
            return run_wrk(url, cookie, connections, seconds, args.wrk_threads)
        return asyncio.run(_python_client(port, endpoint.path, cookie, connections, seconds))

    if warmup > 0:
        drive(warmup)
    idle_busy = wait_for_quiet(args.settle) if args.settle > 0 else 0.0
    cpu_before = server_cpu_seconds(master_pid)
    jiffies_before = cpu_jiffies()
    raw = drive(args.duration)
    cpu = server_cpu_seconds(master_pid) - cpu_before
    total, busy, steal = (b - a for a, b in zip(jiffies_before, cpu_jiffies(), strict=True))
    ticks = os.sysconf("SC_CLK_TCK")
    # Share of all cores: the server's, everything else's (wrk, other jobs) and steal.
    server_share = cpu * ticks / total if total else 0.0
    other_share = max(busy / total - server_share, 0.0) if total else 0.0
    lat = raw["latencies_ms"]
    result = Result(
        endpoint=endpoint.name,
        path=endpoint.path,
        connections=connections,
        requests=raw["requests"],
        seconds=round(raw["seconds"], 2),
        rps=round(raw["requests"] / raw["seconds"], 1) if raw["seconds"] else 0.0,
        p50_ms=round(lat["p50"], 2),
        p95_ms=round(lat["p95"], 2),
        p99_ms=round(lat["p99"], 2),
        max_ms=round(lat["max"], 2),
        errors=raw["errors"],
        server_cpu_ms_per_req=round(cpu * 1000 / raw["requests"], 2) if raw["requests"] else None,
        extra={
            "error_detail": raw["error_detail"],
            "mean_ms": round(lat["mean"], 2),
            "server_cpu_share": round(server_share, 3),
            "other_cpu_share": round(other_share, 3),
            "steal_share": round(steal / total, 3) if total else 0.0,
            "busy_before_share": round(idle_busy, 3),
        },
    )
    print(
        f"  c={connections:<3} {endpoint.name:<34} {result.rps:>8.1f} req/s  "
        f"p50 {result.p50_ms:7.1f}  p95 {result.p95_ms:7.1f}  p99 {result.p99_ms:7.1f} ms  "
        f"errors {result.errors}  cpu: server {server_share:.0%} other {other_share:.0%}",
        flush=True,
    )
    return result


def pick_medians(runs: list[Result]) -> list[Result]:
    """Per page and concurrency, keep the run with the median req/s (keeping its latencies
    together, not mixing percentiles from different runs); note every run's req/s."""
    groups: dict[tuple[str, int], list[Result]] = {}
    for run in runs:
        groups.setdefault((run.endpoint, run.connections), []).append(run)
    chosen = []
    for group in groups.values():
        ordered = sorted(group, key=lambda r: r.rps)
        median = ordered[(len(ordered) - 1) // 2]
        median.extra["rps_runs"] = [r.rps for r in group]
        chosen.append(median)
    return chosen


# --- report ------------------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine_info(client: str) -> dict[str, str]:
    cpu = "?"
    memory = "?"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    wrk_version = "?"
    if client == "wrk":
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        wrk_version = (out.stdout or out.stderr).split("[")[0].strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": ", ".join(
            f"{p} {_version(p)}" for p in ("gunicorn", "Flask", "SQLAlchemy", "Jinja2")
        ),
        "load generator": wrk_version if client == "wrk" else "asyncio fallback (perf/run.py)",
    }


def render(
    results: list[Result],
    info: dict[str, str],
    manifest: dict[str, Any],
    args: argparse.Namespace,
    skipped: dict[str, str],
    command: str,
) -> str:
    lines = [
        "# FiveC load test: latest run",
        "",
        f"- Server: `{command}` (FIVEC_INSTANCE_PATH = the seeded instance)",
        f"- Load: {info['load generator']}, {args.duration:g} s per page and run, "
        f"{args.repeat} rounds over all pages (the median run by req/s is shown), "
        f"{args.warmup:g} s warm-up per page in round 1, {args.wrk_threads} client threads, "
        "keep-alive, from a second process on 127.0.0.1",
    ]
    labels = {"cpu": "CPU", "os": "OS"}
    lines += [
        f"- {labels.get(key, key.capitalize())}: {value}"
        for key, value in info.items()
        if key != "load generator"
    ]
    counts = manifest.get("counts", {})
    lines.append(
        "- Data: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + (
            f"; SQLite file {manifest.get('db_megabytes')} MB"
            if manifest.get("db_megabytes")
            else ""
        )
    )
    for name, reason in skipped.items():
        lines.append(f"- Not measured: {name}: {reason}")
    lines.append(
        "- Columns: *server CPU ms/req* is the gunicorn processes' CPU time per response; "
        "*other CPU* is the share of all cores used by everything else during the run "
        "(wrk itself, plus any other job on the machine: high values mean a noisy run)."
    )
    for connections in args.connection_levels:
        rows = [r for r in results if r.connections == connections]
        hello = next((r for r in rows if r.endpoint == HELLO), None)
        lines += [
            "",
            f"## {connections} connections",
            "",
            "| endpoint | path | req/s | p50 ms | p95 ms | p99 ms | req/s vs hello world "
            "| req/s of all runs | server CPU ms/req | other CPU | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            share = f"{r.rps / hello.rps:.1%}" if hello and hello.rps else "n/a"
            cpu = f"{r.server_cpu_ms_per_req:.2f}" if r.server_cpu_ms_per_req is not None else "?"
            spread = " / ".join(f"{v:,.0f}" for v in r.extra.get("rps_runs", [r.rps]))
            lines.append(
                f"| {r.endpoint} | `{r.path}` | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} "
                f"| {r.p99_ms:.1f} | {share} | {spread} | {cpu} "
                f"| {r.extra.get('other_cpu_share', 0):.0%} | {r.errors} |"
            )
    target_rows = [r for r in results if r.connections == 32 and r.endpoint.startswith("thread")]
    hello32 = next((r for r in results if r.connections == 32 and r.endpoint == HELLO), None)
    if target_rows and hello32:
        lines += ["", "## Issue targets (thread pages, 32 connections)", ""]
        for r in target_rows:
            share = r.rps / hello32.rps
            ok = share >= THREAD_MIN_SHARE and r.p99_ms < THREAD_MAX_P99_MS
            lines.append(
                f"- {r.endpoint}: {share:.1%} of hello-world req/s (target ≥ "
                f"{THREAD_MIN_SHARE:.0%}), p99 {r.p99_ms:.1f} ms (target < "
                f"{THREAD_MAX_P99_MS:.0f} ms): {'met' if ok else 'NOT met'}"
            )
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, default=DEFAULT_INSTANCE)
    parser.add_argument("--reseed", action="store_true", help="seed a fresh instance first")
    parser.add_argument("--port", type=int, default=0, help="0: pick a free port")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per page and run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds, first round only")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds over all pages; the median run is reported"
    )
    parser.add_argument(
        "--connections",
        default="16,32",
        help="comma-separated concurrency levels (default: %(default)s)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=15.0,
        help="before each run, wait up to this many seconds for other jobs to go quiet",
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--server-threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--only", default="", help="comma-separated endpoint name prefixes")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.md")
    args = parser.parse_args(argv)
    args.instance = args.instance.expanduser().resolve()
    args.connection_levels = [int(c) for c in args.connections.split(",") if c.strip()]
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    return args


def migration_head() -> str | None:
    """The newest migration in the checkout (the seeded schema must match it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(PERF_DIR.parent / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    return heads[0] if len(heads) == 1 else None


def ensure_seeded(args: argparse.Namespace) -> dict[str, Any]:
    """Seed when the instance is missing, asked for, or older than the migrations."""
    manifest_file = args.instance / MANIFEST
    reason = "--reseed" if args.reseed else "" if manifest_file.exists() else "no instance yet"
    if not reason:
        seeded = json.loads(manifest_file.read_text()).get("alembic_revision")
        head = migration_head()
        if head and seeded != head:
            reason = f"seeded schema {seeded} differs from migration head {head}"
    if reason:
        print(f"Seeding the perf instance with perf/seed.py ({reason})…", flush=True)
        subprocess.run(
            [sys.executable, str(PERF_DIR / "seed.py"), str(args.instance), "--force"],
            check=True,
        )
    return json.loads(manifest_file.read_text())


def endpoints_for(
    base: str, manifest: dict[str, Any], cookie: str, skipped: dict[str, str]
) -> list[Endpoint]:
    member = log_in(base, manifest["member_email"], manifest["password"])
    pages = [
        Endpoint(HELLO, "/healthz"),
        Endpoint("home (anonymous)", "/"),
        Endpoint("login form (GET)", "/login"),
        Endpoint("directory (logged in)", "/members", logged_in=True),
        Endpoint("directory search 'sepsis'", "/members?q=sepsis", logged_in=True),
    ]
    if manifest.get("has_discussions"):
        threads = [
            (
                f"thread page ({manifest.get('typical_thread_replies', '?')} replies)",
                manifest["typical_thread_id"],
            )
        ]
        if manifest.get("big_thread_ids"):
            threads.append(
                (
                    f"thread page ({manifest['big_thread_replies']:,} replies)",
                    manifest["big_thread_ids"][0],
                )
            )
        for name, thread_id in threads:
            status, final, _ = fetch(base, f"/threads/{thread_id}", cookie)
            if status == 200:
                pages.append(Endpoint(name, final, logged_in=True))
                pages.append(Endpoint(f"{name}, member", final, logged_in=True, cookie=member))
            else:
                skipped[name] = f"GET /threads/{thread_id} answered HTTP {status} (not built yet?)"
    checked = []
    for page in pages:
        status, final, _ = fetch(
            base, page.path, (page.cookie or cookie) if page.logged_in else "", follow=False
        )
        if status != 200:
            skipped[page.name] = f"GET {page.path} answered HTTP {status}"
            continue
        checked.append(page)
    return checked


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    manifest = ensure_seeded(args)
    port = args.port or free_port()
    base = f"http://{HOST}:{port}"
    command = " ".join(
        c if " " not in c and "(" not in c else f"'{c}'"
        for c in ["gunicorn", *server_command(port, args.workers, args.server_threads)[3:]]
    )
    process = start_server(args, port)
    results: list[Result] = []
    skipped: dict[str, str] = {}
    try:
        cookie = log_in(base, manifest["login_email"], manifest["password"])
        pages = endpoints_for(base, manifest, cookie, skipped)
        if args.only:
            wanted = tuple(p.strip() for p in args.only.split(","))
            pages = [p for p in pages if p.name == HELLO or p.name.startswith(wanted)]
        print(
            f"Load: {args.client}, {args.duration:g} s per page, "
            f"connections {args.connection_levels}",
            flush=True,
        )
        for round_ in range(args.repeat):
            print(f"Round {round_ + 1} of {args.repeat}", flush=True)
            for connections in args.connection_levels:
                for page in pages:
                    warmup = args.warmup if round_ == 0 else 0.0
                    results.append(
                        measure(args, port, process.pid, page, cookie, connections, warmup)
                    )
    finally:
        stop_server(process)
    runs = results
    results = pick_medians(runs)
    info = machine_info(args.client)
    report = render(results, info, manifest, args, skipped, command)
    print()
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    args.out.with_suffix(".json").write_text(
        json.dumps(
            {
                "machine": info,
                "manifest": manifest,
                "skipped": skipped,
                "results": [asdict(r) for r in results],
                "all_runs": [asdict(r) for r in runs],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Written to {args.out} (and {args.out.with_suffix('.json').name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
