"""Unsubscribe from the email without logging in, preferences, preview and picks."""

from __future__ import annotations

import re

from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from fivec.digests.send import send_digests
from fivec.extensions import db
from fivec.models import DigestGroupSetting, DigestPick, DigestPreference


def _pref(member_id: int) -> DigestPreference:
    db.session.expire_all()
    return db.session.scalar(select(DigestPreference).where(DigestPreference.user_id == member_id))


def _unsubscribe_path(message) -> str:
    match = re.search(
        r"<http://127\.0\.0\.1:5000(/digests/unsubscribe/[^>]+)>", message["List-Unsubscribe"]
    )
    assert match
    return match.group(1)


def test_unsubscribe_from_the_email_link_without_logging_in(
    smtp_server, web, make_member, make_group, make_thread, week
):
    ann, bob = make_member("Ann"), make_member("Bob")
    make_thread(bob, make_group("Sepsis", members=(ann, bob)), "News")
    send_digests(week, member_id=ann.id)
    path = _unsubscribe_path(smtp_server.wait_for(1)[0])
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:5000{path}" in text

    confirm = web.get(path)
    assert confirm.status_code == 200
    assert "Stop the digest emails?" in confirm.get_data(as_text=True)
    assert _pref(ann.id).frequency == "weekly"

    done = web.post(path, {"List-Unsubscribe": "One-Click"}, csrf=False)  # as a mail client does
    assert done.status_code == 200
    assert "You will not get digests any more" in done.get_data(as_text=True)
    assert _pref(ann.id).frequency == "off"
    assert web.post(path, csrf=False).status_code == 200  # clicking twice is harmless


def test_tampered_unsubscribe_link_is_refused_clearly(app, web, make_member):
    ann = make_member("Ann")
    db.session.add(DigestPreference(user_id=ann.id, unsubscribe_nonce="n1"))
    db.session.commit()
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="fivec-digest-unsubscribe").dumps(
        {"u": ann.id, "n": "n1"}
    )
    for bad in (token[:-3] + "abc", "garbage", token.replace(str(ann.id), "9", 1)):
        response = web.post(f"/digests/unsubscribe/{bad}", csrf=False)
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    assert _pref(ann.id).frequency == "weekly"


def test_old_unsubscribe_link_is_revoked_after_resubscribing(app, web, make_member):
    ann = make_member("Ann", email="ann@example.org")
    db.session.add(DigestPreference(user_id=ann.id, unsubscribe_nonce="first"))
    db.session.commit()
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="fivec-digest-unsubscribe").dumps(
        {"u": ann.id, "n": "first"}
    )
    assert web.post(f"/digests/unsubscribe/{token}", csrf=False).status_code == 200
    web.login("ann@example.org")
    saved = web.post(
        "/digests/preferences",
        {"frequency": "weekly", "send_day": "", "send_hour": "", "timezone": "Europe/London"},
    )
    assert saved.status_code == 302
    web.logout()

    response = web.get(f"/digests/unsubscribe/{token}")
    assert response.status_code == 410
    assert "has been replaced" in response.get_data(as_text=True)
    assert _pref(ann.id).frequency == "weekly"


def test_preferences_save_and_explain_bad_input(web, make_member, make_group):
    ann = make_member("Ann", email="ann@example.org")
    sepsis = make_group("Sepsis", members=(ann,))
    falls = make_group("Falls", members=(ann,))
    web.login("ann@example.org")
    page = web.get("/digests/preferences").get_data(as_text=True)
    assert "Sepsis" in page and "Falls" in page

    bad = web.post(
        "/digests/preferences",
        {"frequency": "daily", "send_hour": "25", "timezone": "Mars/Olympus"},
    )
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Choose an hour from 0 (midnight) to 23 (11 pm)." in body
    assert _pref(ann.id) is None

    good = web.post(
        "/digests/preferences",
        {
            "frequency": "daily",
            "quiet_week_note": "y",
            "send_day": "4",
            "send_hour": "18",
            "timezone": "Europe/Paris",
            "groups": [str(falls.id)],
        },
    )
    assert good.status_code == 302
    pref = _pref(ann.id)
    assert (pref.frequency, pref.quiet_week_note, pref.send_day, pref.send_hour, pref.timezone) == (
        "daily",
        True,
        4,
        18,
        "Europe/Paris",
    )
    settings = dict(
        db.session.execute(select(DigestGroupSetting.group_id, DigestGroupSetting.enabled)).all()
    )
    assert settings == {sepsis.id: False, falls.id: True}

    zone = web.post("/digests/preferences", {"frequency": "weekly", "timezone": "Mars/Olympus"})
    assert zone.status_code == 400
    assert "Use a time zone name such as Europe/London." in zone.get_data(as_text=True)


def test_member_previews_their_digest_in_the_browser(web, make_member, make_group, make_thread):
    ann, bob = make_member("Ann", email="ann@example.org"), make_member("Bob")
    make_thread(bob, make_group("Sepsis", members=(ann, bob)), "<i>Door</i> times")
    web.login("ann@example.org")
    page = web.get("/digests/preview")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "&lt;i&gt;Door&lt;/i&gt; times" in html and "because you are in Sepsis" in html
    assert "Digest settings" in html
    frame = web.get("/digests/preview/email")
    assert "sandbox" in frame.headers["Content-Security-Policy"]
    assert b"&lt;i&gt;Door&lt;/i&gt; times" in frame.data
    assert web.get("/digests/preview?period=nonsense").status_code == 400


def test_only_admins_preview_another_members_digest(web, make_member, make_group, make_thread):
    ann = make_member("Ann", email="ann@example.org")
    bob = make_member("Bob", email="bob@example.org")
    make_member("Admin", email="admin@example.org", admin=True)
    make_thread(bob, make_group("Sepsis", members=(ann, bob)), "Door times")
    web.login("bob@example.org")
    assert web.get(f"/digests/preview/{ann.id}").status_code == 404
    assert web.get(f"/digests/preview/{ann.id}/email").status_code == 404
    web.logout()
    web.login("admin@example.org")
    page = web.get(f"/digests/preview/{ann.id}")
    assert page.status_code == 200 and "Ann's digest" in page.get_data(as_text=True)
    assert "Door times" in page.get_data(as_text=True)
    assert web.get(f"/digests/preview/{ann.id}/email").status_code == 200
    assert web.get("/digests/preview/99999").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(web):
    assert web.get("/digests/preview").status_code == 302
    assert web.get("/digests/preferences").status_code == 302


def test_group_moderators_pick_threads_and_others_cannot(web, make_member, make_group, make_thread):
    mod = make_member("Mo", email="mo@example.org")
    ann = make_member("Ann", email="ann@example.org")
    group = make_group("Sepsis", members=(mod, ann), roles={mod.id: "moderator"})
    thread = make_thread(ann, group, "Worth spreading")

    web.login("ann@example.org")
    refused = web.post("/digests/picks", {"thread_id": thread.id, "reason": "Mine!"})
    assert refused.status_code == 303
    assert db.session.scalar(select(DigestPick)) is None
    web.logout()

    web.login("mo@example.org")
    assert web.post("/digests/picks", {"thread_id": thread.id, "reason": ""}).status_code == 303
    assert db.session.scalar(select(DigestPick)) is None
    web.post("/digests/picks", {"thread_id": thread.id, "reason": "A model of clear data"})
    pick = db.session.scalar(select(DigestPick))
    assert (pick.thread_id, pick.reason, pick.picked_by_id) == (
        thread.id,
        "A model of clear data",
        mod.id,
    )
    page = web.get("/digests/preview").get_data(as_text=True)
    assert "A model of clear data" in page and "Picked by Mo" in page
