"""Bad input gets a clear message and a 200, quickly, never a 500."""

from __future__ import annotations

import time

import pytest

from fivec.search import search
from tests.conftest import Web

from .conftest import Network

BAD = {
    "10 KB": ("lactate " * 1300, "characters long"),
    "bad date": ("lactate before:2026-13-45", "is not a date"),
    "not a date": ("after:yesterday", "is not a date"),
    "unknown filter": ("in:everything", "know the filter"),
    "a thousand brackets": ("(" * 1000 + "a" + ")" * 1000, "characters long"),
    "deep brackets": ("(" * 60 + "lactate" + ")" * 60, "Too many brackets"),
    "only stop words": ("the and of", "too common"),
    "empty": ("   ", ""),
    "only wildcards": ("*", "Type a few words"),
}
NOTICES = {
    "wildcards": ("*a* lactate*", "Wildcards"),
    "unbalanced quote": ('"lactate turnaround', "quote was not closed"),
    "unbalanced brackets": ("(lactate OR turnaround", "brackets did not match"),
}
SURVIVES = [
    "'; DROP TABLE posts; --",
    "1' OR '1'='1",
    "مرحبا بالعالم lactate",
    "\u202eetatcal\u202c",
    "😀 sepsis 🚑",
    "lactate\x00turnaround",
    "?????",
    "field:value other:thing",
    "lactate^100",
    "lactate~2",
    "[a TO z]",
    "{a TO z}",
    "AND OR NOT",
    "\\",
    "#",
    "@",
    "in:",
]


@pytest.mark.parametrize("name", BAD)
def test_bad_query_gets_a_message(network: Network, web: Web, name: str) -> None:
    query, message = BAD[name]
    web.login("tom.evans@example.org")
    started = time.perf_counter()
    response = web.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert time.perf_counter() - started < 2
    if message:
        assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("name", NOTICES)
def test_fixable_query_runs_with_a_notice(network: Network, name: str) -> None:
    query, notice = NOTICES[name]
    results = search(network.tom, query)
    assert not results.message
    assert any(notice in text for text in results.notices)
    assert results.total >= 1


@pytest.mark.parametrize("query", SURVIVES)
def test_odd_query_never_errors(network: Network, web: Web, query: str) -> None:
    web.login("tom.evans@example.org")
    response = web.get("/search", query_string={"q": query, "page": "999", "order": "x"})
    assert response.status_code == 200


def test_unicode_words_are_found(network: Network) -> None:
    from .conftest import make_thread

    make_thread(network.sepsis, network.tom, "Arabic", "مرحبا بالعالم from the ward")
    assert search(network.tom, "بالعالم").total == 1


def test_slow_search_stops_with_a_message(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fivec.search import results

    monkeypatch.setattr(results, "TIME_LIMIT", -1.0)
    assert "took too long" in search(network.tom, "lactate").message
