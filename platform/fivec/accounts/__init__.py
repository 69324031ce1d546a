"""Members: register, log in, reset a password, profiles and the directory."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import views  # noqa: E402,F401
