"""What goes into a member's digest: their groups, their permissions now, their interests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from fivec.clock import utcnow
from fivec.digests.build import Digest, build_digest
from fivec.extensions import db
from fivec.models import (
    DigestGroupSetting,
    DigestPick,
    DigestPreference,
    GroupMembership,
    WatchSetting,
)


def _titles(digest: Digest | None) -> list[str]:
    if digest is None:
        return []
    return [item.title for section in digest.sections for item in section.items]


def _section(digest: Digest, key: str) -> list[str]:
    return [item.title for s in digest.sections if s.key == key for item in s.items]


def test_new_threads_in_my_groups_come_with_a_reason(make_member, make_group, make_thread, week):
    ann, bob = make_member("Ann"), make_member("Bob")
    sepsis = make_group("Sepsis", members=(ann, bob))
    make_thread(bob, sepsis, "Door-to-needle times", replies=2, helpful=3)

    digest = build_digest(ann, week)

    [section] = [s for s in digest.sections if s.key == "threads"]
    [item] = section.items
    assert item.title == "Door-to-needle times"
    assert item.reason == "because you are in Sepsis"
    assert item.url.endswith(f"/threads/{section.items[0].url.rsplit('/', 1)[1]}")
    assert item.url.startswith("http://127.0.0.1:5000/")
    assert "2 replies" in item.meta and "3 found it helpful" in item.meta


def test_most_useful_threads_lead(make_member, make_group, make_thread, week):
    ann, bob = make_member("Ann"), make_member("Bob")
    group = make_group("Falls", members=(ann, bob))
    make_thread(bob, group, "Quiet thread")
    make_thread(bob, group, "Busy thread", replies=4, helpful=5)
    assert _section(build_digest(ann, week), "threads") == ["Busy thread", "Quiet thread"]


def test_private_group_threads_never_reach_non_members(make_member, make_group, make_thread, week):
    ann, bob, cat = make_member("Ann"), make_member("Bob"), make_member("Cat")
    make_group("Open", members=(ann, bob, cat))
    secret = make_group("Peer set", visibility="members", members=(bob,))
    hidden = make_group("Hidden set", visibility="hidden", members=(bob,))
    for group in (secret, hidden):
        thread = make_thread(bob, group, f"Private in {group.name}")
        db.session.add(DigestPick(thread_id=thread.id, reason="Great", picked_by_id=bob.id))
    db.session.commit()
    make_thread(bob, secret, "Unanswered sepsis question about nurse staffing")

    for outsider in (ann, cat):
        titles = _titles(build_digest(outsider, week))
        assert not any("Private" in t or "Unanswered" in t for t in titles), titles
    member_view = build_digest(make_member("Dan", admin=False), week)
    assert member_view is None  # in no group at all: nothing, not even picks of private ones
    assert {"Private in Peer set", "Private in Hidden set"} <= set(_titles(build_digest(bob, week)))


def test_member_who_left_a_group_gets_nothing_of_it(
    make_member, make_group, make_thread, set_interests, week
):
    ann, bob, cat = make_member("Ann"), make_member("Bob"), make_member("Cat")
    set_interests(ann, "sepsis")
    group = make_group("Sepsis peers", visibility="members", members=(ann, bob, cat))
    make_thread(bob, group, "Sepsis screening tips", replies=1)
    make_thread(bob, group, "An unanswered sepsis question")
    thread = make_thread(bob, group, "A picked thread")
    db.session.add(DigestPick(thread_id=thread.id, reason="Read it", picked_by_id=bob.id))
    db.session.commit()
    assert len(_titles(build_digest(ann, week))) >= 3

    db.session.execute(
        delete(GroupMembership).where(
            GroupMembership.user_id == ann.id, GroupMembership.group_id == group.id
        )
    )
    db.session.commit()

    assert build_digest(ann, week) is None


def test_hidden_and_deleted_posts_never_appear(make_member, make_group, make_thread, week):
    ann, bob = make_member("Ann"), make_member("Bob")
    group = make_group("Sepsis", members=(ann, bob))
    make_thread(bob, group, "Visible thread")
    hidden = make_thread(bob, group, "Hidden thread", status="hidden")
    make_thread(bob, group, "Held thread", status="held")
    make_thread(bob, group, "Deleted thread", status="deleted")
    make_thread(bob, group, "Opening post removed", opening_status="hidden")
    db.session.add(DigestPick(thread_id=hidden.id, reason="Oops", picked_by_id=bob.id))
    db.session.commit()

    digest = build_digest(ann, week)
    assert _section(digest, "threads") == ["Visible thread"]
    assert _section(digest, "picks") == []


def test_deleted_or_closed_group_never_appears(make_member, make_group, make_thread, week):
    ann, bob = make_member("Ann"), make_member("Bob")
    closed = make_group("Closed", members=(ann, bob))
    gone = make_group("Gone", members=(ann, bob))
    make_thread(bob, closed, "In a closed group")
    make_thread(bob, gone, "In a deleted group")
    closed.status = "archived"
    db.session.delete(gone)
    db.session.commit()
    assert build_digest(ann, week) is None


def test_moderators_picks_come_first_with_their_reason(make_member, make_group, make_thread, week):
    ann, mod = make_member("Ann"), make_member("Mo")
    group = make_group("Sepsis", members=(ann, mod), joined_at=utcnow() - timedelta(days=30))
    make_thread(mod, group, "Popular thread", replies=9, helpful=9)
    old = make_thread(mod, group, "An older gem", created_at=utcnow() - timedelta(days=40))
    db.session.add(DigestPick(thread_id=old.id, reason="Still the best guide", picked_by_id=mod.id))
    db.session.commit()

    digest = build_digest(ann, week)

    assert digest.sections[0].key == "picks"
    [pick] = digest.sections[0].items
    assert pick.title == "An older gem"
    assert pick.reason == "Picked by Mo: Still the best guide"
    assert _section(digest, "threads") == ["Popular thread"]


def test_unanswered_questions_match_interests_or_profession(
    make_member, make_group, make_thread, set_interests, week
):
    ann = make_member("Ann", profession="pharmacist")
    bob = make_member("Bob")
    set_interests(ann, "falls prevention")
    group = make_group("Ward safety", members=(ann, bob), joined_at=utcnow() - timedelta(days=30))
    earlier = utcnow() - timedelta(days=10)
    make_thread(bob, group, "Falls prevention at night?", "Ideas?", created_at=earlier)
    make_thread(bob, group, "Which antibiotic for cellulitis?", "Ideas?", created_at=earlier)
    make_thread(bob, group, "Parking at the venue", "Where?", created_at=earlier)

    digest = build_digest(ann, week)

    reasons = {i.title: i.reason for s in digest.sections if s.key == "unanswered" for i in s.items}
    assert set(reasons) == {"Falls prevention at night?", "Which antibiotic for cellulitis?"}
    assert "falls prevention, one of your interests" in reasons["Falls prevention at night?"]
    assert "as a pharmacist" in reasons["Which antibiotic for cellulitis?"]


def test_groups_switched_off_or_muted_are_left_out(make_member, make_group, make_thread, week):
    ann, bob = make_member("Ann"), make_member("Bob")
    off = make_group("Switched off", members=(ann, bob))
    muted = make_group("Muted", members=(ann, bob))
    kept = make_group("Kept", members=(ann, bob))
    for group in (off, muted, kept):
        make_thread(bob, group, f"News in {group.name}")
    muted_thread = make_thread(bob, kept, "Muted thread")
    db.session.add_all(
        [
            DigestGroupSetting(user_id=ann.id, group_id=off.id, enabled=False),
            WatchSetting(user_id=ann.id, group_id=muted.id, level="muted"),
            WatchSetting(user_id=ann.id, thread_id=muted_thread.id, level="muted"),
        ]
    )
    db.session.commit()

    digest = build_digest(ann, week)

    assert _section(digest, "threads") == ["News in Kept"]
    assert _section(digest, "members") == ["Bob joined Kept"]


def test_watched_public_group_is_followed_with_its_reason(
    make_member, make_group, make_thread, week
):
    ann, bob = make_member("Ann"), make_member("Bob")
    group = make_group("Stroke", members=(bob,))
    db.session.add(WatchSetting(user_id=ann.id, group_id=group.id, level="watching"))
    db.session.commit()
    make_thread(bob, group, "Early supported discharge")
    [item] = build_digest(ann, week).sections[0].items
    assert item.reason == "because you watch Stroke"


def test_a_week_with_nothing_new_sends_nothing_or_a_quiet_note(
    make_member, make_group, make_thread, week
):
    ann, bob = make_member("Ann"), make_member("Bob")
    group = make_group("Sepsis", members=(ann, bob), joined_at=utcnow() - timedelta(days=30))
    make_thread(bob, group, "Last month's thread", created_at=utcnow() - timedelta(days=60))
    assert build_digest(ann, week) is None

    db.session.add(DigestPreference(user_id=ann.id, quiet_week_note=True))
    db.session.commit()
    digest = build_digest(ann, week)
    assert digest is not None and digest.quiet and digest.sections == ()


def test_member_with_no_groups_gets_nothing(make_member, week):
    assert build_digest(make_member("Loner"), week) is None
