"""threads.content_version, bumped by triggers whenever what a thread page shows changes;
posts.deleted_by_moderator

Revision ID: 0008_thread_content_version
Revises: 0007_measure_figures_stamp
Create Date: 2026-11-22 09:30:00

The thread page caches its rendered posts keyed on this number
(fivec.discussions.page_cache). Triggers, not application code, bump it so that every
write path counts, including bulk UPDATEs that bypass the ORM (moderation moves, merges,
edits) and foreign-key actions (a deleted member's posts).
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_thread_content_version"
down_revision = "0007_measure_figures_stamp"
branch_labels = None
depends_on = None

BUMP = "UPDATE threads SET content_version = content_version + 1 WHERE id = {thread}"
BUMP_AUTHOR = (
    "UPDATE threads SET content_version = content_version + 1 "
    "WHERE id IN (SELECT DISTINCT thread_id FROM posts WHERE author_id = NEW.id)"
)

SQLITE_TRIGGERS = {
    "posts_bump_thread_after_insert": f"""
        CREATE TRIGGER posts_bump_thread_after_insert AFTER INSERT ON posts
        BEGIN {BUMP.format(thread="NEW.thread_id")}; END""",
    "posts_bump_thread_after_update": f"""
        CREATE TRIGGER posts_bump_thread_after_update AFTER UPDATE ON posts
        BEGIN
            {BUMP.format(thread="NEW.thread_id")};
            {BUMP.format(thread="OLD.thread_id")} AND OLD.thread_id != NEW.thread_id;
        END""",
    "posts_bump_thread_after_delete": f"""
        CREATE TRIGGER posts_bump_thread_after_delete AFTER DELETE ON posts
        BEGIN {BUMP.format(thread="OLD.thread_id")}; END""",
    "users_bump_threads_after_rename": f"""
        CREATE TRIGGER users_bump_threads_after_rename AFTER UPDATE OF display_name ON users
        BEGIN {BUMP_AUTHOR}; END""",
}

POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION fivec_bump_thread_for_post() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN {BUMP.format(thread="NEW.thread_id")}; END IF;
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.thread_id <> NEW.thread_id) THEN
        {BUMP.format(thread="OLD.thread_id")};
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION fivec_bump_threads_for_author() RETURNS trigger AS $$
BEGIN {BUMP_AUTHOR}; RETURN NULL; END $$ LANGUAGE plpgsql;
CREATE TRIGGER posts_bump_thread AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION fivec_bump_thread_for_post();
CREATE TRIGGER users_bump_threads_after_rename AFTER UPDATE OF display_name ON users
    FOR EACH ROW EXECUTE FUNCTION fivec_bump_threads_for_author();
"""


def upgrade():
    with op.batch_alter_table("threads") as batch_op:
        batch_op.add_column(
            sa.Column("content_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(
            sa.Column("deleted_by_moderator", sa.Boolean(), server_default="0", nullable=False)
        )
    if op.get_bind().dialect.name == "sqlite":
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)
    else:
        op.execute(POSTGRES_FUNCTIONS)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS posts_bump_thread ON posts")
        op.execute("DROP TRIGGER IF EXISTS users_bump_threads_after_rename ON users")
        op.execute("DROP FUNCTION IF EXISTS fivec_bump_thread_for_post()")
        op.execute("DROP FUNCTION IF EXISTS fivec_bump_threads_for_author()")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("deleted_by_moderator")
    with op.batch_alter_table("threads") as batch_op:
        batch_op.drop_column("content_version")
