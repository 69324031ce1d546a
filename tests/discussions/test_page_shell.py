"""The frame around a thread page's posts is kept per kind of reader: a kept frame gives
the very page a fresh render gives, for readers of every kind, and never another
reader's name, token or tools."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete

from fivec.clock import utcnow
from fivec.discussions import page_shell
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Notification, Thread, User, WatchSetting

PROFILE = re.compile(r'<a href="/members/(\d+)">')


def _same_page(html: str) -> str:
    """The page without what differs on every view even for one reader (a fresh draft
    token in the composer)."""
    return re.sub(r'(name="client_token" type="hidden" value=")[^"]+', r"\1…", html)


def _view(web: Any, thread: Thread) -> str:
    response = web.get(f"/threads/{thread.id}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_kept_frames_give_the_fresh_page_for_every_kind_of_reader(
    app: Flask,
    make_web: Any,
    make_member: Any,
    make_group: Any,
    make_thread: Any,
    make_reply: Any,
) -> None:
    """Each reader differs from Carl in one thing the frame shows. Carl's frame is kept
    first: a thing missing from the key would hand it to the other reader."""
    names = ("Carl Hart", "Nina New", "Uma Unread", "Wes Watch", "Gus Falls", "Mo Reid", "Max Mod")
    carl, nina, uma, wes, gus, mo, max_ = (make_member(name) for name in names)
    ada, olive = make_member("Ada Admin", admin=True), make_member("Olive Outsider")
    members = [carl, nina, uma, wes, gus, mo, max_, ada]  # Olive is no member
    roles = {mo.id: "moderator", max_.id: "moderator"}
    sepsis = make_group("Sepsis <b>&</b> co", members=members, roles=roles)
    # Mo and Gus also moderate Falls: a move target for Mo, the Moderation link for Gus.
    # (Mo moderates the Lounge below too, so his move targets are the admin's.)
    make_group("Falls", members=[mo, gus], roles={mo.id: "moderator", gus.id: "moderator"})
    thread = make_thread(carl, sepsis, "Antibiotics within the hour", "What worked?")
    for n in range(4):
        make_reply(uma if n % 2 else carl, thread, f"Reply {n}")
    # Old hands (joined long ago, three posts or more) see no coaching panel; Nina does.
    old_hands = (carl, uma, wes, gus, mo, max_, ada, olive)
    lounge = make_group("Lounge", members=list(old_hands), roles={mo.id: "moderator"})
    elsewhere = make_thread(carl, lounge, "Elsewhere", "Another topic")
    for member in old_hands:
        member.created_at = utcnow() - timedelta(days=90)
        for n in range(3):
            make_reply(member, elsewhere, f"Post {n} by {member.display_name}")
    db.session.execute(delete(Notification))  # nobody has unread notifications…
    db.session.add(  # …but Uma
        Notification(user_id=uma.id, kind="mention", group_id=sepsis.id, message="Hello")
    )
    db.session.add(WatchSetting(user_id=wes.id, thread_id=thread.id, level="muted"))
    db.session.commit()
    everyone = (carl, nina, uma, wes, gus, mo, max_, ada, olive)
    clients = {}
    for member in everyone:
        clients[member.id] = make_web()
        clients[member.id].login(member.email)
        _view(clients[member.id], thread)  # records the visit: later views see the same

    # (whose frame is kept first, the reader who differs from them in one thing)
    pairs = [(carl, nina), (carl, uma), (carl, wes), (carl, gus), (carl, olive)]
    pairs += [(max_, mo), (mo, ada)]  # move targets; the Admin link
    for first, reader in pairs:
        page_shell.clear()
        _view(clients[first.id], thread)
        kept = _view(clients[reader.id], thread)
        app.config["FIVEC_KEEP_THREAD_FRAMES"] = False
        fresh = _view(clients[reader.id], thread)
        app.config["FIVEC_KEEP_THREAD_FRAMES"] = True
        assert _same_page(kept) == _same_page(fresh), reader.display_name
        assert PROFILE.findall(kept) == [str(reader.id)]  # the header's link is theirs


def test_two_readers_of_one_kind_share_a_frame_but_not_their_details(
    make_web: Any, make_thread: Any, make_reply: Any, ann: User, bob: User, sepsis: Group
) -> None:
    thread = make_thread(ann, sepsis, "Antibiotics within the hour", "What worked?")
    make_reply(ann, thread, "We audit every case.")
    pages = {}
    for reader in (ann, bob):
        web = make_web()
        web.login(reader.email)
        pages[reader.id] = _view(web, thread)
    tokens = {
        reader_id: re.findall(r'name="csrf-token" content="([^"]+)"', page)[0]
        for reader_id, page in pages.items()
    }
    for me, other in ((ann, bob), (bob, ann)):
        page = pages[me.id]
        header = page.split("<main")[0]
        assert f'<a href="/members/{me.id}">{me.display_name}</a>' in header
        assert f'href="/members/{other.id}"' not in header
        assert tokens[me.id] != tokens[other.id] and tokens[other.id] not in page
        assert page.count(tokens[me.id]) >= 4  # meta, log out, watch form, flag dialog…
        assert "\u27ea" not in page  # no marker left unfilled


def test_what_changes_about_the_thread_or_the_reader_shows_at_once(
    make_web: Any, make_member: Any, make_thread: Any, ann: User, bob: User, sepsis: Group
) -> None:
    mo = make_member("Mo Reid")
    db.session.add(GroupMembership(group_id=sepsis.id, user_id=mo.id, role="moderator"))
    thread = make_thread(ann, sepsis, "Antibiotics within the hour", "What worked?")
    web, moderator = make_web(), make_web()
    web.login(bob.email)
    moderator.login(mo.email)
    for client in (web, moderator):
        assert "Locked" not in _view(client, thread)
    sepsis.name = "Sepsis collaborative"
    db.session.commit()
    assert "Sepsis collaborative" in _view(web, thread)
    thread.title = "Antibiotics within one hour"
    db.session.commit()
    assert "<h1>Antibiotics within one hour</h1>" in _view(web, thread)
    thread.is_locked = True  # a moderator may still reply: the same kind of reader
    db.session.commit()
    assert '<span class="badge">Locked</span>' in _view(moderator, thread)
    page = _view(web, thread)
    assert "Notifications (<span data-unread-count>0</span>" in page
    db.session.add(
        Notification(user_id=bob.id, kind="mention", group_id=sepsis.id, message="Elsewhere")
    )
    bob.display_name = "Robert Patel"
    db.session.commit()
    page = _view(web, thread)
    assert "Notifications (<span data-unread-count>1</span>" in page
    assert f'<a href="/members/{bob.id}">Robert Patel</a>' in page


def test_a_page_with_a_message_to_show_shows_it_once(
    make_web: Any, make_thread: Any, ann: User, bob: User, sepsis: Group
) -> None:
    thread = make_thread(ann, sepsis, "Antibiotics within the hour", "What worked?")
    web = make_web()
    web.login(bob.email)
    _view(web, thread)  # the frame is kept
    web.post(f"/threads/{thread.id}/watch", {"level": "watching"})  # flashes, redirects
    with_message = _view(web, thread)
    assert 'class="flashes"' in with_message
    assert 'value="watching" selected' in with_message
    assert 'class="flashes"' not in _view(web, thread)
