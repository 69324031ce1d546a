"""Guidelines members agree to before their first post, and coaching for newcomers.

An acceptance stores a hash of the text agreed to, so changed guidelines are agreed to
again. New members (joined under 14 days ago, or fewer than 3 posts) see a short "How we
talk here" panel on thread pages.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, String, cast, func, select

from fivec.clock import utcnow
from fivec.discussions.screening import GuidelinesPrompt
from fivec.extensions import db
from fivec.models import Group, NetworkSettings, Post, User
from fivec.viewer_facts import FactParams, viewer_fact

from .models import GuidelineAcceptance

NEW_MEMBER_DAYS = 14
NEW_MEMBER_POSTS = 3


@lru_cache(maxsize=256)
def text_hash(text: str) -> str:
    """Return the SHA-256 of guidelines text (whitespace-insensitive); every composer
    asks, for the same few texts, so the answers are kept."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def _network_guidelines(member: User) -> str:
    return viewer_fact(member, "network_guidelines") or ""


def network_guidelines_fact(_: FactParams) -> ColumnElement[str | None]:
    """The network's guidelines text: every composer checks it has been agreed to."""
    return select(NetworkSettings.guidelines).where(NetworkSettings.id == 1).scalar_subquery()


def _pending(member: User, group: Group) -> list[tuple[int | None, str, str]]:
    """Return (group id or None, title, text) for each text ``member`` has not agreed to."""
    wanted = [(None, "The network's guidelines", _network_guidelines(member))]
    wanted.append((group.id, f"{group.name}: the group's own guidelines", group.guidelines or ""))
    wanted = [w for w in wanted if w[2].strip()]
    if not wanted:
        return []
    accepted = _agreements(viewer_fact(member, "guideline_agreements") or "")
    return [w for w in wanted if (w[0], text_hash(w[2])) not in accepted]


def _agreements(fact: str) -> set[tuple[int | None, str]]:
    """Parse the ``guideline_agreements`` fact: ``"<group id or empty>:<hash>"``, spaced."""
    agreed = set()
    for item in fact.split():
        group_id, _, hashed = item.partition(":")
        agreed.add((int(group_id) if group_id else None, hashed))
    return agreed


def guideline_agreements_fact(params: FactParams) -> ColumnElement[str | None]:
    """Every text the member has agreed to, as ``"<group id or empty>:<hash>"`` separated
    by spaces: every composer asks, and a member has agreed to a handful of texts, so the
    answer rides along with the viewer's other facts instead of a statement of its own."""
    agreement = func.coalesce(cast(GuidelineAcceptance.group_id, String), "") + ":"
    return (
        select(func.aggregate_strings(agreement + GuidelineAcceptance.text_hash, " "))
        .where(GuidelineAcceptance.user_id == params.viewer_id)
        .scalar_subquery()
    )


def prompt_for(member: User, group: Group) -> GuidelinesPrompt | None:
    """Return the guidelines ``member`` must agree to before posting in ``group``, or None."""
    pending = _pending(member, group)
    if not pending:
        return None
    token = hashlib.sha256("|".join(text_hash(t) for _, _, t in pending).encode()).hexdigest()
    return GuidelinesPrompt(tuple((title, text) for _, title, text in pending), token[:32])


def accept(member: User, group: Group) -> None:
    """Record that ``member`` agreed to the guidelines now shown for ``group`` (no commit)."""
    for group_id, _, text in _pending(member, group):
        db.session.add(
            GuidelineAcceptance(user_id=member.id, group_id=group_id, text_hash=text_hash(text))
        )


def is_new_member(member: User) -> bool:
    """Joined under two weeks ago, or has written fewer than three posts."""
    if member.created_at > utcnow() - timedelta(days=NEW_MEMBER_DAYS):
        return True
    return (viewer_fact(member, "first_posts") or 0) < NEW_MEMBER_POSTS


def first_posts_fact(params: FactParams) -> ColumnElement[int]:
    """How many published posts the member has, counted up to ``NEW_MEMBER_POSTS`` only:
    a prolific member's count would otherwise read thousands of rows on every page."""
    first = (
        select(Post.id)
        .where(Post.author_id == params.viewer_id, Post.status == "published")
        .limit(NEW_MEMBER_POSTS)
        .subquery()
    )
    return select(func.count()).select_from(first).scalar_subquery()
