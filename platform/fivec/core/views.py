"""Home page and a plain endpoint for load-test baselines."""

from flask import render_template
from flask.typing import ResponseReturnValue

from ..network.actions import get_network, network_size
from . import bp


@bp.get("/")
def home() -> ResponseReturnValue:
    """Show the network's purpose, guidelines and size."""
    return render_template("home.html", network=get_network(), size=network_size())


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer load balancers and the perf baseline ("hello world" served the same way)."""
    return {"status": "ok"}
