"""The screen every post passes before it is published (installed into discussions).

A post that looks like it identifies a patient (``moderation.pii``) is held for review,
and so are a member's first posts in a group that asks for approval. Decision on edits:
an edit that removes the patient's details does not publish a held post by itself; it
stays held until a moderator approves it, so a person checks every post that once held
patient details (and its history is wiped of them on approval).
"""

from __future__ import annotations

from sqlalchemy import func, select

from fivec.access import can_moderate_group
from fivec.discussions.screening import GuidelinesPrompt, Hold
from fivec.extensions import db
from fivec.models import Group, Post, Thread, User

from . import guidelines
from .models import ReviewItem
from .pii import scan_for_patient_identifiers

PII_WORDS = {
    "nhs_number": "an NHS number",
    "date_of_birth_with_name": "a date of birth next to a name",
    "postcode_with_name": "a postcode next to a name",
}


def pii_note(kinds: list[str]) -> str:
    """Tell the author, in plain words, why their post is held (never quoting it)."""
    words = [PII_WORDS.get(k, "patient details") for k in dict.fromkeys(kinds)]
    found = " and ".join(words)
    return (
        f"Held for a moderator: it looks like it contains {found}. "
        "Please edit it to remove the patient's details."
    )


def first_post_note(group: Group) -> str:
    return (
        f"Held for a moderator: a new member's first posts in {group.name} are checked "
        "before everyone sees them. It will appear once a moderator approves it."
    )


def open_item(post: Post, kind: str, note: str = "") -> ReviewItem:
    """Return the post's open review item of ``kind``, adding one if there is none."""
    item = db.session.scalar(
        select(ReviewItem).where(
            ReviewItem.post_id == post.id, ReviewItem.kind == kind, ReviewItem.status == "open"
        )
    )
    if item is None:
        item = ReviewItem(post_id=post.id, kind=kind, group_id=post.thread.group_id, note=note)
        db.session.add(item)
    elif note:
        item.note = note
    return item


def _approved_posts_in(author: User, group: Group, exclude_post_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Post.id))
            .join(Thread, Thread.id == Post.thread_id)
            .where(
                Thread.group_id == group.id,
                Post.author_id == author.id,
                Post.status.in_(["published", "hidden"]),
                Post.id != exclude_post_id,
            )
        )
        or 0
    )


class ModerationScreen:
    """The moderation package's ``PostScreen``."""

    def guidelines_prompt(self, member: User, group: Group) -> GuidelinesPrompt | None:
        return guidelines.prompt_for(member, group)

    def accept_guidelines(self, member: User, group: Group) -> None:
        guidelines.accept(member, group)

    def screen(self, author: User, post: Post, text: str, *, editing: bool) -> Hold | None:
        """Hold a post with patient details, or a new member's first posts."""
        findings = scan_for_patient_identifiers(text)
        if findings:
            note = pii_note([f.kind for f in findings])
            open_item(post, "held_pii", note)
            return Hold("held_pii", note)
        group = post.thread.group
        needed = group.first_posts_needing_approval or 0
        if editing or needed <= 0 or can_moderate_group(author, group):
            return None
        if _approved_posts_in(author, group, post.id) >= needed:
            return None
        note = first_post_note(group)
        open_item(post, "first_post", note)
        return Hold("first_post", note)

    def held_note(self, post: Post) -> str | None:
        return db.session.scalar(
            select(ReviewItem.note)
            .where(ReviewItem.post_id == post.id, ReviewItem.status == "open")
            .order_by(ReviewItem.kind.desc())  # held_pii before first_post
            .limit(1)
        )
