"""Settings, the instance folder, and SQLite that never says "database is locked"."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from fivec import create_app
from fivec.config import Settings, load_secret_key
from fivec.extensions import db
from fivec.models import Organisation


def test_settings_are_read_from_fivec_environment_variables(tmp_path):
    settings = Settings.from_env(
        {"FIVEC_PORT": "8080", "FIVEC_INSTANCE_PATH": str(tmp_path), "FIVEC_SMTP_STARTTLS": "yes"}
    )
    assert settings.port == 8080
    assert settings.instance_path == tmp_path.resolve()
    assert settings.smtp_starttls is True
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'fivec.sqlite3'}"


def test_a_bad_setting_names_the_variable():
    with pytest.raises(ValueError, match="FIVEC_PORT='eighty' is not a valid int"):
        Settings.from_env({"FIVEC_PORT": "eighty"})


def test_database_url_switches_to_postgresql():
    url = "postgresql+psycopg://fivec@localhost/fivec"
    assert Settings.from_env({"FIVEC_DATABASE_URL": url}).sqlalchemy_url == url


def test_secret_key_is_generated_once_and_private(tmp_path: Path):
    first = load_secret_key(tmp_path)
    assert load_secret_key(tmp_path) == first and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_folder_is_created_and_holds_the_database(tmp_path):
    instance = tmp_path / "new-instance"
    app = create_app({"instance_path": instance})
    assert app.instance_path == str(instance)
    assert (instance / "secret_key").exists()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("new-instance/fivec.sqlite3")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_writers_never_fail_with_database_is_locked(app):
    """Eight threads each read-then-write 25 times: every write lands."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(25):
                    count = db.session.scalar(select(db.func.count(Organisation.id)))
                    db.session.add(Organisation(name=f"Org {n}-{i} after {count}", kind="other"))
                    db.session.commit()
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 200


def test_migrations_match_the_models(app):
    """Every schema change has a migration: autogenerate finds nothing left to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []
