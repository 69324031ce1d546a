"""Weekly digests: what each member may read and wants, by email, exactly once a period."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("digests", __name__, url_prefix="/digests")

from . import views  # noqa: E402,F401  (routes on bp)
