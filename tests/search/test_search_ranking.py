"""The fast paths (impact tiers, newest windows) give exactly what a full search gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length, length_to_byte

from fivec.search import blocks, impact, newest
from fivec.search import results as search_results
from fivec.search.impact import EDGES, level_of, outside_bound, term_weight, top_documents
from fivec.search.index import SCHEMA
from fivec.search.newest import newest_documents
from fivec.search.permissions import allowed_documents, hidden_documents
from fivec.search.snippets import snippet
from tests.conftest import Web

from .conftest import Network, make_reply

WORDS = ["shift", "ward", "huddle", "sepsis", "audit", "lactate", "falls", "night"]
START = datetime(2025, 1, 1)
FOREVER = float("inf")  # no deadline


def _body(rng: random.Random) -> str:
    length = rng.choice([3, 5, 8, 12, 20, 40, 80, 150])
    return " ".join(rng.choice(WORDS[: rng.randint(2, len(WORDS))]) for _ in range(length))


def _document(n: int, body: str, when: datetime, group: int) -> dict[str, Any]:
    return {
        "post_id": str(n),
        "group_id": str(group),
        "status": "published",
        "body": body,
        "impact": body,
        "tokens": body,
        "excerpt": body,
        "created_at": when,
    }


@pytest.fixture
def ram_index(tmp_path: Path) -> Any:
    """Two segments of random posts, some edited (re-added last with their old date).

    On disk in a temporary folder: a RamStorage index writes its columns through a
    shared /tmp/MAIN.tmp folder, which test runs in parallel would trample.
    """
    rng = random.Random(5)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    posts = {n: (_body(rng), START + timedelta(hours=n), 1 + n % 4) for n in range(700)}
    with ix.writer() as writer:
        for n in range(500):
            writer.add_document(**_document(n, *posts[n]))
    with ix.writer() as writer:
        writer.merge = False
        for n in range(500, 700):
            writer.add_document(**_document(n, *posts[n]))
        for n in rng.sample(range(700), 40):  # an edit: same date, new words, new docnum
            writer.delete_by_term("post_id", str(n))
            _old, when, group = posts[n]
            writer.add_document(**_document(n, _body(rng), when, group))
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) == 2
        yield s


def _full_ranking(s: Any, q: wq.Query, allowed: Any) -> list[tuple[float, int]]:
    hits = s.search(q, limit=None, filter=set(allowed))
    return [(hit.score, hit.docnum) for hit in hits]


@pytest.mark.parametrize("groups", [{1, 2, 3, 4}, {2}, {1, 3}])
def test_common_word_ranking_from_tiers_is_exactly_the_full_ranking(
    ram_index: Any, groups: set[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(impact, "MIN_MATCHES", 0)
    monkeypatch.setattr(impact, "WORD_COST", 0)  # never give up for cost on a small index
    s = ram_index
    allowed = allowed_documents(s, frozenset(groups))
    used_tiers = 0
    for word in ("shift", "ward", "huddl"):
        q = wq.Term("body", word)
        full = _full_ranking(s, q, allowed)
        for limit in (1, 5, 20, 60):
            tiered = top_documents(s, q, allowed, hidden_documents(s), limit, FOREVER)
            if tiered is not None:
                used_tiers += 1
                top, at_least = tiered
                assert top == full[:limit], (q, limit)
                assert limit <= at_least <= len(full)
    assert used_tiers >= 6


def test_one_word_tiers_leave_other_queries_to_the_plans(ram_index: Any) -> None:
    s = ram_index
    allowed = allowed_documents(s, frozenset({1, 2, 3, 4}))
    for q in [
        wq.Phrase("body", ["shift", "ward"]),
        wq.And([wq.Term("body", "shift"), wq.Term("body", "ward")]),
        wq.And([wq.Term("body", "shift"), wq.Term("group_id", "1")]),
        wq.AndNot(wq.Term("body", "shift"), wq.Term("body", "ward")),
        wq.Term("title", "shift"),
    ]:
        assert top_documents(s, q, allowed, None, 20, FOREVER) is None


@pytest.mark.parametrize("avg", [8.0, 25.0, 40.0, 90.0, 400.0])
def test_no_post_outside_a_tier_can_outscore_its_bound(avg: float) -> None:
    bounds = [outside_bound(edge, avg) for edge in EDGES]
    for length in range(1, 1200, 7):
        for tf in range(1, min(length, 60) + 1):
            level = -1 if (found := level_of(float(tf), length)) is None else found
            stored = byte_to_length(length_to_byte(length))
            weight = term_weight(float(tf), stored, avg)
            for above in range(level + 1, len(EDGES)):
                assert weight <= bounds[above], (tf, length, above)


def test_newest_first_is_exact_across_window_boundaries(
    ram_index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newest, "MIN_WINDOW", 4)
    monkeypatch.setattr(blocks, "BLOCK", 8)
    s = ram_index
    dates = s.reader().column_reader("created_at", translate=False)
    for groups in ({1, 2, 3, 4}, {3}):
        allowed = allowed_documents(s, frozenset(groups))
        for q in (wq.Term("body", "shift"), wq.Term("body", "sepsis")):
            matches = [d for d in s.docs_for_query(q) if d in allowed]
            expected = sorted(matches, key=lambda d: (dates[d], d), reverse=True)
            for limit in (1, 7, 20, 60, 1000):
                found, seen = newest_documents(s, q, allowed, None, limit, FOREVER)
                assert found == expected[:limit], (q, groups, limit)
                assert seen is None or seen == len(matches)


def test_results_beyond_the_counted_limit_read_more_than(
    network: Network, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_results, "MAX_RESULTS", 3)
    for n in range(5):
        make_reply(network.public_thread, network.tom, f"Audit template number {n}")
    web.login("tom.evans@example.org")
    for order in ("relevance", "newest"):
        page = web.get(f"/search?q=audit&order={order}").get_data(as_text=True)
        assert "More than 3 posts found" in page


def test_long_posts_show_two_marked_passages_of_whole_words() -> None:
    text = "Lactate came back fast. " + "Nothing else happened that day. " * 20 + "Lactate again."
    shown = str(snippet(text, frozenset({"lactat"})))
    assert shown.startswith("<mark>Lactate</mark> came back fast.")
    _first, second = shown.split(" … ")
    assert second.endswith("<mark>Lactate</mark> again.")
    assert second.split()[0] in text.split()  # cut between words, not inside one
    assert shown.count("<mark>") == 2


def test_permission_sets_match_the_whoosh_filter_queries(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    with ix.writer() as writer:
        for n in range(40):
            doc = _document(n, "shift ward", START, 1 + n % 3)
            doc["status"] = "hidden" if n % 7 == 0 else "published"
            writer.add_document(**doc)
    with ix.writer() as writer:
        writer.delete_by_term("post_id", "4")
    with ix.searcher() as s:
        groups = wq.Or([wq.Term("group_id", "1"), wq.Term("group_id", "3")])
        expected = set(s.docs_for_query(wq.And([groups, wq.Term("status", "published")])))
        allowed = allowed_documents(s, frozenset({1, 3}))
        assert set(allowed) == expected and len(allowed) == len(expected)
        assert all((d in allowed) == (d in expected) for d in range(-1, 50))
        hidden = hidden_documents(s)
        assert hidden is not None
        assert set(hidden) == set(s.docs_for_query(wq.Term("status", "hidden")))
