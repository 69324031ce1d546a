"""Register, log in and out, profiles: what members see, including bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fivec.extensions import db
from fivec.models import User
from tests.conftest import PASSWORD


def register(web, **overrides):
    data = {
        "email": "Priya.Shah@NHS.net",
        "display_name": "Priya Shah",
        "profession": "nurse",
        "organisation_id": "",
        "password": PASSWORD,
    }
    data.update(overrides)
    return web.post("/register", data)


def test_registering_creates_a_member_and_logs_them_in(web):
    response = register(web)
    assert response.status_code == 302
    member = db.session.scalar(select(User))
    assert member.email_normalised == "priya.shah@nhs.net"
    assert member.initials == "PS"
    page = web.get("/").get_data(as_text=True)
    assert "Welcome back, Priya Shah" in page


def test_duplicate_email_is_refused_whatever_its_case_and_input_is_kept(web, make_member):
    make_member("Existing", email="priya.shah@nhs.net")
    response = register(web, email="PRIYA.SHAH@nhs.NET", display_name="Priya Again")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "An account with this email already exists" in page
    assert 'value="Priya Again"' in page
    assert db.session.scalar(select(db.func.count(User.id))) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("password1234", "too common"),
        ("qwertyuiop123!", "too common"),
        ("aaaaaaaaaaaaaaa", "too easy to guess"),
        ("priyashah-is-me", "your name or email"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(web, password, message):
    response = register(web, password=password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_empty_form_says_what_is_missing_beside_each_field(web):
    response = web.post("/register", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please enter your email address." in page
    assert "Please enter the name colleagues know you by." in page
    assert "Please choose a password." in page


def test_oversized_name_is_refused_not_truncated(web):
    response = register(web, display_name="x" * 100_000)
    assert response.status_code == 400
    assert "under 80 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_html_in_a_name_is_shown_as_text(web):
    register(web, display_name="<script>alert(1)</script> Ann")
    page = web.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ann" in page


def test_invisible_characters_are_removed_from_names(web):
    register(web, display_name="Ann\u200b \u202eSmith\x07")
    assert db.session.scalar(select(User.display_name)) == "Ann Smith"


def test_unknown_organisation_and_profession_are_refused(web):
    response = register(web, organisation_id="999", profession="wizard")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not a valid choice" in page or "profession or role from the list" in page


def test_login_with_wrong_password_says_so_and_keeps_the_email(web, make_member):
    make_member("Ann", email="ann@example.org")
    response = web.login("ann@example.org", "wrong password here")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "do not match an account" in page
    assert 'value="ann@example.org"' in page


def test_login_starts_a_new_session_and_logout_ends_it(web, make_member):
    make_member("Ann", email="ann@example.org")
    with web.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    assert web.login("ANN@example.org").status_code == 302
    with web.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(str(db.session.scalar(select(User.id))))
    web.logout()
    assert web.get("/members").status_code == 302  # back to the login page


def test_remember_me_sets_a_long_lived_cookie(web, make_member):
    make_member("Ann", email="ann@example.org")
    web.post("/login", {"email": "ann@example.org", "password": PASSWORD, "remember": "y"})
    cookie = web.client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        " https://evil.example",
    ],
)
def test_next_only_redirects_within_the_site(web, make_member, target):
    make_member("Ann", email="ann@example.org")
    response = web.post(
        "/login", {"email": "ann@example.org", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert location in {"/", "http://localhost/"} or location.startswith("/%0d")


def test_next_to_a_page_on_this_site_is_followed(web, make_member):
    make_member("Ann", email="ann@example.org")
    response = web.post(
        "/login", {"email": "ann@example.org", "password": PASSWORD, "next": "/members?q=sepsis"}
    )
    assert response.headers["Location"] == "/members?q=sepsis"


def test_editing_my_profile_saves_interests_as_tags(web, make_member, make_organisation):
    org = make_organisation()
    make_member("Ann", email="ann@example.org")
    web.login("ann@example.org")
    response = web.post(
        "/profile/edit",
        {
            "display_name": "Ann Lee",
            "organisation_id": str(org.id),
            "profession": "ahp",
            "job_title": "Stroke physiotherapist",
            "interests": "Stroke rehab, #falls, stroke rehab",
            "bio": "Early supported discharge.",
        },
    )
    assert response.status_code == 302
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ann Lee" in page and "Stroke physiotherapist" in page
    assert ">stroke rehab<" in page and ">falls<" in page


def test_profile_errors_keep_what_was_typed(web, make_member):
    make_member("Ann", email="ann@example.org")
    web.login("ann@example.org")
    response = web.post(
        "/profile/edit",
        {
            "display_name": "",
            "profession": "nurse",
            "bio": "My carefully written bio",
            "interests": ", ".join(f"tag{i}" for i in range(20)),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please enter the name colleagues know you by." in page
    assert "My carefully written bio" in page


def test_too_many_interests_are_refused(web, make_member):
    make_member("Ann", email="ann@example.org")
    web.login("ann@example.org")
    response = web.post(
        "/profile/edit",
        {
            "display_name": "Ann",
            "profession": "nurse",
            "interests": ", ".join(f"tag{i}" for i in range(20)),
        },
    )
    assert response.status_code == 400
    assert "at most 15 interests" in response.get_data(as_text=True)


def test_profiles_are_for_members_only(web, make_member):
    member = make_member("Ann")
    response = web.get(f"/members/{member.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_cannot_edit_someone_elses_profile_via_the_action(app, make_member):
    from fivec.accounts.actions import ProfileChanges, update_profile
    from fivec.errors import ValidationFailed

    ann, bob = make_member("Ann"), make_member("Bob")
    with pytest.raises(ValidationFailed):
        update_profile(ann, bob, ProfileChanges("Hacked", "nurse", None, "", "", ""))
    assert db.session.get(User, bob.id).display_name == "Bob"
