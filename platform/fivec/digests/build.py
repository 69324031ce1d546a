"""Build one member's digest from what they may read now: pure, reads only.

Permissions are re-checked at build (send) time through ``access.readable_group_ids``:
someone who left a group, a group deleted or archived, a hidden or deleted post: none of
it reaches the digest, whatever was true when the content was written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from .. import access
from ..extensions import db
from ..models import DigestGroupSetting, DigestPreference, GroupMembership, Interest, User
from ..models.accounts import PROFESSIONS, user_interests
from ..models.discussions import WatchSetting
from .content import PeriodContent, ThreadInfo, load_content
from .periods import Period

TOP_THREADS = 5
UNANSWERED = 3
NAMES_PER_GROUP = 5

# Words that make a question one a profession could help with.
PROFESSION_WORDS: dict[str, tuple[str, ...]] = {
    "nurse": ("nurse", "nursing", "ward", "handover"),
    "doctor": ("doctor", "consultant", "medical", "prescrib"),
    "ahp": ("physio", "therap", "rehab"),
    "pharmacist": ("pharmac", "antibiotic", "antimicrobial", "medicine"),
    "manager": ("manager", "staffing", "business case", "budget"),
    "qi_lead": ("pdsa", "driver diagram", "improvement", "qi "),
    "analyst": ("data", "spc", "run chart", "funnel", "measure"),
    "patient": ("patient experience", "carer", "families", "co-design"),
    "researcher": ("research", "evidence", "evaluation"),
}


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: what, where it links, and why this member gets it."""

    title: str
    url: str
    reason: str
    snippet: str = ""
    meta: str = ""


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class Digest:
    """A member's digest for a period; no sections and ``quiet`` means a quiet-week note."""

    member_id: int
    member_name: str
    period: Period
    sections: tuple[DigestSection, ...]
    quiet: bool = False

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)


@dataclass(frozen=True)
class Reader:
    """What one member may read and wants, looked up once per digest."""

    member: User
    readable: frozenset[int]
    joined: frozenset[int]
    watched_groups: frozenset[int]
    muted_groups: frozenset[int]
    watched_threads: frozenset[int]
    muted_threads: frozenset[int]
    interests: tuple[str, ...]
    quiet_week_note: bool

    @property
    def followed(self) -> frozenset[int]:
        """Groups whose news is "theirs": joined or watched, readable, not muted or off."""
        return ((self.joined | self.watched_groups) & self.readable) - self.muted_groups

    def may_see(self, thread: ThreadInfo) -> bool:
        return (
            thread.group_id in self.readable
            and thread.group_id not in self.muted_groups
            and thread.id not in self.muted_threads
        )

    def group_reason(self, group_id: int, group_name: str) -> str:
        verb = "watch" if group_id in self.watched_groups else "are in"
        return f"because you {verb} {group_name}"


def load_reader(member: User) -> Reader:
    """Look up what ``member`` may read now, their groups, watches, mutes and interests."""
    return load_readers([member])[member.id]


def load_readers(members: Sequence[User]) -> dict[int, Reader]:
    """Look up readers for a batch: a few queries for all, plus each one's access check."""
    ids = [m.id for m in members]
    joined: dict[int, set[int]] = defaultdict(set)
    off: dict[int, set[int]] = defaultdict(set)
    watches: dict[int, list[tuple[int | None, int | None, str]]] = defaultdict(list)
    interests: dict[int, list[str]] = defaultdict(list)
    for user_id, group_id in db.session.execute(
        select(GroupMembership.user_id, GroupMembership.group_id).where(
            GroupMembership.user_id.in_(ids), GroupMembership.status == "active"
        )
    ):
        joined[user_id].add(group_id)
    for user_id, group_id in db.session.execute(
        select(DigestGroupSetting.user_id, DigestGroupSetting.group_id).where(
            DigestGroupSetting.user_id.in_(ids), DigestGroupSetting.enabled.is_(False)
        )
    ):
        off[user_id].add(group_id)
    for user_id, group_id, thread_id, level in db.session.execute(
        select(
            WatchSetting.user_id, WatchSetting.group_id, WatchSetting.thread_id, WatchSetting.level
        ).where(WatchSetting.user_id.in_(ids))
    ):
        watches[user_id].append((group_id, thread_id, level))
    for user_id, name in db.session.execute(
        select(user_interests.c.user_id, Interest.name)
        .join(Interest, Interest.id == user_interests.c.interest_id)
        .where(user_interests.c.user_id.in_(ids))
        .order_by(Interest.name)
    ):
        interests[user_id].append(name.lower())
    quiet = set(
        db.session.scalars(
            select(DigestPreference.user_id).where(
                DigestPreference.user_id.in_(ids), DigestPreference.quiet_week_note.is_(True)
            )
        )
    )
    readers = {}
    for member in members:
        # The permission re-check at send time: one query per member, through access.
        readable = frozenset(db.session.scalars(access.readable_group_ids(member)))
        marks = watches[member.id]
        readers[member.id] = Reader(
            member=member,
            readable=readable,
            joined=frozenset(joined[member.id]) & readable,
            watched_groups=frozenset(g for g, t, level in marks if g and level == "watching"),
            muted_groups=frozenset(off[member.id])
            | frozenset(g for g, t, level in marks if g and level == "muted"),
            watched_threads=frozenset(t for g, t, level in marks if t and level == "watching"),
            muted_threads=frozenset(t for g, t, level in marks if t and level == "muted"),
            interests=tuple(interests[member.id]),
            quiet_week_note=member.id in quiet,
        )
    return readers


def build_digest(
    member: User,
    period: Period,
    content: PeriodContent | None = None,
    reader: Reader | None = None,
) -> Digest | None:
    """Return ``member``'s digest for ``period``, or None when there is nothing to send.

    ``content`` and ``reader`` let a batch share lookups; both are loaded when omitted.
    """
    content = content or load_content(period)
    reader = reader or load_reader(member)
    shown: set[int] = set()
    sections = [
        _section("picks", "Picked by the moderators", _picks(reader, content, shown)),
        _section("threads", "New in your groups", _top_threads(reader, content, shown)),
        _section(
            "unanswered", "Questions you could help with", _unanswered(reader, content, shown)
        ),
        _section("results", "Results published to the network", _results(content, shown)),
        _section("members", "New members in your groups", _joiners(reader, content)),
        _section("signals", "Your organisation's scorecard signals", _signals(reader, content)),
    ]
    kept = tuple(s for s in sections if s.items)
    if not kept and not reader.quiet_week_note:
        return None
    return Digest(member.id, member.display_name, period, kept, quiet=not kept)


def _section(key: str, title: str, items: list[DigestItem]) -> DigestSection:
    return DigestSection(key, title, tuple(items))


def _thread_item(content: PeriodContent, thread: ThreadInfo, reason: str) -> DigestItem:
    meta = [f"{thread.group_name}", f"started by {thread.author_name}"]
    if thread.replies:
        meta.append(f"{thread.replies} repl{'y' if thread.replies == 1 else 'ies'}")
    if thread.helpful:
        meta.append(f"{thread.helpful} found it helpful")
    return DigestItem(
        title=thread.title,
        url=content.links.url("discussions.show_thread", thread_id=thread.id),
        reason=reason,
        snippet=thread.snippet,
        meta=" · ".join(meta),
    )


def _picks(reader: Reader, content: PeriodContent, shown: set[int]) -> list[DigestItem]:
    items = []
    for pick in content.picks:
        if pick.thread is not None and reader.may_see(pick.thread):
            shown.add(pick.thread.id)
            items.append(
                _thread_item(content, pick.thread, f"Picked by {pick.picked_by}: {pick.reason}")
            )
        elif pick.thread is None and pick.result is not None:
            shown.add(-pick.result.id)
            items.append(
                DigestItem(
                    title=pick.result.title,
                    url=content.links.url("benchmarks.show_result", result_id=pick.result.id),
                    reason=f"Picked by {pick.picked_by}: {pick.reason}",
                    snippet=pick.result.snippet,
                    meta=f"Result from {pick.result.source}",
                )
            )
    return items


def _interest_in(reader: Reader, thread: ThreadInfo) -> str | None:
    for interest in reader.interests:
        if interest in thread.group_interests or interest in thread.text:
            return interest
    return None


def _top_threads(reader: Reader, content: PeriodContent, shown: set[int]) -> list[DigestItem]:
    followed = reader.followed
    scored = []
    for thread in content.new_threads:
        if thread.id in shown or thread.group_id not in followed or not reader.may_see(thread):
            continue
        if thread.author_id == reader.member.id:
            continue
        interest = _interest_in(reader, thread)
        score = 3 * thread.helpful + 2 * thread.replies + (4 if interest else 0)
        score += 2 if thread.group_id in reader.watched_groups else 0
        scored.append((score, thread.created_at, thread, interest))
    scored.sort(key=lambda row: (row[0], row[1]), reverse=True)
    items = []
    for _, _, thread, interest in scored[:TOP_THREADS]:
        shown.add(thread.id)
        reason = reader.group_reason(thread.group_id, thread.group_name)
        if interest:
            reason += f", and it mentions {interest}, one of your interests"
        items.append(_thread_item(content, thread, reason))
    return items


def _unanswered(reader: Reader, content: PeriodContent, shown: set[int]) -> list[DigestItem]:
    words = PROFESSION_WORDS.get(reader.member.profession, ())
    profession = PROFESSIONS.get(reader.member.profession, "").lower()
    followed = reader.followed
    items = []
    for thread in content.unanswered:
        if len(items) >= UNANSWERED:
            break
        if thread.id in shown or thread.group_id not in followed or not reader.may_see(thread):
            continue
        if thread.author_id == reader.member.id:
            continue
        interest = _interest_in(reader, thread)
        if interest:
            reason = f"no replies yet, and it is about {interest}, one of your interests"
        elif words and any(word in thread.text for word in words):
            article = "an" if profession[:1] in "aeiou" else "a"
            reason = f"no replies yet, and your view as {article} {profession} could help"
        else:
            continue
        shown.add(thread.id)
        items.append(_thread_item(content, thread, reason))
    return items


def _results(content: PeriodContent, shown: set[int]) -> list[DigestItem]:
    return [
        DigestItem(
            title=result.title,
            url=content.links.url("benchmarks.show_result", result_id=result.id),
            reason="published to the whole network",
            snippet=result.snippet,
            meta=f"From {result.source}",
        )
        for result in content.results
        if -result.id not in shown
    ]


def _joiners(reader: Reader, content: PeriodContent) -> list[DigestItem]:
    items = []
    for group_id in sorted(reader.joined & reader.followed):
        people = [j for j in content.joiners.get(group_id, []) if j.user_id != reader.member.id]
        if not people:
            continue
        name = content.group_names[group_id]
        names = ", ".join(j.name for j in people[:NAMES_PER_GROUP])
        more = len(people) - NAMES_PER_GROUP
        items.append(
            DigestItem(
                title=f"{len(people)} joined {name}"
                if len(people) > 1
                else f"{names} joined {name}",
                url=content.links.url("groups.show_group", group_id=group_id),
                reason=reader.group_reason(group_id, name),
                snippet=names + (f" and {more} more" if more > 0 else ""),
                meta="Say hello in the group",
            )
        )
    return items


def _signals(reader: Reader, content: PeriodContent) -> list[DigestItem]:
    organisation_id = reader.member.organisation_id
    if organisation_id is None:
        return []
    items = []
    for signal in content.signals_for(organisation_id):
        if not any(g is None or g in reader.readable for g in signal.scorecard_groups):
            continue
        thread = (
            signal.thread if signal.thread and signal.thread.group_id in reader.readable else None
        )
        if thread is not None:
            url = content.links.url("discussions.show_thread", thread_id=thread.id)
            meta = f"Discussed in “{thread.title}”"
        else:
            url = content.links.url("benchmarks.show", scorecard_id=signal.scorecard_id)
            meta = "No thread about it yet: start one from the scorecard"
        items.append(
            DigestItem(
                title=signal.measure_name,
                url=url,
                reason="because it is your organisation's figure",
                snippet=signal.description,
                meta=meta,
            )
        )
    return items
