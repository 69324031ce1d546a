"""Search finds what members may read, with highlights, ordering, filters and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from fivec import signals
from fivec.extensions import db
from fivec.models import Bookmark, Post
from fivec.search import search
from tests.conftest import Web

from .conftest import Network, make_reply, make_thread


def _titles(results: Any) -> list[str]:
    return [hit.title for hit in results.hits]


def test_member_finds_a_reply_by_words_in_its_body_with_highlights(
    network: Network, web: Web
) -> None:
    web.login("tom.evans@example.org")
    page = web.get("/search?q=lactate+turnaround").get_data(as_text=True)
    assert "Screening tool for sepsis" in page
    assert "<mark>lactate</mark> <mark>turnaround</mark>" in page
    assert f"/threads/{network.public_reply.thread_id}#p{network.public_reply.id}" in page
    assert "Tom Evans" in page and "Sepsis collaborative" in page


def test_snippets_escape_what_members_wrote(network: Network) -> None:
    post = make_thread(
        network.sepsis, network.tom, "Markup", "try <script>alert(1)</script> sepsis"
    )
    hit = next(h for h in search(network.tom, "alert").hits if h.post_id == post.id)
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in hit.snippet


def test_newest_order_puts_the_latest_post_first(network: Network) -> None:
    make_thread(
        network.sepsis, network.tom, "Old lactate note", "lactate " * 20, datetime(2025, 1, 1)
    )
    newest = search(network.priya, "lactate", order="newest")
    dates = [hit.created_at for hit in newest.hits]
    assert dates == sorted(dates, reverse=True)
    relevance = search(network.priya, "lactate")
    assert relevance.hits[0].title == "Old lactate note"  # the word twenty times ranks first
    assert newest.total == relevance.total == 4


def test_results_are_paged_twenty_at_a_time(network: Network) -> None:
    for n in range(25):
        make_reply(network.public_thread, network.tom, f"Audit template number {n}")
    first, second = search(network.tom, "audit template"), search(network.tom, "audit template", 2)
    assert (first.total, len(first.hits), len(second.hits), first.pages) == (25, 20, 5, 2)
    assert not {h.post_id for h in first.hits} & {h.post_id for h in second.hits}


def test_author_filter_finds_only_that_members_posts(network: Network) -> None:
    assert _titles(search(network.priya, "lactate @tom")) == ["Screening tool for sepsis"]
    assert {h.author_name for h in search(network.priya, '@"Priya Shah"').hits} == {"Priya Shah"}
    assert "No member matches" in search(network.priya, "@nobody").message


def test_group_filter_and_group_scoped_search(network: Network, web: Web) -> None:
    results = search(network.priya, "lactate #falls")
    assert _titles(results) == ["Confidential falls review"]
    assert _titles(search(network.priya, "lactate", group_id=network.sepsis.id)) == [
        "Screening tool for sepsis"
    ]
    web.login("priya.shah@example.org")
    page = web.get(f"/search?q=lactate&group={network.falls.id}").get_data(as_text=True)
    assert "Search Falls prevention" in page and "Confidential falls review" in page
    assert "Screening tool for sepsis" not in page


def test_date_filters(network: Network) -> None:
    assert _titles(search(network.priya, "lactate before:2026-02-01")) == []
    after = search(network.priya, "lactate after:2026-02-02")
    assert {h.post_id for h in after.hits} == {network.public_reply.id, network.hidden_thread.id}


def test_in_title_matches_thread_titles_once(network: Network) -> None:
    results = search(network.priya, "screening in:title")
    assert [h.post_id for h in results.hits] == [network.public_thread.id]
    assert search(network.priya, "turnaround in:title").total == 0


def test_unanswered_lists_threads_without_replies(network: Network) -> None:
    results = search(network.priya, "status:unanswered")
    assert set(_titles(results)) == {"Confidential falls review", "Board escalation secret"}


def test_bookmarks_filter(network: Network) -> None:
    assert "no bookmarks" in search(network.tom, "in:bookmarks").message
    db.session.add(Bookmark(post_id=network.public_reply.id, user_id=network.tom.id))
    db.session.commit()
    assert [h.post_id for h in search(network.tom, "in:bookmarks").hits] == [
        network.public_reply.id
    ]


def test_signals_keep_the_index_in_step(network: Network) -> None:
    post = db.session.get(Post, network.public_reply.id)
    post.body_html = "<p>Now about discharge letters</p>"
    post.version += 1
    db.session.commit()
    signals.post_saved.send(current_app._get_current_object(), post_id=post.id)
    assert search(network.tom, "turnaround").total == 0
    assert _titles(search(network.tom, "discharge letters")) == ["Screening tool for sepsis"]


def test_people_and_groups_are_searchable(network: Network, web: Web) -> None:
    web.login("tom.evans@example.org")
    page = web.get("/search?q=sepsis").get_data(as_text=True)
    assert 'id="people-heading"' not in page  # nobody is called sepsis
    assert 'id="groups-heading"' in page and "Spot sepsis early" in page
    page = web.get("/search?q=priya").get_data(as_text=True)
    assert 'id="people-heading"' in page and "Priya Shah" in page


def test_header_has_a_search_box_for_members(network: Network, web: Web) -> None:
    assert 'class="site-search"' not in web.get("/").get_data(as_text=True)
    web.login("tom.evans@example.org")
    assert 'action="/search"' in web.get("/").get_data(as_text=True)
