"""FiveC: a web platform for healthcare quality-improvement networks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request

from .config import Settings, load_secret_key
from .database import configure_sqlite, set_read_only_request
from .extensions import csrf, db, limiter, login_manager, migrate, socketio

ROOT = Path(__file__).resolve().parents[2]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, socket events and CLI commands.

    ``config`` overrides settings by field name (e.g. ``{"instance_path": tmp}``) or sets
    Flask config keys (upper case), which is how tests point the app at temp folders.
    """
    overrides = dict(config or {})
    settings = Settings.from_env()
    field_overrides = {k: v for k, v in overrides.items() if k.islower()}
    if field_overrides:
        settings = Settings(**{**settings.__dict__, **field_overrides})
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key or load_secret_key(settings.instance_path),
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        FIVEC=settings,
    )
    app.config.update({k: v for k, v in overrides.items() if k.isupper()})

    _init_extensions(app, settings)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask, settings: Settings) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=settings.message_queue or None,
        # None: engine.io accepts only same-origin connections (Origin must match Host).
        cors_allowed_origins=None,
    )
    with app.app_context():
        configure_sqlite(db.engine)

    @app.before_request
    def _mark_reads() -> None:
        set_read_only_request(request.method in {"GET", "HEAD", "OPTIONS"})


def _register_blueprints(app: Flask) -> None:
    import benchmarks.models  # noqa: F401  (scorecards: measures, submissions, results)
    import moderation.models  # flags, review queue, audit log, sanctions
    from benchmarks.api import api_bp as benchmarks_api_bp
    from benchmarks.views import bp as benchmarks_bp

    from . import (
        access,
        discussions,
        models,  # noqa: F401  (register tables with the metadata)
        notifications,
        request_memo,
        search,
    )
    from .accounts import bp as accounts_bp
    from .core import bp as core_bp
    from .core import context, security, urls
    from .digests import bp as digests_bp
    from .discussions import bp as discussions_bp
    from .groups import bp as groups_bp
    from .network import bp as network_bp
    from .notifications import bp as notifications_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(benchmarks_bp)
    app.register_blueprint(benchmarks_api_bp)
    csrf.exempt(benchmarks_api_bp)  # bearer tokens, no cookies: CSRF cannot apply
    app.register_blueprint(accounts_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(network_bp)
    app.register_blueprint(discussions_bp)
    app.register_blueprint(digests_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(search.bp)
    import moderation

    app.register_blueprint(moderation.bp)
    request_memo.init_app()
    access.init_app(app)
    moderation.init_app(app)
    security.init_app(app)
    context.init_app(app)
    discussions.init_app(app)
    from .discussions import events

    events.init_app(app)
    notifications.init_app(app)
    search.init_app(app)  # subscribes the index to the after-commit signals
    from benchmarks.panels_home import group_results, home_results

    context.add_panel(app, "home", "benchmarks/_results_panel.html", home_results)
    context.add_panel(app, "group", "benchmarks/_results_panel.html", group_results)
    context.add_nav_item(app, "core.home", "Home")
    context.add_nav_item(app, "groups.directory", "Groups")
    context.add_nav_item(app, "accounts.directory", "People")
    context.add_nav_item(app, "benchmarks.index", "Scorecards")
    urls.init_app(app)  # last: it checks no blueprint added URL defaults


def _register_cli(app: Flask) -> None:
    from .core import cli
    from .digests import cli as digest_cli
    from .search import cli as search_cli

    cli.init_app(app)
    digest_cli.init_app(app)
    search_cli.init_app(app)
