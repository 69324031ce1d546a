"""``flask --app fivec recook``: render every post again after the allowlist changes."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..content import cook
from ..extensions import db
from ..models import Post

BATCH = 500


@click.command("recook")
@with_appcontext
def recook_command() -> None:
    """Re-render every post's HTML from its Markdown source."""
    total = db.session.scalar(select(func.count(Post.id))) or 0
    changed = 0
    last_id = 0
    with click.progressbar(length=total, label="Re-rendering posts") as bar:
        while True:
            posts = db.session.scalars(
                select(Post).where(Post.id > last_id).order_by(Post.id).limit(BATCH)
            ).all()
            if not posts:
                break
            for post in posts:
                html = cook(post.body_source).html
                if html != post.body_html:
                    post.body_html = html
                    changed += 1
            last_id = posts[-1].id
            db.session.commit()
            bar.update(len(posts))
    click.echo(f"Re-rendered {total} posts; {changed} changed.")
