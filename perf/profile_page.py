"""Profile one page in-process with cProfile, against the seeded perf instance.

    .venv/bin/python perf/profile_page.py /members [--requests 200] [--anonymous] [--top 25]

Logs in as the seeded load-test member through Flask's test client (the same login form
and CSRF token as a browser), warms up, then profiles ``--requests`` GETs of the path and
prints the functions with the most cumulative and own time. No server, no network: this
shows where a request's CPU goes, not how the server queues. Seed first (perf/seed.py).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path

PERF_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE = PERF_DIR / "results" / "instance"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="e.g. /members or /members?q=sepsis")
    parser.add_argument("--instance", type=Path, default=DEFAULT_INSTANCE)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--anonymous", action="store_true", help="do not log in")
    parser.add_argument(
        "--member", action="store_true", help="log in as the plain member, not the admin"
    )
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--dump", type=Path, help="also write the raw profile here")
    args = parser.parse_args(argv)

    instance = args.instance.expanduser().resolve()
    manifest = json.loads((instance / "perf-seed.json").read_text())
    os.environ["FIVEC_INSTANCE_PATH"] = str(instance)
    from fivec import create_app

    app = create_app()
    client = app.test_client()
    if not args.anonymous:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)  # the form field
        reply = client.post(
            "/login",
            data={
                "csrf_token": token.group(1) if token else "",
                "email": manifest["member_email" if args.member else "login_email"],
                "password": manifest["password"],
            },
        )
        if reply.status_code != 302:
            raise SystemExit(f"login failed: HTTP {reply.status_code}")
    for _ in range(10):  # warm caches, compiled templates and the connection pool
        status = client.get(args.path).status_code
    if status != 200:
        raise SystemExit(f"GET {args.path} answered HTTP {status}")

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(
        f"{args.requests} x GET {args.path}: {elapsed / args.requests * 1000:.2f} ms per request "
        f"in-process, under cProfile (roughly 1.5-2x slower than without)\n"
    )
    if args.dump:
        profiler.dump_stats(args.dump)
    for key in (args.sort, "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
