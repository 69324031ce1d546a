"""The demo network comes with believable threaded conversations."""

from __future__ import annotations

from sqlalchemy import func, select

from fivec.demo import load_demo
from fivec.extensions import db
from fivec.models import Post, Thread


def test_demo_loads_threads_with_replies_to_replies(app):
    load_demo()
    titles = set(db.session.scalars(select(Thread.title)))
    assert "Getting antibiotics within the hour on AMU: what worked for you?" in titles
    assert db.session.scalar(select(func.max(Post.depth))) >= 3
    mention = db.session.scalar(select(Post).where(Post.body_source.contains("@[Priya Shah]")))
    assert 'class="mention"' in mention.body_html
