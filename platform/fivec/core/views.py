"""Home page and a plain endpoint for load-test baselines."""

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..access import is_member
from ..network.actions import get_network, network_size
from . import bp
from .feeds import recent_threads


@bp.get("/")
def home() -> ResponseReturnValue:
    """Show the network's purpose, guidelines and size; members also see what is new."""
    member = is_member(current_user)
    return render_template(
        "home.html",
        network=get_network(),
        size=network_size(),
        threads=recent_threads(current_user) if member else [],
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer load balancers and the perf baseline ("hello world" served the same way)."""
    return {"status": "ok"}
