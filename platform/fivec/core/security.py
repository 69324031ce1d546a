"""Security baseline: headers, safe redirects and error pages that reveal nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ERROR_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("You cannot do that", "Your account does not have permission for this page."),
    404: (
        "We cannot find that page",
        "It may have moved, or you may not have access to it. Check the address or go home.",
    ),
    405: ("That did not work", "This page cannot be used that way."),
    413: ("That is too large", "The file or text you sent is larger than we accept."),
    429: (
        "Too many attempts",
        "For your account's safety we have paused this for a minute. Please wait and try again.",
    ),
    500: (
        "Sorry, something went wrong on our side",
        "The team has been told. Please try again in a moment.",
    ),
}


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return ``target`` only when it is a path on this site, else ``fallback``.

    Blocks open redirects: absolute URLs, scheme-relative ``//host``, backslash tricks
    (browsers read ``/\\host`` as ``//host``) and control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def _add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def render_error(status: int) -> ResponseReturnValue:
    """Render the friendly page for ``status``: JSON for API clients, HTML otherwise."""
    title, detail = ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "detail": detail}, status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def init_app(app: Flask) -> None:
    """Install headers and error handlers on ``app``."""
    app.after_request(_add_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> ResponseReturnValue:
        title = "This form has expired"
        detail = (
            "For your security, forms expire. Please go back, reload the page and send it again."
        )
        return render_template("errors/error.html", status=400, title=title, detail=detail), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
