"""What differs between readers of the same thread page, filled in after rendering.

A page of posts looks the same to every ordinary reader of a thread except for a few
details: which posts are new to *me*, which I found helpful or bookmarked, which are
mine (no "Helpful" or "Flag" on my own post; "Edit" and "Delete" instead), and my CSRF
token. The templates write a marker for each of those details instead of the detail
itself, so the rest of the HTML can be rendered once and reused (``page_cache``); then
``personalise`` swaps the markers for one reader in a single pass over the pieces.

Markers carry a random per-process nonce, so text a member types into a post can never
be mistaken for one (post bodies are cooked before rendering and never hold the nonce).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from markupsafe import Markup, escape

from .forms import new_client_token

NONCE = secrets.token_hex(8)
_OPEN = f"\u27ea{NONCE}:"  # every marker starts so; post text never holds the nonce
_CLOSE = "\u27eb"


def mark(kind: str, post_id: int = 0) -> Markup:
    """A placeholder for one per-reader detail (``kind`` in ``FILLERS``)."""
    return Markup(f"{_OPEN}{kind}:{int(post_id)}{_CLOSE}")  # noqa: S704 (no input)


def others_only(post_id: int) -> Markup:
    """Open a region shown only to readers who did not write post ``post_id``."""
    return Markup(f"{_OPEN}others:{int(post_id)}{_CLOSE}")  # noqa: S704 (no input)


def end_others_only() -> Markup:
    return Markup(f"{_OPEN}/others{_CLOSE}")  # noqa: S704 (no input)


@dataclass
class Reader:
    """One reader's side of a page: what ``personalise`` fills the markers with."""

    user_id: int | None
    csrf: str
    authors: dict[int, int | None]  # post id -> author id, for every post on the page
    last_seen: int | None = None
    helpful: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    editable: set[int] = field(default_factory=set)

    def is_mine(self, post_id: int) -> bool:
        return self.user_id is not None and self.authors.get(post_id) == self.user_id

    def is_new(self, post_id: int) -> bool:
        return self.last_seen is not None and post_id > self.last_seen and not self.is_mine(post_id)


def _new_class(reader: Reader, post_id: int) -> str:
    return " is-new" if reader.is_new(post_id) else ""


def _new_badge(reader: Reader, post_id: int) -> str:
    return '<span class="badge badge-new">New</span>' if reader.is_new(post_id) else ""


def _helpful(reader: Reader, post_id: int) -> str:
    pressed = post_id in reader.helpful
    attributes = (
        f' class="btn btn-small {"btn-primary" if pressed else "btn-secondary"}"'
        f' aria-pressed="{"true" if pressed else "false"}"'
    )
    if reader.is_mine(post_id):
        attributes += ' disabled title="You cannot mark your own post"'
    return attributes


def _bookmark(reader: Reader, post_id: int) -> str:
    saved = post_id in reader.bookmarked
    return (
        f'<button class="btn btn-secondary btn-small" type="submit" aria-pressed='
        f'"{"true" if saved else "false"}">{"Bookmarked" if saved else "Bookmark"}</button>'
    )


def _edit(reader: Reader, post_id: int) -> str:
    if post_id not in reader.editable:
        return ""
    edit = escape(url_for("discussions.edit", post_id=post_id))
    delete = escape(url_for("discussions.delete", post_id=post_id))
    return (
        f'<a class="btn btn-secondary btn-small" href="{edit}">Edit</a>'
        f'<form class="inline-form" method="post" action="{delete}">'
        f'<input type="hidden" name="csrf_token" value="{escape(reader.csrf)}">'
        f'<button class="btn btn-secondary btn-small" type="submit" '
        f'data-confirm="Delete this post? Replies to it will stay.">Delete</button></form>'
    )


FILLERS: dict[str, Callable[[Reader, int], str]] = {
    "draft": lambda _reader, _id: new_client_token(),  # URL-safe: nothing to escape
    "newclass": _new_class,
    "newbadge": _new_badge,
    "helpful": _helpful,
    "bookmark": _bookmark,
    "edit": _edit,
}


@dataclass(frozen=True)
class Marked:
    """Rendered HTML split at its markers once, when it is rendered, so that each reader's
    pass only walks the pieces: ``head``, then (kind, post id, text up to the next
    marker) for every marker. Immutable, so every reader shares one."""

    head: str
    pieces: tuple[tuple[str, int, str], ...]
    size: int  # characters, for weighing a memo of rendered pages


def split_marked(html: str) -> Marked:
    """Split ``html`` (our own rendered template) at its markers."""
    head, *rest = html.split(_OPEN)
    pieces = []
    for piece in rest:
        marker, _, text = piece.partition(_CLOSE)
        kind, _, ident = marker.partition(":")
        pieces.append((kind, int(ident or 0), text))
    return Marked(head, tuple(pieces), len(html))


def personalise(html: str | Marked, reader: Reader) -> Markup:
    """Fill every marker in ``html`` (a rendered page of posts) for ``reader``.

    One pass over the pieces between markers (split once when the HTML was rendered:
    ``split_marked``). A region for others is dropped whole, up to its closing marker,
    when the reader wrote the post.
    """
    marked = html if isinstance(html, Marked) else split_marked(html)
    # ``html`` is our own rendered template and every filler escapes what it inserts.
    csrf = str(escape(reader.csrf))  # the same token everywhere
    out = [marked.head]
    hidden_depth = 0  # > 0 inside an "others only" region of the reader's own post
    for kind, ident, text in marked.pieces:
        if kind == "csrf":
            if hidden_depth:
                continue
            out.append(csrf)
        elif kind == "others":
            if hidden_depth or reader.is_mine(ident):
                hidden_depth += 1
                continue
        elif kind == "/others":
            hidden_depth = max(hidden_depth - 1, 0)
            if hidden_depth:
                continue
        elif hidden_depth:
            continue
        else:
            out.append(FILLERS[kind](reader, ident))
        out.append(text)
    return Markup("".join(out))  # noqa: S704


def fill_parts(marked: Marked, parts: dict[str, str]) -> Markup:
    """Fill each marker of ``marked`` with ``parts[kind]``: the same text wherever the
    kind appears, already escaped or rendered by the caller (the kept thread-page frame,
    ``page_shell``, whose markers stand for whole parts rather than per-post details)."""
    out = [marked.head]
    for kind, _ident, text in marked.pieces:
        out.append(parts[kind])
        out.append(text)
    return Markup("".join(out))  # noqa: S704 (our own template, filled with safe parts)
