"""Admin commands under ``flask --app fivec …``; each gets its app from Flask's CLI."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from ..models import OutboxMessage, User

demo_cli = AppGroup("demo", help="Load the demo network.")
mail_cli = AppGroup("mail", help="Work with the email outbox.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when members exist.")
def demo_load(if_empty: bool) -> None:
    """Fill an empty database with a believable QI network and print the demo logins."""
    from ..demo import demo_logins, load_demo

    if if_empty and db.session.scalar(select(func.count(User.id))):
        logins = demo_logins()
        click.echo("The database already has members; demo not loaded again.")
        if not logins:
            return
    else:
        try:
            logins = load_demo()
        except RuntimeError as error:
            raise click.ClickException(str(error)) from None
        click.echo("Demo network loaded.")
    click.echo("Log in with:")
    for login in logins:
        click.echo(f"  {login.role:<24} {login.email:<32} password: {login.password}")


@mail_cli.command("retry")
def mail_retry() -> None:
    """Try again to send every queued email."""
    from ..mail import deliver

    ids = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")).all()
    sent = deliver(ids)
    click.echo(f"Sent {sent} of {len(ids)} queued messages.")


def init_app(app: Flask) -> None:
    """Register the command groups on ``app``."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
