"""Templates build links through a per-process memo: the same links as Flask's own."""

from __future__ import annotations

from flask import Flask, render_template_string, url_for

from fivec.core.urls import remembering_url_for
from fivec.memo import Memo

LINKS = (
    "{{ url_for('core.home') }}|{{ url_for('discussions.show_thread', thread_id=7, page=2) }}"
    "|{{ url_for('groups.directory', q='sepsis & falls') }}"
)


def _render(app: Flask, script_root: str = "") -> str:
    with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
        return render_template_string(LINKS)


def _flask_links(app: Flask, script_root: str = "") -> str:
    with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
        return "|".join(
            [
                url_for("core.home"),
                url_for("discussions.show_thread", thread_id=7, page=2),
                url_for("groups.directory", q="sepsis & falls"),
            ]
        ).replace("&", "&amp;")


def test_template_links_are_flasks_links_asked_twice_or_under_another_mount(app: Flask) -> None:
    assert app.jinja_env.globals["url_for"] != app.url_for  # the memo is installed
    for script_root in ("", "", "/network", ""):
        assert _render(app, script_root) == _flask_links(app, script_root)
    assert "/network/threads/7?page=2" in _render(app, "/network")


def test_links_that_name_more_than_the_key_are_never_remembered(app: Flask) -> None:
    memo: Memo[str] = Memo("links", maxsize=10)
    link = remembering_url_for(memo)
    with app.test_request_context("/", base_url="http://one.example/"):
        assert link("core.home", _external=True) == "http://one.example/"
        assert link("core.home", _anchor="top") == "/#top"
        assert link("groups.directory", q=["a", "b"]) == "/groups?q=a&q=b"  # unhashable
        assert link("core.home") == "/"
    assert len(memo) == 1  # only the plain link
    with app.test_request_context("/", base_url="http://two.example/"):
        assert link("core.home", _external=True) == "http://two.example/"
