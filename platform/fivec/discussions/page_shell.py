"""Render the thread page around its posts once per kind of reader, fill it in per request.

The posts and the reply composer are already rendered once and filled in per reader
(``page_cache``, ``composer_cache``); what was left was the frame around them (header,
breadcrumb, watch form, moderation panel, flag dialog), a fifth of a member's page and a
quarter of a moderator's. It is the same for every reader of a kind but for a few parts,
so it is rendered with markers (``personal.mark``) for those parts and kept:

- per reader, filled in on every view: the CSRF token, the link to the member's own
  profile, the posts, the composer and the "jump to the first new post" link;
- per kind of reader, part of the key: everything else the templates ask about the
  viewer. The core parts are below (``_core_key``); a package whose templates ask more
  (the moderation panel: moderates the group? coaching? move targets?) registers its
  own part with ``add_shell_key``, as it registers viewer facts.

The thread's own fields are in the key too, with its ``content_version`` for the posts'
changes, so a stale frame is simply never asked for again. A page with flash messages to
show is rendered for its request alone (showing them removes them from the session), as
is every page when the app's ``FIVEC_KEEP_THREAD_FRAMES`` setting is False.
A template that starts asking something new about the viewer must add it to a key:
``tests/discussions/test_page_shell.py`` compares kept frames with fresh renders for
readers of every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, render_template, session
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from ..access import is_network_admin, posting_bar
from ..core.context import profile_link
from ..memo import Memo, app_memo
from ..models import Thread, User
from ..viewer_facts import viewer_fact
from .personal import Marked, fill_parts, mark, split_marked

ShellKey = Callable[[User, Thread], Hashable]
_KEYS = "fivec_thread_shell_keys"
MAX_BYTES = 16 * 1024 * 1024  # per process; a frame is 5 KB (member) to 10 KB (moderator)


def add_shell_key(app: Flask, part: ShellKey) -> None:
    """Add ``part(viewer, thread)`` to the key of kept thread-page frames."""
    app.extensions.setdefault(_KEYS, []).append(part)


def _cache() -> Memo[Marked]:
    return app_memo(
        "fivec_thread_shells",
        lambda: Memo[Marked](
            "thread page frames", 50_000, weigh=lambda m: m.size, max_weight=MAX_BYTES
        ),
    )


def clear() -> None:
    """Forget every kept frame (tests; after restoring the database in place)."""
    _cache().clear()


def _core_key(viewer: User, thread: Thread, context: dict[str, Any]) -> Hashable:
    group = thread.group
    page = context["page"]
    return (
        thread.id,
        thread.content_version,
        thread.title,
        thread.reply_count,
        thread.last_post_id,
        thread.is_locked,
        thread.is_pinned,
        thread.slow_mode_seconds,
        thread.slow_mode_reason,
        group.id,
        group.name,
        page.page,
        page.pages,
        context["can_reply"],
        context["watch_level"],
        context["composer_html"] is not None,
        viewer_fact(viewer, "network_name"),
        viewer_fact(viewer, "unread_notifications"),
        is_network_admin(viewer),
        posting_bar(viewer, group),
    )


def thread_page_html(viewer: User, thread: Thread, context: dict[str, Any], keep: bool) -> str:
    """The thread page for ``viewer``: ``context`` is ``thread.html``'s, with the
    reader's own ``posts_html``, ``composer_html`` and ``first_new_link`` in it. With
    ``keep`` False (a reply sent back with its errors) the page is rendered afresh."""
    fresh = not keep or not current_app.config.get("FIVEC_KEEP_THREAD_FRAMES", True)
    if fresh or session.get("_flashes"):
        return render_template("discussions/thread.html", **context)
    parts = tuple(part(viewer, thread) for part in current_app.extensions.get(_KEYS, []))
    key = (_core_key(viewer, thread, context), parts)

    def render() -> Marked:
        markers = {
            "posts_html": mark("posts"),
            "composer_html": None if context["composer_html"] is None else mark("composer"),
            "first_new_link": mark("firstnew"),
            "csrf_token": lambda: mark("csrf"),
            "my_profile_link": lambda: mark("me"),
        }
        return split_marked(render_template("discussions/thread.html", **{**context, **markers}))

    return fill_parts(
        _cache().get(key, render),
        {
            "posts": context["posts_html"],
            "composer": context["composer_html"] or "",
            "firstnew": context["first_new_link"],
            "csrf": str(escape(generate_csrf())),
            "me": profile_link(viewer),
        },
    )
