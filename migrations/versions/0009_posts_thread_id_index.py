"""posts: an index on (thread_id, id) for "the first post I have not seen"

Revision ID: 0009_posts_thread_id_index
Revises: 0008_thread_content_version
Create Date: 2026-11-22 11:20:00

A thread page links to the oldest post the reader has not seen: the smallest post id in
the thread above the last one they saw. Without this index SQLite walked the
``status`` index across every thread's posts (1 ms a view of a 1,000-reply thread); with
it the answer is one index seek (5 µs).
"""

from alembic import op


revision = "0009_posts_thread_id_index"
down_revision = "0008_thread_content_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_posts_thread_id", "posts", ["thread_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_thread_id", table_name="posts")
