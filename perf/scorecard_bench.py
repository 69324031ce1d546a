"""Benchmark scorecards: a 100,000-row CSV import, and the scorecard page under load.

    .venv/bin/python perf/scorecard_bench.py [--reseed] [--duration 10] [--connections 8,32]
        [--skip-csv] [--skip-load] [--page-path '/scorecards/1?page=2'] [--every-organisation]

The issue's targets (docs/performance.md, "Scorecards"): 200 organisations x 20 measures x
36 months; the scorecard page with funnel and SPC at p95 < 150 ms; a 100,000-row CSV
validated and stored in < 60 s.

1. **Seed** a fresh instance folder (default ``perf/results/scorecard-instance``): run the
   migrations (``flask db upgrade``), then SQLAlchemy core ``executemany`` inserts of 200
   organisations, one group ("Sepsis and deterioration collaborative", members only) with a
   coordinator in organisation 1 (the load-test login) and a network admin, 20 measures (12
   proportions, 4 standardised ratios, 3 rates, 1 plain value, monthly) on one scorecard
   owned by the group, and 36 months of figures for every organisation and measure
   (144,000 submissions, with shifts and small organisations so SPC signals and
   suppression both show). Deterministic (random seed 6).
2. **CSV import**, on a copy of the seeded database so the page figures stay on 36 months:
   a 100,000-row file (200 organisations x 20 measures x 25 earlier months) goes through
   ``csv_import.read_csv`` with the same ``Catalogue`` the upload view builds, then
   ``submissions.save_values(..., source="csv")``: the functions the upload view calls. Then
   the same file again with every figure changed and the version column filled in (100,000
   corrections: updates plus revision rows). Then, end to end, the first file posted to
   ``/scorecards/<id>/upload`` through Flask's test client on a fresh copy.
3. **Load**: start ``gunicorn -w 2 --threads 8 'fivec:create_app()'`` as a subprocess on
   127.0.0.1 (``perf/run.py``'s helpers), log in over HTTP with the CSRF token from
   ``<meta name="csrf-token">``, then ``wrk -t2 -c<8|32> -d10s -s perf/report.lua`` on
   ``/healthz`` and the scorecard page (3 rounds; the run with the median req/s is kept).
   With ``--every-organisation``, also the page as the network admin viewing each of the
   200 organisations in turn (``?organisation=N``), at the lowest connection level: the
   worst case for what the page remembers per organisation (``benchmarks/sections.py``).

Results go to ``perf/results/scorecard.json`` and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import shutil
import sys
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PERF_DIR = Path(__file__).resolve().parent
RESULTS = PERF_DIR / "results"
DEFAULT_INSTANCE = RESULTS / "scorecard-instance"
MANIFEST = "scorecard-seed.json"
PASSWORD = "scorecard-bench-password"  # noqa: S105  (a throwaway login for the bench)
LOGIN_EMAIL = "coordinator@scorecard.bench.test"
ADMIN_EMAIL = "admin@scorecard.bench.test"
P95_TARGET_MS = 150.0
CSV_TARGET_S = 60.0

sys.path.insert(0, str(PERF_DIR))  # perf/run.py: the same server and wrk helpers

MEASURES = [
    # (name, kind, improvement, target, unit, multiplier, base value, denominator scale)
    ("Sepsis: antibiotics within one hour", "proportion", "increase", 90.0, "%", 1, 0.78, 60),
    ("Sepsis screening of emergency admissions", "proportion", "increase", 95, "%", 1, 0.88, 300),
    ("NEWS2 escalations responded to in 30 minutes", "proportion", "increase", 85, "%", 1, 0.7, 90),
    ("VTE risk assessment on admission", "proportion", "increase", 95.0, "%", 1, 0.93, 900),
    ("Hand hygiene compliance", "proportion", "increase", 98.0, "%", 1, 0.95, 200),
    ("Critical medicines given on time", "proportion", "increase", None, "%", 1, 0.9, 400),
    ("Patients with a frailty score recorded", "proportion", "increase", 80.0, "%", 1, 0.6, 150),
    ("Delirium screening within 24 hours", "proportion", "increase", None, "%", 1, 0.55, 120),
    ("Discharges before noon", "proportion", "increase", 33.0, "%", 1, 0.22, 700),
    ("Ambulance handovers over 60 minutes", "proportion", "decrease", 5.0, "%", 1, 0.08, 1200),
    ("Catheter-associated infections screened", "proportion", "increase", None, "%", 1, 0.7, 40),
    ("Falls with a post-fall review", "proportion", "increase", 100.0, "%", 1, 0.8, 25),
    ("Hospital standardised mortality ratio", "ratio", "decrease", 1.0, "", 1, 1.0, 120),
    ("Readmissions within 30 days (O/E)", "ratio", "decrease", 1.0, "", 1, 1.0, 200),
    ("Cardiac arrests outside critical care (O/E)", "ratio", "decrease", None, "", 1, 1.0, 8),
    ("Sepsis deaths (O/E)", "ratio", "decrease", None, "", 1, 1.0, 15),
    (
        "Inpatient falls per 1,000 bed days",
        "rate",
        "decrease",
        5.0,
        "per 1,000 bed days",
        1000,
        0.0055,
        9000,
    ),
    (
        "Pressure ulcers per 1,000 bed days",
        "rate",
        "decrease",
        None,
        "per 1,000 bed days",
        1000,
        0.002,
        9000,
    ),
    (
        "Medication incidents per 1,000 bed days",
        "rate",
        "decrease",
        None,
        "per 1,000 bed days",
        1000,
        0.004,
        9000,
    ),
    ("Average length of stay (days)", "value", "decrease", None, "days", 1, 5.5, 1),
]


# --- seed --------------------------------------------------------------------------------------


def month_starts(today: date, count: int, skip: int = 0) -> list[date]:
    """``count`` complete months ending ``skip`` months before last month, oldest first."""
    from benchmarks.periods import recent_periods

    return list(reversed(recent_periods(today, "monthly", count + skip)[skip:]))


def figures_for(
    rng: random.Random, spec: tuple[Any, ...], size: float, bias: float, months: list[date]
) -> list[tuple[date, float | None, float | None, float]]:
    """One organisation's series for one measure: noise, a few shifts, some small counts."""
    _name, kind, _improvement, _target, _unit, multiplier, base, scale = spec
    rows = []
    shift_at = rng.randrange(len(months)) if rng.random() < 0.3 else len(months)
    for i, start in enumerate(months):
        drift = 0.04 * bias if i >= shift_at else 0.0
        if kind == "value":
            value = round(max(1.0, base * (1 + 0.2 * bias + drift) + rng.gauss(0, 0.4)), 2)
            rows.append((start, None, None, value))
            continue
        denominator = max(1, round(scale * size * rng.uniform(0.85, 1.15)))
        if kind == "proportion":
            p = min(0.999, max(0.001, base + 0.05 * bias + drift))
            numerator = sum(1 for _ in range(min(denominator, 60)) if rng.random() < p)
            if denominator > 60:  # a normal approximation beyond small counts (fast)
                mean, sd = denominator * p, math.sqrt(denominator * p * (1 - p))
                numerator = round(min(denominator, max(0, rng.gauss(mean, sd))))
            value = 100.0 * numerator / denominator
        elif kind == "ratio":  # observed deaths against expected (denominator)
            expected = round(max(0.5, scale * size * rng.uniform(0.8, 1.2)), 1)
            denominator = expected
            rate = max(0.05, base * (1 + 0.1 * bias - drift))
            numerator = max(0, round(rng.gauss(expected * rate, math.sqrt(expected * rate))))
            value = numerator / denominator
        else:  # rate per N bed days
            events = max(0, round(rng.gauss(denominator * base, math.sqrt(denominator * base))))
            numerator = events
            value = numerator / denominator * multiplier
        rows.append((start, float(numerator), float(denominator), value))
    return rows


def seed(instance: Path, organisations: int, months: int, random_seed: int) -> dict[str, Any]:
    """Create and fill the instance; return the manifest (also written beside the db)."""
    if instance.exists():
        shutil.rmtree(instance)
    instance.mkdir(parents=True)
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from benchmarks.models import Measure, Scorecard, Submission, scorecard_measures
    from fivec import create_app
    from fivec.accounts.actions import hash_password
    from fivec.clock import utcnow
    from fivec.extensions import db
    from fivec.models import Group, GroupMembership, Organisation, User

    started = time.perf_counter()
    app = create_app({"instance_path": instance})
    rng = random.Random(random_seed)
    timings: dict[str, float] = {}
    with app.app_context():
        t = time.perf_counter()
        upgrade()
        timings["migrations"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        now = utcnow()
        db.session.execute(
            insert(Organisation),
            [
                {"id": n, "name": f"Organisation {n:03d} NHS Trust", "kind": "acute_trust"}
                for n in range(1, organisations + 1)
            ],
        )
        password = hash_password(PASSWORD)
        db.session.execute(
            insert(User),
            [
                {
                    "id": 1,
                    "email": LOGIN_EMAIL,
                    "email_normalised": LOGIN_EMAIL,
                    "display_name": "Cora Bench",
                    "password_hash": password,
                    "organisation_id": 1,
                },
                {
                    "id": 2,
                    "email": ADMIN_EMAIL,
                    "email_normalised": ADMIN_EMAIL,
                    "display_name": "Ada Admin",
                    "password_hash": password,
                    "organisation_id": 2,
                    "is_admin": True,
                },
            ],
        )
        db.session.execute(
            insert(Group),
            [
                {
                    "id": 1,
                    "slug": "sepsis-deterioration",
                    "name": "Sepsis and deterioration collaborative",
                    "purpose": "Benchmark and improve.",
                    "visibility": "members",
                }
            ],
        )
        db.session.execute(
            insert(GroupMembership),
            [
                {"group_id": 1, "user_id": 1, "role": "coordinator"},
                {"group_id": 1, "user_id": 2, "role": "member"},
            ],
        )
        measure_rows = []
        for n, (name, kind, improvement, target, unit, multiplier, *_rest) in enumerate(
            MEASURES, start=1
        ):
            measure_rows.append(
                {
                    "id": n,
                    "name": name,
                    "definition": f"{name}, as defined by the collaborative's data dictionary.",
                    "kind": kind,
                    "numerator_label": "Patients meeting the standard"
                    if kind == "proportion"
                    else "Observed"
                    if kind == "ratio"
                    else "Events"
                    if kind == "rate"
                    else "",
                    "denominator_label": "Eligible patients"
                    if kind == "proportion"
                    else "Expected"
                    if kind == "ratio"
                    else "Bed days"
                    if kind == "rate"
                    else "",
                    "unit": unit,
                    "rate_multiplier": multiplier,
                    "improvement": improvement,
                    "target": target,
                    "period": "monthly",
                    "group_id": 1,
                }
            )
        db.session.execute(insert(Measure), measure_rows)
        db.session.execute(
            insert(Scorecard),
            [
                {
                    "id": 1,
                    "name": "Acute care quality scorecard",
                    "description": "Twenty shared measures, reported monthly by every member.",
                    "group_id": 1,
                    "suppression_threshold": 8,
                }
            ],
        )
        db.session.execute(
            insert(scorecard_measures),
            [{"scorecard_id": 1, "measure_id": n} for n in range(1, len(MEASURES) + 1)],
        )
        timings["people, group, measures"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        starts = month_starts(now.date(), months)
        table = Submission.__table__
        sizes = [math.exp(rng.uniform(math.log(0.08), math.log(3.0))) for _ in range(organisations)]
        biases = [rng.uniform(-1, 1) for _ in range(organisations)]
        rows: list[dict[str, Any]] = []
        for measure_id, spec in enumerate(MEASURES, start=1):
            for org in range(organisations):
                for start, numerator, denominator, value in figures_for(
                    rng, spec, sizes[org], biases[org], starts
                ):
                    rows.append(
                        {
                            "measure_id": measure_id,
                            "organisation_id": org + 1,
                            "period_start": start,
                            "numerator": numerator,
                            "denominator": denominator,
                            "value": value,
                            "rebase": False,
                            "source": "csv",
                            "submitted_by_id": 1,
                            # Sent about ten days after each month ends.
                            "submitted_at": datetime.combine(start, datetime.min.time())
                            + timedelta(days=40),
                            "version": 1,
                        }
                    )
        # Stored month by month, as figures arrive in production (a month's uploads sit
        # together in the table, so one period's rows share pages, as they would).
        rows.sort(key=lambda r: (r["period_start"], r["measure_id"], r["organisation_id"]))
        for offset in range(0, len(rows), 20_000):
            db.session.execute(table.insert(), rows[offset : offset + 20_000])
        total = len(rows)
        # Core inserts bypass save_values: give the measures new stamps as it would.
        from benchmarks.stamps import bump_stamps

        bump_stamps(range(1, len(MEASURES) + 1))
        db.session.commit()
        timings["submissions"] = round(time.perf_counter() - t, 2)
        raw = db.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        db.engine.dispose()
    manifest = {
        "organisations": organisations,
        "measures": len(MEASURES),
        "months": months,
        "submissions": total,
        "scorecard_id": 1,
        "login_email": LOGIN_EMAIL,
        "admin_email": ADMIN_EMAIL,
        "password": PASSWORD,
        "timings": timings,
        "seconds": round(time.perf_counter() - started, 1),
        "db_megabytes": round((instance / "fivec.sqlite3").stat().st_size / 1e6, 1),
    }
    (instance / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(
        f"Seeded {instance} in {manifest['seconds']} s: {organisations} organisations, "
        f"{len(MEASURES)} measures, {months} months, {total:,} submissions",
        flush=True,
    )
    return manifest


def csrf_token(page: str) -> str:
    """The CSRF token of a page: ``<meta name="csrf-token">`` (pages for members) or the
    login form's hidden ``csrf_token`` field (anonymous pages carry no meta tag)."""
    import html
    import re

    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|'
        r'type="hidden" name="csrf_token" value="([^"]+)"|'
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"',
        page,
    )
    if not match:
        raise SystemExit("no CSRF token on the page")
    return html.unescape(next(g for g in match.groups() if g))


def log_in(base: str, email: str, password: str) -> str:
    """Log in over HTTP like a browser; return the Cookie header of the session. Checks
    the token is then on a member's page as ``<meta name="csrf-token">``."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    import run  # perf/run.py

    jar = http.cookiejar.CookieJar()
    opener = run.browser_opener(jar)  # the agent wrk will send: the session stays fresh
    with opener.open(base + "/login", timeout=30) as reply:
        token = csrf_token(reply.read().decode())
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    post = urllib.request.Request(base + "/login", data=form.encode())  # noqa: S310 (http)
    with opener.open(post, timeout=30) as reply:
        landed = urllib.parse.urlsplit(reply.geturl()).path
        page = reply.read().decode()
    if landed == "/login" or '<meta name="csrf-token"' not in page:
        raise SystemExit(f"logging in as {email} failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# --- CSV import --------------------------------------------------------------------------------


def build_csv(rows: int, months_seeded: int, corrections: bool = False) -> bytes:
    """A CSV of ``rows`` figures in months before the seeded ones (every org and measure)."""
    from benchmarks.periods import format_period
    from fivec.clock import utcnow

    per_month = 200 * len(MEASURES)
    months = month_starts(utcnow().date(), math.ceil(rows / per_month), skip=months_seeded)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # measure names hold commas
    writer.writerow(
        ["organisation", "measure", "period", "numerator", "denominator", "value", "version"]
    )
    rng = random.Random(7)
    count = 0
    version = "1" if corrections else ""
    bump = 1 if corrections else 0
    for start in months:
        period = format_period(start, "monthly")
        for name, kind, *_rest in MEASURES:
            for org in range(1, 201):
                if count == rows:
                    break
                count += 1
                organisation = f"Organisation {org:03d} NHS Trust"
                if kind == "value":
                    value = f"{5 + rng.random() + bump:.2f}"
                    writer.writerow([organisation, name, period, "", "", value, version])
                    continue
                denominator = rng.randint(40, 1500)
                numerator = rng.randint(0, denominator - 1) + bump
                writer.writerow([organisation, name, period, numerator, denominator, "", version])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # Excel's "CSV UTF-8"


def time_csv(instance: Path, rows: int, months_seeded: int) -> dict[str, Any]:
    """Validate and store a ``rows``-row CSV with the upload view's own functions."""
    import re

    from sqlalchemy import func, select

    from benchmarks.csv_import import read_csv
    from benchmarks.models import Scorecard, Submission, SubmissionRevision
    from benchmarks.queries import submittable_organisations
    from benchmarks.submissions import save_values
    from benchmarks.validation import Catalogue
    from fivec import create_app
    from fivec.clock import utcnow
    from fivec.extensions import db
    from fivec.models import Organisation, User

    work = RESULTS / "scorecard-csv-instance"
    results: dict[str, Any] = {"rows": rows}
    first = build_csv(rows, months_seeded)
    again = build_csv(rows, months_seeded, corrections=True)
    results["file_megabytes"] = round(len(first) / 1e6, 2)

    def fresh_copy() -> Any:
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(instance, work)
        return create_app({"instance_path": work})

    app = fresh_copy()
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
        scorecard = db.session.get(Scorecard, 1)
        for label, data in (("new figures", first), ("corrections", again)):
            started = time.perf_counter()
            # The upload view's _catalogue(): the scorecard's measures, every organisation,
            # and the ones this user may submit for (a network admin: all of them).
            allowed = {o.id for o in submittable_organisations(admin, scorecard)}
            catalogue = Catalogue.build(
                scorecard.measures, db.session.scalars(select(Organisation)), allowed
            )
            checked = read_csv(data, catalogue)
            validated = time.perf_counter()
            summary = save_values(admin, checked, based_on=utcnow(), source="csv")
            stored = time.perf_counter()
            results[label] = {
                "validate_s": round(validated - started, 2),
                "store_s": round(stored - validated, 2),
                "total_s": round(stored - started, 2),
                "summary": summary.message,
            }
            print(
                f"  CSV {label}: {rows:,} rows validated in {validated - started:.1f} s, "
                f"stored in {stored - validated:.1f} s ({summary.message})",
                flush=True,
            )
        results["submissions_after"] = db.session.scalar(select(func.count(Submission.id)))
        results["revisions_after"] = db.session.scalar(select(func.count(SubmissionRevision.id)))
        db.engine.dispose()

    # End to end: the upload form through Flask's test client (CSRF, multipart, the view).
    app = fresh_copy()
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    login = client.post(
        "/login", data={"csrf_token": token, "email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert login.status_code == 302, f"login answered {login.status_code}"
    form = client.get("/scorecards/1/upload").get_data(as_text=True)
    token = csrf_token(form)
    based_on = re.search(r'name="based_on"[^>]*value="([^"]*)"', form)
    started = time.perf_counter()
    reply = client.post(
        "/scorecards/1/upload",
        data={
            "csrf_token": token,
            "based_on": based_on.group(1) if based_on else "",
            "file": (io.BytesIO(first), "figures.csv"),
        },
        content_type="multipart/form-data",
    )
    elapsed = time.perf_counter() - started
    ok = reply.status_code == 302
    results["upload view"] = {"total_s": round(elapsed, 2), "status": reply.status_code}
    print(
        f"  CSV through POST /scorecards/1/upload: {elapsed:.1f} s, HTTP {reply.status_code}"
        + ("" if ok else " (NOT saved)"),
        flush=True,
    )
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(work, ignore_errors=True)
    return results


# --- load --------------------------------------------------------------------------------------


def upgrade_instance(instance: Path) -> None:
    """Apply migrations added since the instance was seeded (idempotent)."""
    from flask_migrate import upgrade

    from fivec import create_app
    from fivec.extensions import db

    app = create_app({"instance_path": instance})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def load_test(args: argparse.Namespace, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    import run  # perf/run.py

    upgrade_instance(args.instance)
    harness = SimpleNamespace(
        instance=args.instance,
        workers=2,
        server_threads=8,
        client="wrk" if shutil.which("wrk") else "python",
        wrk_threads=2,
        duration=args.duration,
        settle=args.settle,
    )
    port = run.free_port()
    base = f"http://{run.HOST}:{port}"
    process = run.start_server(harness, port)
    rows: list[dict[str, Any]] = []
    try:
        cookie = log_in(base, manifest["login_email"], manifest["password"])
        pages = [run.Endpoint(run.HELLO, "/healthz")]
        for path in args.page_path:
            status, _final, body = run.fetch(base, path, cookie, follow=False)
            if status != 200:
                raise SystemExit(f"GET {path} answered HTTP {status}")
            charts = body.count('data-chart="')
            print(f"  {path}: {len(body) / 1024:,.0f} KB, {charts} charts", flush=True)
            pages.append(run.Endpoint(f"scorecard {path}", path, logged_in=True))
        runs = []
        for round_ in range(args.repeat):
            print(f"Round {round_ + 1} of {args.repeat}", flush=True)
            for connections in args.connection_levels:
                for page in pages:
                    warmup = 2.0 if round_ == 0 else 0.0
                    runs.append(
                        run.measure(harness, port, process.pid, page, cookie, connections, warmup)
                    )
            if args.every_organisation:
                runs.append(
                    every_organisation(run, harness, port, process.pid, base, args, manifest)
                )
        for result in run.pick_medians(runs):
            rows.append(asdict(result))
    finally:
        run.stop_server(process)
    return rows


def every_organisation(
    run: Any,
    harness: SimpleNamespace,
    port: int,
    master_pid: int,
    base: str,
    args: argparse.Namespace,
    manifest: dict[str, Any],
) -> Any:
    """Load the first page path as the network admin viewing each organisation in turn
    (``?organisation=1``, ``2``, ... ``200``, then again), at the lowest connection level.

    One login viewing one organisation is the best case for the page's per-organisation
    memory (``benchmarks/sections.py``); this is its worst case: with 200 organisations
    in turn no rendered section is still remembered when its organisation comes round
    again, so every view renders its five sections (the shared peer charts and each
    organisation's SPC part stay remembered).
    """
    import tempfile

    cookie = log_in(base, manifest["admin_email"], manifest["password"])
    path = args.page_path[0]
    join = "&" if "?" in path else "?"
    count = manifest["organisations"]
    with tempfile.TemporaryDirectory() as folder:
        # run.run_wrk runs PERF_DIR/report.lua: point it at a script that keeps the same
        # report and asks for a different organisation on each request.
        Path(folder, "report.lua").write_text(
            f'dofile("{PERF_DIR / "report.lua"}")\n'
            "local n = 0\n"
            "request = function()\n"
            "  n = n + 1\n"
            f'  return wrk.format(nil, string.format("{path}{join}organisation=%d", '
            f"n % {count} + 1))\n"
            "end\n"
        )
        real, run.PERF_DIR = run.PERF_DIR, Path(folder)
        try:
            shown = f"{path}{join}organisation=1..{count}"  # wrk's script sets each path
            endpoint = run.Endpoint(f"scorecard, {count} organisations", shown, logged_in=True)
            return run.measure(
                harness, port, master_pid, endpoint, cookie, min(args.connection_levels), 2.0
            )
        finally:
            run.PERF_DIR = real


def report(
    imported: dict[str, Any] | None, load: list[dict[str, Any]], args: argparse.Namespace
) -> str:
    lines = ["# Scorecard benchmark", ""]
    if imported:
        lines += [
            f"CSV import, {imported['rows']:,} rows ({imported['file_megabytes']} MB), target < "
            f"{CSV_TARGET_S:.0f} s:",
            "",
            "| file | validate s | store s | total s |",
            "|---|---:|---:|---:|",
        ]
        for label in ("new figures", "corrections"):
            r = imported[label]
            lines.append(f"| {label} | {r['validate_s']} | {r['store_s']} | {r['total_s']} |")
        view = imported["upload view"]
        lines += [
            f"| new figures, POST /scorecards/1/upload (test client) | | | {view['total_s']} |",
            "",
        ]
    for connections in args.connection_levels:
        rows = [r for r in load if r["connections"] == connections]
        if not rows:
            continue
        lines += [
            f"## {connections} connections",
            "",
            "| page | req/s | p50 ms | p95 ms | p99 ms | req/s per round | server CPU ms/req "
            "| errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            spread = " / ".join(f"{v:,.0f}" for v in r["extra"].get("rps_runs", [r["rps"]]))
            cpu = r["server_cpu_ms_per_req"]
            lines.append(
                f"| `{r['path']}` | {r['rps']:,.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {spread} | {cpu if cpu is not None else '?'} | "
                f"{r['errors']} |"
            )
        lines.append("")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, default=DEFAULT_INSTANCE)
    parser.add_argument("--reseed", action="store_true", help="seed even if the instance exists")
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--random-seed", type=int, default=6)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is kept")
    parser.add_argument("--connections", default="8,32")
    parser.add_argument("--settle", type=float, default=10.0, help="wait for idle CPUs (s)")
    parser.add_argument(
        "--page-path",
        action="append",
        help="scorecard page(s) to load (default: /scorecards/1)",
    )
    parser.add_argument(
        "--every-organisation",
        action="store_true",
        help="also load the page as the admin viewing each organisation in turn",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "scorecard.json")
    args = parser.parse_args(argv)
    args.instance = args.instance.expanduser().resolve()
    args.connection_levels = [int(c) for c in args.connections.split(",") if c.strip()]
    args.page_path = args.page_path or ["/scorecards/1"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    manifest_file = args.instance / MANIFEST
    if args.reseed or not manifest_file.exists():
        manifest = seed(args.instance, args.organisations, args.months, args.random_seed)
    else:
        manifest = json.loads(manifest_file.read_text())
        print(f"Using the seeded instance {args.instance} (--reseed to rebuild)", flush=True)
    imported = None
    if not args.skip_csv:
        imported = time_csv(args.instance, args.csv_rows, manifest["months"])
    load = [] if args.skip_load else load_test(args, manifest)
    text = report(imported, load, args)
    print()
    print(text)
    args.out.write_text(
        json.dumps({"manifest": manifest, "csv": imported, "load": load}, indent=2, default=str)
        + "\n"
    )
    print(f"Written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
