"""Seed a large, realistic FiveC network for load tests, quickly.

    .venv/bin/python perf/seed.py [INSTANCE_DIR] [--force] [--members 2000] ...

Creates a fresh instance folder (default ``perf/results/instance``), runs the migrations
(``flask db upgrade``) inside ``create_app``'s app context, then bulk-inserts with
SQLAlchemy core ``executemany`` rather than one action per row:

* 2,000 members (one scrypt hash computed once and shared, so every seeded member can
  log in with ``PASSWORD``), 200 organisations, healthcare interests;
* when the discussion tables exist (``groups``, ``threads``, ``posts``): 40 groups with
  memberships, 5,000 threads and 100,000 posts as reply trees with correct materialised
  paths, consistent ``reply_count`` / ``last_post_id`` / ``last_post_at``, and a few
  threads with exactly 1,000 replies.

Rows are written against the *migrated* schema (reflected from the database), and any
NOT NULL column this script does not know about gets a neutral value, so the seed keeps
working while other features add columns. A manifest (``perf-seed.json``) in the
instance folder tells ``perf/run.py`` which account to log in with and which threads to
load.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, MetaData, Table, func, insert, select
from sqlalchemy.engine import Connection
from werkzeug.security import generate_password_hash

PERF_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE = PERF_DIR / "results" / "instance"
MANIFEST = "perf-seed.json"
PASSWORD = "perf-load-test-password"  # noqa: S105  (published test-only password)
LOGIN_EMAIL = "load.tester@perf.fivec.test"  # member 1: an admin (sees moderation tools)
MEMBER_EMAIL = "plain.member@perf.fivec.test"  # member 4: an ordinary member of group 1
MEMBER_ID = 4
PATH_SEGMENT_WIDTH = 10  # mirrors fivec.models.discussions.PATH_SEGMENT_WIDTH (checked below)
MAX_DEPTH = 8
BATCH = 5_000
NOW = datetime(2026, 11, 1, 9, 0, 0)


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words("""Priya Tom Grace Daniel Amina Sarah James Fatima Oliver Chloe Mohammed Emily
Aisha Jack Olivia Harry Zara Noah Ava George Leah Samuel Hannah Yusuf Ella Ibrahim Sophie
Ravi Megan Kwame Isla Arjun Ruth Chen Niamh Tariq Lucy Adebayo Freya Omar Holly Declan Maya
Femi Rosie Hamza Alice Kofi Eleanor Bilal Imogen Connor Anika Rhys Jasmine Aled Saoirse""")
LAST_NAMES = _words("""Shah Okafor Liu Evans Yusuf Whitfield Patel Khan Jones Williams Brown Taylor
Davies Wilson Thomas Roberts Johnson Walker Wright Robinson Thompson White Hughes Edwards
Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill Scott Cooper Morris Ward
Moore King Watson Baker Harrison Morgan Begum Ahmed Ali Hussain Mensah Owusu Nowak Kowalski
Murphy Kelly O'Brien Byrne Campbell Stewart MacDonald Fraser Reid Singh Kaur Chowdhury Rahman
Adeyemi Nwosu Boateng Costa Silva Ferreira Rossi Novak Lin Wang Zhang Kim Nguyen Tran""")

PLACES = _words("""Northfield Riverside Moorside Hillcrest Pennine Oakwood Ashford Bramley Calder
Denholme Eastwood Fairfield Greenbank Harewood Ingleby Kirkdale Lindley Marsden Netherton
Oldfield Pudsey Queensbury Rawdon Saltaire Thornton Upperthorpe Wetherby Yeadon Abbeydale
Brightside Crookes Dore Ecclesall Firth Gleadless Heeley Loxley Millhouses Norton Owlerton""")
ORG_KINDS = [
    ("acute_trust", "{p} Teaching Hospitals NHS Foundation Trust"),
    ("acute_trust", "{p} University Hospitals NHS Trust"),
    ("mental_health_trust", "{p} Mental Health Partnership"),
    ("community_service", "{p} Community Health Services"),
    ("gp_practice", "{p} Medical Practice"),
    ("gp_practice", "{p} Road Surgery"),
    ("ambulance_service", "{p} Ambulance Service"),
    ("care_home", "{p} Care Home"),
    ("charity", "{p} Patient Safety Charity"),
    ("patient_group", "{p} Patients' Voice"),
    ("commissioner", "{p} Integrated Care Board"),
    ("university", "University of {p}"),
]
REGIONS = [
    "North West",
    "North East",
    "Yorkshire",
    "Midlands",
    "London",
    "South West",
    "South East",
    "East of England",
    "Wales",
    "Scotland",
    "National",
]

PROFESSIONS = {  # profession key (see fivec.models.accounts.PROFESSIONS): job titles
    "nurse": [
        "Sepsis nurse specialist",
        "Ward sister",
        "Matron",
        "Staff nurse",
        "Midwife",
        "Tissue viability nurse",
    ],
    "doctor": [
        "Consultant in acute medicine",
        "GP partner",
        "Registrar",
        "Consultant anaesthetist",
        "Clinical director",
    ],
    "ahp": [
        "Physiotherapist",
        "Occupational therapist",
        "Dietitian",
        "Speech and language therapist",
        "Paramedic",
    ],
    "pharmacist": ["Antimicrobial pharmacist", "Practice pharmacist", "Chief pharmacist"],
    "manager": ["Service manager", "Operations manager", "Head of patient safety"],
    "qi_lead": ["Quality improvement lead", "Improvement advisor", "QI coach"],
    "analyst": ["Healthcare analyst", "Information analyst", "Data scientist"],
    "patient": ["Patient partner", "Carer representative", "Lay member"],
    "researcher": ["Research fellow", "Senior lecturer", "Health services researcher"],
    "other": ["Administrator", "Project coordinator", "Communications officer"],
}
INTERESTS = """sepsis; falls prevention; pressure ulcers; deteriorating patient; news2;
antimicrobial stewardship; stroke rehabilitation; spc charts; data quality; medicines safety;
hospital at home; frailty; delirium; diabetes; heart failure; copd; maternity safety;
mental health crisis care; learning disabilities; end of life care; discharge planning;
patient experience; staff wellbeing; infection prevention; hand hygiene; catheter care;
nutrition and hydration; dementia care; care homes; ambulance handover; emergency department
flow; theatre productivity; surgical site infection; venous thromboembolism; acute kidney
injury; paediatrics; neonatal care; health inequalities; co-production; human factors;
safety huddles; pdsa cycles; measurement for improvement; run charts; funnel plots; audit;
clinical coding; digital health; virtual wards; primary care access""".replace("\n", " ")
INTEREST_NAMES = [name.strip() for name in INTERESTS.split(";") if name.strip()]

TOPICS = [
    ("sepsis", "Sepsis collaborative", "Spot sepsis early and treat it within the hour."),
    ("falls", "Falls prevention", "Fewer inpatient falls, and less harm when they happen."),
    ("deterioration", "Deteriorating patient", "Recognise and respond to NEWS2 triggers."),
    ("pressure-ulcers", "Pressure ulcers", "Zero avoidable pressure damage."),
    ("amr", "Antimicrobial stewardship", "Right drug, right dose, right duration."),
    ("stroke", "Stroke rehabilitation", "Early supported discharge and therapy intensity."),
    ("spc", "Measurement for improvement", "SPC charts, run charts and making data count."),
    ("medicines", "Medicines safety", "Fewer omitted and delayed critical medicines."),
    ("frailty", "Frailty and delirium", "Screen, assess and plan care for older people."),
    ("maternity", "Maternity safety", "Safer births: fetal monitoring and escalation."),
    ("discharge", "Discharge planning", "Home sooner and safely, with the right support."),
    ("mental-health", "Mental health crisis care", "Timely, kind crisis support."),
    ("care-homes", "Care homes", "Quality improvement with and for care home teams."),
    ("ed-flow", "Emergency department flow", "Ambulance handover and time to treatment."),
    ("wellbeing", "Staff wellbeing", "Joy in work, safety huddles and psychological safety."),
]
SENTENCES = """We tried a new screening tool on two wards and the run chart shifted after week six.
Has anyone linked their sepsis audit to the electronic observations system?
Our PDSA cycle on safety huddles stalled when the night shift was not involved.
The funnel plot shows we are within the 95% limits but drifting upwards.
We co-designed the leaflet with patients and carers and it changed the wording completely.
Sharing our driver diagram for falls prevention: comments very welcome.
What did you use as the denominator: occupied bed days or admissions?
Bay nursing reduced unwitnessed falls but needed an extra healthcare assistant at night.
The antibiotic time-out at 72 hours is now part of the ward round checklist.
We moved the huddle to 08:45 so that therapists could join before clinics.
Data quality was the biggest barrier: half of the timestamps were entered retrospectively.
I would start with a small test on one ward rather than a trust-wide launch.
Our patient partners asked for plain language in every discharge letter.
The XmR chart flagged a special cause in March, which matched the new rota.
Could you share the audit template? We are about to start the same project.
We saw a sustained improvement after eight weeks, then a dip during winter pressures.
Pharmacy now reviews every omitted critical medicine within the same shift.
Remember that a change is not always an improvement: keep measuring after go-live.
Thank you, this is really helpful: we will adapt it for our community teams.
The biggest win was giving the healthcare assistants permission to escalate.""".splitlines()


@dataclass
class SeedStats:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def timed(stats: SeedStats, label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    stats.timings[label] = round(elapsed, 2)
    print(f"  {label:<28} {elapsed:7.2f} s", flush=True)


def _neutral(column: Any) -> Any:
    """A value for a NOT NULL column the seed does not know (added by a later feature)."""
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    if isinstance(column.type, DateTime):
        return NOW
    return ""


def _complete(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop keys the table lacks and fill unknown NOT NULL columns with neutral values."""
    if not rows:
        return rows
    names = set(table.c.keys())
    known = set(rows[0])
    fill = {
        c.name: _neutral(c)
        for c in table.c
        if c.name not in known and not c.nullable and not c.primary_key and c.server_default is None
    }
    drop = known - names
    if not fill and not drop:
        return rows
    return [{**{k: v for k, v in row.items() if k not in drop}, **fill} for row in rows]


def bulk(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """executemany in batches; returns the number of rows written."""
    total = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), _complete(table, batch))
            total += len(batch)
            batch = []
    if batch:
        conn.execute(insert(table), _complete(table, batch))
        total += len(batch)
    return total


def cook(source: str) -> str:
    """Simple sanitised HTML for plain paragraphs (what the Markdown cooker yields)."""
    return "\n".join(
        f"<p>{html.escape(paragraph)}</p>" for paragraph in source.split("\n\n") if paragraph
    )


def post_body(rng: random.Random) -> str:
    paragraphs = [
        " ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(rng.randint(1, 3))
    ]
    return "\n\n".join(paragraphs)


def ago(rng: random.Random, days: float) -> datetime:
    return NOW - timedelta(seconds=rng.uniform(0, days * 86_400))


# --- members -------------------------------------------------------------------------------


def seed_people(conn: Connection, tables: dict[str, Table], args: Any, stats: SeedStats) -> None:
    rng = random.Random(args.random_seed)
    with timed(stats, "password hash (once)"):
        password_hash = generate_password_hash(PASSWORD)  # scrypt, as the app uses

    with timed(stats, "network, orgs, interests"):
        if "network_settings" in tables:
            bulk(
                conn,
                tables["network_settings"],
                [
                    {
                        "id": 1,
                        "name": "Northern Patient Safety Network (perf)",
                        "purpose": "Clinicians, managers and patients making care safer together.",
                        "guidelines": "Be kind. Share learning. Never identify a patient.",
                        "updated_at": NOW,
                        "updated_by_id": None,
                    }
                ],
            )
        orgs = []
        names: set[str] = set()
        while len(orgs) < args.organisations:
            kind, pattern = rng.choice(ORG_KINDS)
            name = pattern.format(p=rng.choice(PLACES))
            if name in names:
                name = f"{name} ({rng.choice(REGIONS)})"
            if name in names:
                continue
            names.add(name)
            orgs.append(
                {
                    "id": len(orgs) + 1,
                    "name": name,
                    "kind": kind,
                    "region": rng.choice(REGIONS),
                    "created_at": ago(rng, 900),
                }
            )
        stats.counts["organisations"] = bulk(conn, tables["organisations"], orgs)
        interests = [{"id": i + 1, "name": n} for i, n in enumerate(INTEREST_NAMES)]
        stats.counts["interests"] = bulk(conn, tables["interests"], interests)

    with timed(stats, "members + interests"):
        users = []
        links = []
        weights = [1 / (i + 1) ** 0.8 for i in range(len(INTEREST_NAMES))]  # a long tail
        for member_id in range(1, args.members + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            profession = rng.choice(list(PROFESSIONS))
            chosen = sorted(
                {
                    rng.choices(range(len(INTEREST_NAMES)), weights)[0]
                    for _ in range(rng.randint(1, 5))
                }
            )
            topics = [INTEREST_NAMES[i] for i in chosen]
            email = (
                LOGIN_EMAIL
                if member_id == 1
                else MEMBER_EMAIL
                if member_id == MEMBER_ID
                else f"{first}.{last}.{member_id}@perf.fivec.test".lower().replace("'", "")
            )
            users.append(
                {
                    "id": member_id,
                    "email": email,
                    "email_normalised": email.lower(),
                    "display_name": f"{first} {last}",
                    "password_hash": password_hash,
                    "organisation_id": rng.randint(1, args.organisations)
                    if rng.random() < 0.93
                    else None,
                    "profession": profession,
                    "job_title": rng.choice(PROFESSIONS[profession]),
                    "bio": f"Working on {', '.join(topics)}. " + rng.choice(SENTENCES),
                    "is_admin": member_id <= 3,
                    "session_generation": 0,
                    "created_at": ago(rng, 700),
                    "last_seen_at": ago(rng, 30),
                }
            )
            links.extend({"user_id": member_id, "interest_id": i + 1} for i in chosen)
        stats.counts["members"] = bulk(conn, tables["users"], users)
        stats.counts["member interests"] = bulk(conn, tables["user_interests"], links)


# --- groups and discussions ----------------------------------------------------------------


@dataclass
class SeedPost:
    thread: int
    parent: int | None  # index into the thread's post list
    author: int
    created_at: datetime
    id: int = 0
    path: str = ""
    depth: int = 0


def seed_groups(
    conn: Connection, tables: dict[str, Table], args: Any, stats: SeedStats
) -> list[int]:
    """Topic groups (and peer sub-groups); returns ids of public, active groups."""
    rng = random.Random(args.random_seed + 1)
    groups = []
    with timed(stats, "groups + memberships"):
        for i in range(args.groups):
            slug, name, purpose = TOPICS[i % len(TOPICS)]
            round_ = i // len(TOPICS)
            is_peer = i >= len(TOPICS)
            groups.append(
                {
                    "id": i + 1,
                    "slug": slug if round_ == 0 else f"{slug}-peers-{round_}",
                    "name": name if round_ == 0 else f"{name}: peer group {round_}",
                    "purpose": purpose,
                    "kind": "peer" if is_peer else "topic",
                    "parent_id": (i % len(TOPICS)) + 1 if is_peer else None,
                    "visibility": "public" if not is_peer or rng.random() < 0.5 else "members",
                    "join_policy": "open" if not is_peer else "request",
                    "status": "active",
                    "guidelines": "Share what you try, including what did not work.",
                    "created_by_id": rng.randint(1, args.members),
                    "created_at": ago(rng, 800),
                }
            )
        bulk(conn, tables["groups"], groups)
        stats.counts["groups"] = len(groups)
        if "group_interests" in tables:
            bulk(
                conn,
                tables["group_interests"],
                [
                    {"group_id": g["id"], "interest_id": rng.randint(1, len(INTEREST_NAMES))}
                    for g in groups
                ],
            )
        if "group_memberships" in tables:
            memberships = []
            for member_id in range(1, args.members + 1):
                # The load tester and the plain member are in group 1, with the big threads.
                joined = {1} if member_id in (1, MEMBER_ID) else set()
                joined.update(rng.sample(range(1, args.groups + 1), rng.randint(1, 4)))
                for group_id in sorted(joined):
                    memberships.append(
                        {
                            "group_id": group_id,
                            "user_id": member_id,
                            "role": "coordinator" if rng.random() < 0.02 else "member",
                            "status": "active",
                            "invited_by_id": None,
                            "created_at": ago(rng, 600),
                        }
                    )
            stats.counts["group memberships"] = bulk(conn, tables["group_memberships"], memberships)
    return [g["id"] for g in groups if g["visibility"] == "public"]


def plan_posts(args: Any, rng: random.Random) -> tuple[list[dict[str, Any]], list[SeedPost]]:
    """Decide threads and reply trees, then number posts in global time order."""
    threads: list[dict[str, Any]] = []
    per_thread: list[list[SeedPost]] = []
    big = set(range(args.big_threads))
    replies_left = args.posts - args.threads - args.big_threads * args.big_replies
    if replies_left < 0:
        raise SystemExit("--posts is too small for the threads and big threads asked for")
    small = args.threads - args.big_threads
    # Skewed reply counts: most threads are short, a few are long.
    weights = [min(rng.paretovariate(1.2), 25.0) for _ in range(small)]
    counts = [0] * small
    for index in rng.choices(range(small), weights, k=replies_left):
        counts[index] += 1
    count_iter = iter(counts)
    for t in range(args.threads):
        n_replies = args.big_replies if t in big else next(count_iter)
        started = ago(rng, 700)
        posts = [
            SeedPost(thread=t, parent=None, author=rng.randint(1, args.members), created_at=started)
        ]
        span = timedelta(days=rng.uniform(0.5, 60))
        times = sorted(started + span * rng.random() for _ in range(n_replies))
        for moment in times:
            # Most replies answer the opening post or a recent reply; some go deep.
            if rng.random() < 0.45:
                parent = 0
            else:
                parent = rng.randrange(max(0, len(posts) - 20), len(posts))
                while posts[parent].depth >= MAX_DEPTH:
                    parent = posts[parent].parent or 0
            post = SeedPost(
                thread=t,
                parent=parent,
                author=rng.randint(1, args.members),
                created_at=moment,
                depth=posts[parent].depth + 1,
            )
            posts.append(post)
        per_thread.append(posts)
        threads.append({"index": t, "created_at": started})
    everything = [post for posts in per_thread for post in posts]
    everything.sort(key=lambda p: p.created_at)  # ids follow time, as in production
    for number, post in enumerate(everything, start=1):
        post.id = number
    # Parents are always earlier, so they already have ids; compute paths per thread.
    for posts in per_thread:
        for post in sorted(posts, key=lambda p: p.id):
            own = str(post.id).zfill(PATH_SEGMENT_WIDTH)
            post.path = own if post.parent is None else f"{posts[post.parent].path}/{own}"
    for t, posts in enumerate(per_thread):
        threads[t]["posts"] = posts
    return threads, everything


def seed_discussions(
    conn: Connection,
    tables: dict[str, Table],
    args: Any,
    public_groups: list[int],
    stats: SeedStats,
) -> dict[str, Any]:
    rng = random.Random(args.random_seed + 2)
    with timed(stats, "plan threads + post trees"):
        threads, posts = plan_posts(args, rng)
        # Thread ids follow creation time too.
        threads.sort(key=lambda t: t["created_at"])
        for number, thread in enumerate(threads, start=1):
            thread["id"] = number
    with timed(stats, "insert threads"):
        rows = []
        for thread in threads:
            tree: list[SeedPost] = thread["posts"]
            opening, last = tree[0], max(tree, key=lambda p: p.id)
            big = len(tree) - 1 == args.big_replies
            rows.append(
                {
                    "id": thread["id"],
                    # The 1,000-reply threads go to group 1 (public, the load tester is in it).
                    "group_id": 1 if big else rng.choice(public_groups),
                    "author_id": opening.author,
                    "title": rng.choice(SENTENCES).rstrip(".?:")[:200],
                    "created_at": opening.created_at,
                    "last_post_at": last.created_at,
                    "last_post_id": last.id,
                    "reply_count": len(tree) - 1,
                    "is_locked": False,
                    "is_pinned": rng.random() < 0.005,
                    "status": "published",
                }
            )
        stats.counts["threads"] = bulk(conn, tables["threads"], rows)
    thread_id_of = {thread["index"]: thread["id"] for thread in threads}
    with timed(stats, "cook + insert posts"):
        by_index = {thread["index"]: thread["posts"] for thread in threads}

        def rows_iter() -> Iterator[dict[str, Any]]:
            for post in posts:
                source = post_body(rng)
                parent = None if post.parent is None else by_index[post.thread][post.parent].id
                yield {
                    "id": post.id,
                    "thread_id": thread_id_of[post.thread],
                    "parent_id": parent,
                    "author_id": post.author,
                    "path": post.path,
                    "depth": post.depth,
                    "body_source": source,
                    "body_html": cook(source),
                    "created_at": post.created_at,
                    "edited_at": None,
                    "version": 1,
                    "status": "published",
                    "helpful_count": min(int(rng.paretovariate(2.0)) - 1, 40),
                    "client_token": None,
                }

        stats.counts["posts"] = bulk(conn, tables["posts"], rows_iter())
    big_ids = [t["id"] for t in threads if len(t["posts"]) - 1 == args.big_replies]
    # Issue 3 measures "a thread page (20 posts)": an opening post and 19 replies.
    typical = sorted(
        (t for t in threads if len(t["posts"]) == 20 and t["id"] not in big_ids),
        key=lambda t: t["id"],
    ) or sorted(
        (t for t in threads if 10 <= len(t["posts"]) - 1 <= 30 and t["id"] not in big_ids),
        key=lambda t: t["id"],
    )
    return {
        "typical_thread_id": typical[len(typical) // 2]["id"] if typical else threads[0]["id"],
        "typical_thread_replies": len(typical[len(typical) // 2]["posts"]) - 1 if typical else 0,
        "big_thread_ids": big_ids,
        "big_thread_replies": args.big_replies,
        "max_depth": max(p.depth for p in posts),
    }


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "instance",
        nargs="?",
        type=Path,
        default=DEFAULT_INSTANCE,
        help="instance folder to create (default: %(default)s)",
    )
    parser.add_argument(
        "--force", action="store_true", help="delete the instance folder first if it exists"
    )
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--threads", type=int, default=5_000)
    parser.add_argument("--posts", type=int, default=100_000, help="including opening posts")
    parser.add_argument(
        "--big-threads", type=int, default=3, help="threads with exactly --big-replies replies"
    )
    parser.add_argument("--big-replies", type=int, default=1_000)
    parser.add_argument("--random-seed", type=int, default=5)
    return parser.parse_args(argv)


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """Create and fill the instance; returns the manifest (also written beside the db)."""
    instance: Path = args.instance.expanduser().resolve()
    if instance.exists():
        if not args.force:
            raise SystemExit(f"{instance} exists; pass --force to replace it")
        shutil.rmtree(instance)
    instance.mkdir(parents=True)

    from flask_migrate import upgrade

    from fivec import create_app
    from fivec.extensions import db

    stats = SeedStats()
    started = time.perf_counter()
    print(f"Seeding {instance}", flush=True)
    app = create_app({"instance_path": instance})
    with app.app_context():
        with timed(stats, "migrations (db upgrade)"):
            upgrade()
        engine = db.engine
        metadata = MetaData()
        metadata.reflect(bind=engine)
        tables = dict(metadata.tables)
        with engine.connect() as conn:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        manifest: dict[str, Any] = {
            "alembic_revision": revision,
            "login_email": LOGIN_EMAIL,
            "member_email": MEMBER_EMAIL,
            "password": PASSWORD,
            "has_discussions": all(t in tables for t in ("groups", "threads", "posts")),
        }
        try:
            from fivec.models import discussions

            assert discussions.PATH_SEGMENT_WIDTH == PATH_SEGMENT_WIDTH, "path width changed"
        except ImportError:
            pass
        with engine.begin() as conn:
            seed_people(conn, tables, args, stats)
            if manifest["has_discussions"]:
                public_groups = seed_groups(conn, tables, args, stats)
                manifest.update(seed_discussions(conn, tables, args, public_groups, stats))
        # No ANALYZE: the app never runs it, so the planner sees what production sees.
        with timed(stats, "wal checkpoint"):
            raw = engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        with engine.connect() as conn:
            if manifest["has_discussions"]:
                posts = tables["posts"]
                mismatched = conn.scalar(
                    select(func.count())
                    .select_from(tables["threads"])
                    .where(
                        tables["threads"].c.reply_count
                        != select(func.count() - 1)
                        .where(posts.c.thread_id == tables["threads"].c.id)
                        .scalar_subquery()
                    )
                )
                assert mismatched == 0, f"{mismatched} threads with a wrong reply_count"
        engine.dispose()
    total = time.perf_counter() - started
    db_file = instance / "fivec.sqlite3"
    manifest.update(
        counts=stats.counts,
        timings=stats.timings,
        seconds=round(total, 1),
        db_megabytes=round(db_file.stat().st_size / 1e6, 1) if db_file.exists() else None,
    )
    (instance / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"Done in {total:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in stats.counts.items()))
    print(f"Log in as {LOGIN_EMAIL} / {PASSWORD}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    seed(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
