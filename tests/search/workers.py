"""Run in a separate process by the concurrency test: index some posts and exit."""

from __future__ import annotations

from pathlib import Path


def index_in_process(instance: str, post_ids: list[int]) -> int:
    """Create the app like a worker process does and index ``post_ids`` one at a time."""
    from fivec import create_app
    from fivec.extensions import db
    from fivec.search import index_posts

    app = create_app({"instance_path": Path(instance), "TESTING": True})
    failures = 0
    with app.app_context():
        for post_id in post_ids:
            failures += not index_posts([post_id])
        db.session.remove()
        db.engine.dispose()
    return failures
