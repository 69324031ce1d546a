"""Security baseline: headers, CSRF, rate limits and error pages that reveal nothing."""

from __future__ import annotations

import pytest

from fivec.core.security import safe_next
from tests.conftest import PASSWORD


def test_every_page_sends_the_security_headers(web):
    response = web.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_scripts_or_styles(web, make_member):
    make_member("Ann", email="ann@example.org", admin=True)
    web.login("ann@example.org")
    for url in ["/", "/members", "/profile/edit", "/admin/network", "/admin/organisations"]:
        page = web.get(url).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page, url


def test_session_cookie_is_http_only_and_same_site(web, make_member):
    make_member("Ann", email="ann@example.org")
    response = web.login("ann@example.org")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_flag_follows_the_setting():
    from fivec.config import Settings

    assert Settings.from_env({"FIVEC_SECURE_COOKIES": "true"}).secure_cookies is True


def test_a_forged_form_without_csrf_token_is_refused_kindly(web, make_member):
    make_member("Ann", email="ann@example.org")
    response = web.post("/login", {"email": "ann@example.org", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_a_csrf_token_from_another_session_is_refused(web, make_web, make_member):
    make_member("Ann", email="ann@example.org")
    stolen = make_web().csrf_token()
    response = web.post(
        "/login", {"email": "ann@example.org", "password": PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 400


def test_logout_by_get_is_not_possible(web, make_member):
    make_member("Ann", email="ann@example.org")
    web.login("ann@example.org")
    assert web.get("/logout").status_code == 405
    assert web.get("/members").status_code == 200


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True}


def test_login_attempts_are_limited_per_account_with_a_clear_message(web, make_member):
    make_member("Ann", email="ann@example.org")
    statuses = [web.login("ann@example.org", "wrong password!").status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429
    page = web.login("ann@example.org").get_data(as_text=True)
    assert "Too many attempts" in page


def test_the_account_limit_does_not_lock_out_other_accounts(web, make_member):
    make_member("Ann", email="ann@example.org")
    make_member("Bob", email="bob@example.org")
    for _ in range(6):
        web.login("ann@example.org", "wrong password!")
    assert web.login("bob@example.org").status_code == 302


def test_unknown_pages_get_a_friendly_404_that_reveals_nothing(web):
    response = web.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We cannot find that page" in page
    assert "Traceback" not in page and "werkzeug" not in page.lower()


def test_admin_pages_look_missing_to_members(web, make_member):
    make_member("Ann", email="ann@example.org")
    web.login("ann@example.org")
    for url in ["/admin/network", "/admin/organisations", "/admin/outbox", "/admin/members"]:
        assert web.get(url).status_code == 404, url


def test_an_unexpected_error_shows_the_friendly_500_page(app, web):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internal detail")

    response = web.get("/boom-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "something went wrong on our side" in page
    assert "secret internal detail" not in page


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/groups/3?x=1", "/groups/3?x=1"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/ok\r\nLocation: x", "/"),
        ("", "/"),
        (None, "/"),
        ("members", "/"),
    ],
)
def test_safe_next_accepts_only_paths_on_this_site(target, expected):
    assert safe_next(target) == expected
