"""Demo moderation: a group moderator, a flagged post, a held post and a log entry.

Made through the real actions after the demo groups and threads exist.
"""

from __future__ import annotations

from sqlalchemy import select

from fivec.discussions.actions import create_thread, reply
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Post, Thread, User

from .flags import flag_post
from .guidelines import accept
from .models import ReviewItem
from .review import resolve_item
from .thread_tools import set_pinned

HELD_TEXT = (
    "Quick one before handover: the patient in bay 4 is Mrs Joan Smith, NHS number "
    "943 476 5919, who arrived with a NEWS2 of 7. Any tips on her fluid balance?"
)


def _member(local: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.email_normalised == f"{local}@demo.fivec.test")
    )


def load_demo_moderation() -> None:
    """Add the demo's moderation: roles, a flag, a held post and a decision in the log."""
    sepsis = db.session.scalar(select(Group).where(Group.name == "Sepsis"))
    priya, tom, chris, helen = (
        _member(n) for n in ("priya.shah", "tom.okafor", "chris.barlow", "helen.moss")
    )
    daniel, fatima = _member("daniel.evans"), _member("fatima.rahman")
    if sepsis is None or None in (priya, tom, chris, helen, daniel, fatima):
        return
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == sepsis.id, GroupMembership.user_id == priya.id
        )
    )
    if membership is not None and membership.role == "member":
        membership.role = "moderator"  # Priya helps moderate Sepsis
    for person in db.session.scalars(select(User)):
        accept(person, sepsis)  # demo members agreed to the guidelines when they joined
    db.session.commit()

    thread = db.session.scalar(
        select(Thread).where(Thread.group_id == sepsis.id).order_by(Thread.id).limit(1)
    )
    if thread is None:
        return
    set_pinned(tom, thread, True, "Our most useful thread: start here if you are new.")
    heated = reply(
        chris,
        thread,
        None,
        "Honestly, screening tools are a box-ticking exercise and anyone who says "
        "otherwise has not worked a night shift.",
    )
    flag_post(daniel, heated, "disrespectful", "Dismissive of colleagues' work.")
    flag_post(fatima, heated, "off_topic")
    reply(helen, thread, None, HELD_TEXT)  # held: it names a patient with an NHS number

    start = create_thread(
        fatima,
        sepsis,
        "Sepsis screening in the emergency department: our first PDSA cycle",
        "We tried a screening prompt on the triage form for two weeks.",
    )
    opening = db.session.scalar(select(Post).where(Post.thread_id == start.id))
    if opening is not None:
        flag_post(daniel, opening, "other", "Is this a duplicate of the AMU thread?")
        item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == opening.id))
        if item is not None:
            resolve_item(priya, item, "approve", "Not a duplicate: this is about the ED, not AMU.")
