"""Cooking Markdown: what survives the allowlist, links, mentions, and the recook command."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from fivec.content import ALLOWED_TAGS, LINK_REL, cook
from fivec.extensions import db
from fivec.models import Post

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '<svg onload="alert(1)">',
    "<iframe src=https://evil.example></iframe>",
    "[x](vbscript:msgbox(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
]


class _Elements(HTMLParser):
    """Collect the real elements and attributes (escaped text is harmless)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", XSS)
def test_dangerous_markup_never_reaches_the_cooked_html(app, payload):
    for tag, attrs in _elements(cook(payload).html):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:"))
        if tag == "a" and "href" in attrs:
            assert attrs["rel"] == LINK_REL


@pytest.mark.parametrize("payload", XSS)
def test_dangerous_markup_in_a_post_is_stored_clean(ann, sepsis, make_thread, payload):
    thread = make_thread(ann, sepsis, body=payload)
    stored = db.session.scalar(select(Post.body_html).where(Post.thread_id == thread.id))
    assert stored == cook(payload).html
    assert {tag for tag, _ in _elements(stored)} <= ALLOWED_TAGS - {"script", "img"}


def test_links_get_rel_and_bare_urls_are_linked(app):
    html = cook("See [the bundle](https://example.org/sepsis) or www.nhs.uk").html
    assert f'href="https://example.org/sepsis" rel="{LINK_REL}"' in html
    assert f'href="http://www.nhs.uk" rel="{LINK_REL}"' in html


def test_markdown_features_survive(app):
    html = cook("**bold** > no\n\n> quoted\n\n| Ward | Falls |\n|:--|--:|\n| 7 | 3 |").html
    assert "<strong>bold</strong>" in html
    assert "<blockquote>" in html
    assert '<td class="align-right">3</td>' in html


def test_a_mention_links_to_the_member_and_is_reported(app, make_member):
    priya = make_member("Priya Shah")
    cooked = cook("Thanks @[priya  shah], and @[Nobody Known]")
    assert cooked.mentioned_ids == {priya.id}
    assert f'<a class="mention" href="/members/{priya.id}"' in cooked.html
    assert "@[Nobody Known]" in cooked.html


def test_a_shared_name_or_code_is_not_a_mention(app, make_member):
    make_member("Sam Lee", email="sam1@example.org")
    make_member("Sam Lee", email="sam2@example.org")
    tom = make_member("Tom Okafor")
    assert cook("@[Sam Lee]").mentioned_ids == frozenset()
    assert cook("`@[Tom Okafor]`").mentioned_ids == frozenset()
    assert cook("email@[Tom Okafor]").mentioned_ids == frozenset()
    assert cook("@[Tom Okafor]").mentioned_ids == {tom.id}


def test_a_malicious_display_name_in_a_mention_is_escaped(app, make_member):
    evil = make_member("<img src=x onerror=alert(1)>")
    cooked = cook(f"hi @[{evil.display_name}]")
    assert "<img" not in cooked.html
    assert cooked.mentioned_ids == {evil.id}


def test_recook_rewrites_stored_html(app, ann, sepsis, make_thread):
    thread = make_thread(ann, sepsis, body="**strong** idea")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post.body_html = "<p>stale</p>"
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["recook"])
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    db.session.expire_all()
    assert "<strong>strong</strong>" in db.session.get(Post, post.id).body_html


def test_preview_uses_the_same_cooking_and_needs_csrf(web, ann):
    web.login(ann.email)
    response = web.post("/preview", {"body": "<script>x</script> **ok**"})
    assert response.status_code == 200
    assert response.get_json()["html"] == cook("<script>x</script> **ok**").html
    assert web.post("/preview", {"body": "x"}, csrf=False).status_code == 400
