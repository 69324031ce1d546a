"""``flask --app fivec search rebuild|check|worker``: recreate the index, report drift,
apply queued updates in a process of their own."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import maintenance
from .worker import run_worker_process

search_cli = AppGroup("search", help="Rebuild the search index or check it against the database.")


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Build a fresh index from the database and swap it in (safe while the site runs)."""
    total = maintenance.total()
    with click.progressbar(length=total, label="Indexing posts", show_pos=True) as bar:
        report = maintenance.rebuild(progress=bar.update)
    click.echo(
        f"Indexed {report.documents:,} posts in {report.seconds:.1f} s; "
        f"index size {report.size_bytes / 1_048_576:.1f} MB; "
        f"{report.retried} queued updates applied."
    )


@search_cli.command("check")
@click.option("--fix", is_flag=True, help="Repair the drift found.")
def check_command(fix: bool) -> None:
    """Report posts missing from the index, stale or extra entries, and queued retries."""
    drift = maintenance.check()
    click.echo(f"Missing from the index (published in the database): {len(drift.missing)}")
    click.echo(f"In the index but no longer published or gone: {len(drift.extra)}")
    click.echo(f"Indexed with an old group, thread, title or version: {len(drift.stale)}")
    click.echo(f"Waiting in the retry queue: {drift.queued}")
    if drift.outdated:
        click.echo(
            f"Index format: written by an older version (no {', '.join(drift.outdated)}); "
            "searches work but several words and phrases are slower. "
            "Rebuild it: flask --app fivec search rebuild (or check --fix)."
        )
    for label, ids in (("missing", drift.missing), ("extra", drift.extra), ("stale", drift.stale)):
        if ids:
            more = " …" if len(ids) > 20 else ""
            click.echo(f"  {label} post ids: {', '.join(map(str, ids[:20]))}{more}")
    if not drift.total:
        click.echo("No drift: the index matches the database.")
        return
    if fix:
        maintenance.fix(drift)
        after = maintenance.check()
        click.echo(f"Fixed. Drift remaining: {after.total}")
        sys.exit(1 if after.total else 0)
    sys.exit(1)


@search_cli.command("worker")
@click.option("--poll", default=0.25, show_default=True, help="Seconds between queue checks.")
@click.option("--nice", "niceness", default=10, show_default=True, help="CPU priority drop.")
def worker_command(poll: float, niceness: int) -> None:
    """Apply queued index updates until stopped (use with FIVEC_SEARCH_WORKER=process)."""
    click.echo(f"Applying search index updates (checking every {poll:g} s); Ctrl+C stops.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        run_worker_process(app, poll_seconds=poll, niceness=niceness)
    except KeyboardInterrupt:
        click.echo("Stopped.")


def init_app(app: Flask) -> None:
    """Register the ``search`` command group."""
    app.cli.add_command(search_cli)
