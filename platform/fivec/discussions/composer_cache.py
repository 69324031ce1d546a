"""Render the reply box once per thread and kind of reader, fill it in per request.

The reply composer (a form with a label, hints, a textarea, a preview and perhaps the
guidelines to agree to) cost half a millisecond to render, a sixth of a cached thread
page. An empty composer looks the same to every reader of a thread but for the CSRF
token and the draft's ``client_token``, so it is rendered with markers for those
(``personal``) and kept in a small LRU keyed on what it shows:

    (thread id, group name, reply-to post id, the guidelines still to agree to)

Each request fills the markers: the reader's own CSRF token and a fresh draft token, so
two tabs never share a draft (a shared one would turn the second reply into a "double
submit" of the first). A composer the member sent back with errors to show is rendered
for that request alone, with what they typed.
"""

from __future__ import annotations

from flask import render_template

from ..memo import Memo, app_memo
from ..models import Thread
from .forms import ReplyForm
from .personal import Marked, split_marked
from .screening import guidelines_prompt

_EXTENSION_KEY = "fivec_composer_cache"
MAX_ENTRIES = 4096  # ~3 KB each


def _cache() -> Memo[Marked]:
    return app_memo(_EXTENSION_KEY, lambda: Memo[Marked]("reply composers", MAX_ENTRIES))


def shared_composer(thread: Thread, reply_to: int | None) -> Marked:
    """The empty reply composer for ``thread`` (answering ``reply_to``), with markers."""
    prompt = guidelines_prompt(thread.group)
    key = (thread.id, thread.group.name, reply_to, prompt.token if prompt else None)

    def render() -> Marked:
        form = ReplyForm()
        form.parent_id.data = reply_to
        return split_marked(
            render_template(
                "discussions/_reply_composer.html", form=form, thread=thread, group=thread.group
            )
        )

    return _cache().get(key, render)
