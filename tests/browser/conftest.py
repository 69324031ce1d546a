"""Browser tests: the real app served on loopback, driven by Debian's Chromium.

Locally they skip with a clear message when Chromium is missing; with
``FIVEC_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from fivec import create_app
from fivec.database import set_read_only_request
from fivec.extensions import db
from tests.conftest import _app_config

CHROMIUM = os.environ.get("FIVEC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_missing_reason() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e .[dev])"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("FIVEC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Browser tests are required here but cannot run: {reason}")
        pytest.skip(f"Browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _static_read_whole(app: Any) -> Any:
    """Hand static files to Werkzeug's test server as bytes, their file already closed.

    When a browser navigates away while a script is still downloading, the dev server's
    clean-up reads the reset connection, raises, and never closes the file; the warning
    about the unclosed file then fails whichever test the garbage collector runs in.
    gunicorn, which serves FiveC in production, closes the body in every case."""

    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        body = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


class LiveServer:
    """The app on a real loopback port, in a background thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, _static_read_whole(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def app(instance: Path) -> Iterator[Flask]:
    """The one app per test that the browser talks to and fixtures set up data in.

    One app matters: Socket.IO has one server per process, bound by the latest
    ``create_app``, so a second app would send live events to a server nobody is on.
    """
    app = create_app(_app_config(instance, WTF_CSRF_SSL_STRICT=False))
    # The test's own reads must not hold SQLite's write lock while the browser posts:
    # its transactions are deferred (its writes are never concurrent with the browser's).
    set_read_only_request(True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(app: Flask, browser: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[[], Any]]:
    """Open a page in a fresh browser context (its own cookies: another person)."""
    contexts: list[Any] = []

    def open_page() -> Any:
        db.session.commit()  # release the test's read snapshot before the browser writes
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Any]) -> Any:
    return new_page()
