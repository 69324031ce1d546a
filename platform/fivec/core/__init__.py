"""Pages that belong to no single feature: home, health check, error pages."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from . import views  # noqa: E402,F401
