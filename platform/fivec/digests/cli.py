"""``flask --app fivec digest send``: for cron, with a progress bar and a summary."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..clock import utcnow
from .periods import Period
from .send import SendSummary, count_members, send_digests

digest_cli = AppGroup("digest", help="Build and send the members' digests.")


@digest_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Build every digest but queue and send nothing.")
@click.option("--member", "member_id", type=int, help="Only this member (by id).")
@click.option(
    "--period",
    "period_text",
    help="Force a period: 2026-W47, 2026-11-22, today, yesterday, this-week or last-week. "
    "Without it, each member due now gets their last full week (or day).",
)
@click.option("--daily", is_flag=True, help="Force yesterday's daily digests.")
def send_command(
    dry_run: bool, member_id: int | None, period_text: str | None, daily: bool
) -> None:
    """Send the digests that are due (exactly once per member and period)."""
    period = None
    if period_text or daily:
        try:
            period = Period.parse(period_text or "yesterday", utcnow())
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--period") from None
        if daily and period.kind != "daily":
            raise click.BadParameter("--daily needs a day, not a week", param_hint="--period")
    total = count_members(member_id)
    if member_id is not None and total == 0:
        raise click.ClickException(f"There is no member with id {member_id}.")
    what = f"the {period.adjective} digests for {period.key}" if period else "the digests due now"
    click.echo(f"{'Checking' if dry_run else 'Sending'} {what} ({total:,} members)…")
    with click.progressbar(length=total, label="Members", show_pos=True) as bar:
        summary = send_digests(period, dry_run=dry_run, member_id=member_id, progress=bar.update)
    _report(summary, dry_run)
    if summary.failed:
        raise SystemExit(1)


def _report(summary: SendSummary, dry_run: bool) -> None:
    if dry_run:
        click.echo(f"Would send: {summary.would_send}")
    else:
        click.echo(f"Sent: {summary.sent}")
        click.echo(f"Kept in the outbox (no SMTP configured): {summary.held}")
    click.echo(f"Skipped, nothing new: {summary.skipped_empty}")
    click.echo(f"Already done for this period: {summary.already_done}")
    click.echo(f"Not due (or digests off): {summary.not_due}")
    click.echo(f"Failed: {len(summary.failed)}")
    for member_id, email, reason in summary.failed:
        click.echo(f"  member {member_id} <{email}>: {reason}", err=True)
    if summary.failed and not dry_run:
        click.echo("Run the command again to retry the failed ones; nobody gets two digests.")


def init_app(app: Flask) -> None:
    """Register the ``digest`` command group on ``app``."""
    app.cli.add_command(digest_cli)
