"""The network itself: purpose and guidelines, organisations, admin pages, the outbox."""

from flask import Blueprint

bp = Blueprint("network", __name__, url_prefix="/admin")

from . import views  # noqa: E402,F401
