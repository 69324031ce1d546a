"""The leak sweep for search: nothing a member may not read is ever found."""

from __future__ import annotations

import pytest
from flask import current_app

from fivec import signals
from fivec.extensions import db
from fivec.models import GroupMembership, Post, Thread
from fivec.search import search
from fivec.search.index import searcher
from tests.conftest import Web

from .conftest import Network

# Every way of asking for the private posts (their words, author, group, title, phrases).
PROBES = [
    "confidential",
    "lactate",
    "confidential lactate",
    '"confidential lactate"',
    "escalation",
    "bay nursing",
    "confidential @priya",
    '@"Priya Shah"',
    "lactate #falls",
    "lactate #board",
    "#falls",
    "board in:title",
    "confidential in:title",
    "status:unanswered",
    "confidential OR lactate OR escalation",
    "NOT zzzz",
    "confidential) OR (group_id:2",
    "group_id:2 OR group_id:3",
    "status:published",
    "lactate order:latest",
]


def _private_ids(network: Network) -> set[int]:
    return {network.private_thread.id, network.hidden_thread.id}


@pytest.mark.parametrize("probe", PROBES)
def test_non_member_cannot_find_private_posts_by_any_query(network: Network, probe: str) -> None:
    for order in ("relevance", "newest"):
        results = search(network.tom, probe, order=order)
        found = {hit.post_id for hit in results.hits}
        assert not found & _private_ids(network), probe
        assert results.total == len(results.hits), "the count must not reveal hidden matches"


def test_member_finds_the_same_private_posts(network: Network) -> None:
    found = {hit.post_id for hit in search(network.priya, "confidential").hits}
    assert found == _private_ids(network)


def test_hidden_group_name_answers_like_a_missing_group(network: Network) -> None:
    assert search(network.tom, "#board").message == search(network.tom, "#nosuch").message.replace(
        "nosuch", "board"
    )


def test_group_scoped_search_of_unreadable_group_finds_nothing(network: Network) -> None:
    assert search(network.tom, "lactate", group_id=network.falls.id).hits == []


def test_hidden_group_page_search_is_not_found(network: Network, web: Web) -> None:
    web.login("tom.evans@example.org")
    assert web.get(f"/search?q=lactate&group={network.secret.id}").status_code == 404
    assert web.get("/search?q=lactate&group=99999").status_code == 404


@pytest.mark.parametrize("status", ["hidden", "held", "deleted"])
def test_unpublished_post_is_not_found(network: Network, status: str) -> None:
    assert search(network.tom, "turnaround").total == 1  # a searcher is now cached
    post = db.session.get(Post, network.public_reply.id)
    post.status = status
    db.session.commit()
    signals.post_saved.send(current_app._get_current_object(), post_id=post.id)
    indexed = {fields["post_id"] for fields in searcher().all_stored_fields()}
    assert str(post.id) not in indexed  # gone from the index itself, not only filtered
    assert search(network.tom, "turnaround").total == 0
    assert search(network.priya, "turnaround").total == 0


def test_hidden_thread_takes_its_posts_out_of_search(network: Network) -> None:
    thread = db.session.get(Thread, network.public_thread.thread_id)
    thread.status = "hidden"
    db.session.commit()
    signals.thread_saved.send(current_app._get_current_object(), thread_id=thread.id)
    assert search(network.tom, "lactate screening").total == 0


def test_stale_index_is_still_checked_against_the_database(network: Network) -> None:
    post = db.session.get(Post, network.public_reply.id)
    post.status = "hidden"  # no signal: the index still has the post
    db.session.commit()
    assert search(network.tom, "turnaround").hits == []


def test_post_moved_to_a_private_group_is_not_found_by_non_members(network: Network) -> None:
    assert search(network.tom, "turnaround").total == 1
    thread = db.session.get(Thread, network.public_thread.thread_id)
    thread.group_id = network.falls.id
    db.session.commit()
    signals.thread_saved.send(current_app._get_current_object(), thread_id=thread.id)
    assert search(network.tom, "turnaround").total == 0
    assert search(network.tom, "screening in:title").total == 0
    assert search(network.priya, "turnaround").total == 1


def test_member_who_left_a_group_no_longer_finds_its_posts(network: Network) -> None:
    assert search(network.priya, "bay nursing").total == 1
    membership = db.session.scalar(
        db.select(GroupMembership).filter_by(user_id=network.priya.id, group_id=network.falls.id)
    )
    db.session.delete(membership)
    db.session.commit()
    assert search(network.priya, "bay nursing").total == 0


def test_group_made_private_hides_its_posts_from_non_members(network: Network) -> None:
    network.sepsis.visibility = "hidden"
    db.session.commit()
    signals.group_access_changed.send(current_app._get_current_object(), group_id=network.sepsis.id)
    assert search(network.tom, "lactate").total == 1  # tom is a member of sepsis
    db.session.execute(
        db.delete(GroupMembership).filter_by(user_id=network.tom.id, group_id=network.sepsis.id)
    )
    db.session.commit()
    assert search(network.tom, "lactate").total == 0


def test_anonymous_visitor_is_sent_to_log_in(network: Network, web: Web) -> None:
    response = web.get("/search?q=lactate")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert search(None, "lactate").total == 0


def test_reader_of_only_empty_groups_finds_nothing(network: Network, make_member: object) -> None:
    from .conftest import join, make_group

    loner = make_member("Lone Reader")  # type: ignore[operator]
    empty = make_group("Empty private", "empty", "hidden")
    db.session.execute(db.update(type(network.sepsis)).values(visibility="members"))
    db.session.commit()
    join(loner, empty)
    # Whoosh treats an empty allow-set as "no filter"; ours must allow nothing.
    assert search(loner, "lactate").total == 0
    assert search(loner, "confidential").hits == []
