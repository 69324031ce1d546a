"""Groups: topic groups and peer sub-groups, the directory, membership and proposals."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from . import manage_views, views  # noqa: E402,F401
