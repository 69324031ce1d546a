"""Moderation: flags, review queue, moderator actions, audit log and the patient-information guard.

The package imports the core; the core never imports it. ``init_app`` plugs it in: the
post screen (``fivec.discussions.screening``), the silence and suspension rules
(``fivec.access``), and the header's "Moderation" link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("moderation", __name__)


def init_app(app: Flask) -> None:
    """Install the post screen, the member rules and the template helpers."""
    from fivec import access
    from fivec.discussions import page_shell, screening
    from fivec.extensions import db
    from fivec.viewer_facts import add_viewer_fact

    from .guard import ModerationScreen
    from .guidelines import (
        first_posts_fact,
        guideline_agreements_fact,
        is_new_member,
        network_guidelines_fact,
    )
    from .models import FLAG_REASONS
    from .queue import move_target_options
    from .sanctions import sanctions_in_force_fact, silence_rule, suspension_rule

    screening.install(app, ModerationScreen())
    access.add_posting_rule(app, silence_rule)
    access.add_login_rule(app, suspension_rule)
    add_viewer_fact(app, "sanctions_in_force", sanctions_in_force_fact)
    add_viewer_fact(app, "first_posts", first_posts_fact)
    add_viewer_fact(app, "network_guidelines", network_guidelines_fact)
    add_viewer_fact(app, "guideline_agreements", guideline_agreements_fact)

    def moderates_anything() -> bool:
        try:
            return access.moderates_anything(access.unwrapped(current_user))
        except SQLAlchemyError:  # the error page must render when the database is down
            db.session.rollback()
            return False

    def moderates_group(group: Any) -> bool:
        """Answer once per group and request: every post on a thread page asks."""
        cache = g.setdefault("moderates_group", {})
        if group.id not in cache:
            cache[group.id] = moderates_anything() and access.can_moderate_group(
                access.unwrapped(current_user), group
            )
        return bool(cache[group.id])

    def shows_coaching() -> bool:
        viewer = access.unwrapped(current_user)
        return bool(viewer.is_authenticated and is_new_member(viewer))

    def thread_shell_key(viewer: Any, thread: Any) -> tuple[Any, ...]:
        """What the header and the moderation panel ask about the viewer: part of the
        key of kept thread-page frames (``fivec.discussions.page_shell``)."""
        moderates = moderates_group(thread.group)
        targets = move_target_options(viewer, thread.group_id) if moderates else None
        return (moderates_anything(), moderates, shows_coaching(), targets)

    page_shell.add_shell_key(app, thread_shell_key)

    @app.context_processor
    def _moderation_helpers() -> dict[str, Any]:
        return {
            "moderates_anything": moderates_anything,
            "moderates_group": moderates_group,
            "held_note": screening.held_note,
            "guidelines_prompt": screening.guidelines_prompt,
            "shows_coaching": shows_coaching,
            "flag_reasons": FLAG_REASONS.items(),
            "move_target_options": lambda group: move_target_options(
                access.unwrapped(current_user), group.id
            ),
        }


from . import log_views, member_views, thread_views, views  # noqa: E402,F401
