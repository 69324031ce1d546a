"""Several words, phrases, NOT and filters: the fast paths give exactly a full search's answer.

The corpus is small and random, with two segments, edited posts (re-added last with
their old date), deleted documents and held/hidden ones in the mask, so the tiers, the
scans, the exact re-scoring and the newest-first windows are all exercised against
Whoosh's own ranking: same documents, same order, same scores, same totals.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.searching import Searcher

from fivec import signals
from fivec.extensions import db
from fivec.models import Post
from fivec.search import blocks, multiword, newest
from fivec.search import results as search_results
from fivec.search.evaluate import segment_views
from fivec.search.index import SCHEMA
from fivec.search.multiword import count_plan, plan_window, rank_plan
from fivec.search.newest import newest_documents
from fivec.search.permissions import allowed_documents, hidden_documents
from fivec.search.plans import plan

from .conftest import Network, make_reply

WORDS = ["shift", "ward", "huddl", "sepsi", "audit", "lactat", "fall", "night"]
START = datetime(2025, 1, 1)
FOREVER = float("inf")  # no deadline
LIMITS = (1, 7, 20, 60)


def _body(rng: random.Random) -> str:
    length = rng.choice([2, 3, 5, 8, 12, 20, 40, 80])
    vocabulary = WORDS[: rng.randint(2, len(WORDS))]
    return " ".join(rng.choice(vocabulary) for _ in range(length))


def _document(n: int, rng: random.Random, when: datetime) -> dict[str, Any]:
    body = _body(rng)
    return {
        "post_id": str(n),
        "thread_id": str(n // 5),
        "group_id": str(1 + n % 4),
        "author_id": str(1 + n % 6),
        "status": "hidden" if n % 29 == 0 else "published",
        "body": body,
        "impact": body,
        "tokens": body,
        "excerpt": body,
        "created_at": when,
        "is_first_post": n % 5 == 0,
        "reply_count": rng.choice([0, 0, 1, 4]) if n % 5 == 0 else 0,
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    """Two segments of random posts, with edits, deletions and hidden posts.

    On disk in a temporary folder: a RamStorage index writes its columns through a
    shared /tmp/MAIN.tmp folder, which test runs in parallel would trample.
    """
    rng = random.Random(11)
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("corpus")), SCHEMA)
    with ix.writer() as writer:
        for n in range(600):
            writer.add_document(**_document(n, rng, START + timedelta(hours=n)))
    with ix.writer() as writer:
        writer.merge = False
        for n in range(600, 900):
            writer.add_document(**_document(n, rng, START + timedelta(hours=n)))
        for n in rng.sample(range(900), 60):  # an edit: new words, new docnum, same date
            writer.delete_by_term("post_id", str(n))
            writer.add_document(**_document(n, rng, START + timedelta(hours=n)))
        for n in rng.sample(range(900), 20):
            writer.delete_by_term("post_id", str(n))
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) == 2
        yield s


def _term(word: str) -> wq.Term:
    return wq.Term("body", word)


WORD_QUERIES = {
    "two words": wq.And([_term("shift"), _term("ward")]),
    "three words": wq.And([_term("shift"), _term("ward"), _term("huddl")]),
    "a word twice": wq.And([_term("ward"), wq.Phrase("body", ["ward", "ward"])]),
    "phrase": wq.Phrase("body", ["night", "shift"]),
    "three-word phrase": wq.Phrase("body", ["shift", "ward", "shift"]),
    "phrase and word": wq.And([wq.Phrase("body", ["shift", "ward"]), _term("audit")]),
    "or": wq.Or([_term("shift"), _term("ward")]),
    "three-way or": wq.Or([_term("sepsi"), _term("lactat"), _term("fall")]),
    "not": wq.And([_term("shift"), wq.Not(_term("ward"))]),
    "and not": wq.AndNot(_term("ward"), wq.Or([_term("night"), _term("huddl")])),
    "grouped": wq.And(
        [_term("audit"), wq.Or([_term("ward"), wq.Phrase("body", ["fall", "shift"])])]
    ),
    "or with not": wq.Or([_term("sepsi"), wq.And([_term("night"), wq.Not(_term("huddl"))])]),
    "bare not in or": wq.Or([_term("lactat"), wq.Not(_term("ward"))]),
}
FILTERS: dict[str, wq.Query | None] = {
    "no filter": None,
    "authors": wq.Or([wq.Term("author_id", "1"), wq.Term("author_id", "4")]),
    "group": wq.Or([wq.Term("group_id", "3")]),
    "after": wq.DateRange("created_at", START + timedelta(hours=500), None),
    "before": wq.DateRange("created_at", None, START + timedelta(hours=300)),
    "unanswered": wq.And([wq.Term("is_first_post", True), wq.NumericRange("reply_count", 0, 0)]),
}


def _query(words: str, filtered: str) -> wq.Query:
    """Join words and a filter as ``ParsedQuery.query`` does."""
    extra = FILTERS[filtered]
    return WORD_QUERIES[words] if extra is None else wq.And([WORD_QUERIES[words], extra])


def _full(s: Searcher, q: wq.Query, allowed: Any, mask: Any) -> list[tuple[float, int]]:
    hits = s.search(q, limit=None, filter=set(allowed), mask=set(mask) if mask else None)
    return [(hit.score, hit.docnum) for hit in hits]


@pytest.fixture(params=["tiers", "scan"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force the tiers (widening a tier at a time) or the anchored scan."""
    monkeypatch.setattr(multiword, "CANDIDATE_FACTOR", 1)
    if request.param == "tiers":
        monkeypatch.setattr(multiword, "SCAN_LIMIT", 0)
        monkeypatch.setattr(multiword, "TIER_COST", 0)
    else:
        monkeypatch.setattr(multiword, "SCAN_LIMIT", 10**9)
    return str(request.param)


@pytest.mark.parametrize("filtered", FILTERS)
@pytest.mark.parametrize("words", WORD_QUERIES)
@pytest.mark.parametrize("groups", [{1, 2, 3, 4}, {1, 3}])
def test_ranking_and_total_are_exactly_the_full_search(
    corpus: Searcher, strategy: str, words: str, filtered: str, groups: set[int]
) -> None:
    s = corpus
    q = _query(words, filtered)
    planned = plan(s, q)
    assert planned is not None
    allowed, mask = allowed_documents(s, frozenset(groups)), hidden_documents(s)
    full = _full(s, q, allowed, mask)
    for limit in LIMITS:
        ranked = rank_plan(s, planned, allowed, mask, limit, FOREVER, cap=limit + 5)
        if ranked is None:  # no anchor and the tiers ran out: the caller searches in full
            assert planned.anchors is None
            continue
        assert ranked.top == full[:limit], (limit, strategy)
        assert ranked.total in (None, min(len(full), limit + 6))
        assert ranked.seen <= len(full)
    for cap in (0, 3, 1000):
        counted = count_plan(s, planned, allowed, mask, cap, FOREVER)
        assert counted is None or counted == min(len(full), cap + 1)


@pytest.mark.parametrize("filtered", ["no filter", "authors", "after", "before"])
@pytest.mark.parametrize("words", WORD_QUERIES)
def test_newest_first_is_exactly_sorting_every_match(
    corpus: Searcher, words: str, filtered: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newest, "MIN_WINDOW", 4)
    monkeypatch.setattr(blocks, "BLOCK", 8)
    s = corpus
    q = _query(words, filtered)
    planned = plan(s, q)
    assert planned is not None
    window = plan_window(s, planned)
    allowed, mask = allowed_documents(s, frozenset({1, 2, 4})), hidden_documents(s)
    dates = s.reader().column_reader("created_at", translate=False)
    matches = [docnum for _score, docnum in _full(s, q, allowed, mask)]
    expected = sorted(matches, key=lambda d: (dates[d], d), reverse=True)
    for limit in LIMITS:
        found, seen = newest_documents(s, q, allowed, mask, limit, FOREVER, window)
        assert found == expected[:limit]
        assert seen is None or seen == len(matches)


def test_queries_outside_the_plan_search_in_full(corpus: Searcher) -> None:
    unsupported = [
        wq.Term("title", "shift"),  # title searches (in:title) weigh the title field
        wq.Term("body", "shift", boost=2.0),
        wq.Phrase("body", ["night", "shift"], slop=2),
        wq.Every(),
        wq.Or([_term("shift"), _term("ward")], minmatch=2),
    ]
    for q in unsupported:
        assert plan(corpus, q) is None, q


def test_an_index_without_token_streams_searches_in_full(tmp_path: Path) -> None:
    old_schema = SCHEMA.copy()
    old_schema.remove("tokens")
    ix = whoosh_index.create_in(str(tmp_path), old_schema)
    with ix.writer() as writer:
        writer.add_document(post_id="1", body="shift ward", impact="shift ward")
    with ix.searcher() as s:
        assert plan(s, WORD_QUERIES["two words"]) is None


def test_the_rarest_required_terms_anchor_scans_and_counts(corpus: Searcher) -> None:
    """Every match has one of the anchors: here the authors, rarer than the word."""
    planned = plan(corpus, _query("not", "authors"))
    assert planned is not None
    assert planned.words == ("shift",)
    assert planned.anchors == (("author_id", b"1"), ("author_id", b"4"))
    assert plan(corpus, WORD_QUERIES["bare not in or"]).anchors is None  # type: ignore[union-attr]


def test_body_lengths_from_token_streams_are_the_lengths_whoosh_scores_with(
    corpus: Searcher,
) -> None:
    for view in segment_views(corpus):
        for doc in range(view.reader.doc_count_all()):
            length = view.reader.doc_field_length(doc, "body", 1)
            expected = view.k1 * ((1 - view.b) + view.b * length / view.avg)
            assert view.norm(view.tokens(doc)) == expected


def test_tiers_prove_pages_of_several_common_words_without_a_scan(
    corpus: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multiword, "SCAN_LIMIT", 0)
    monkeypatch.setattr(multiword, "TIER_COST", 0)
    scans: list[int] = []
    real_scan = multiword._scan

    def spy(checker: Any, checked: set[int]) -> Any:
        scans.append(len(checked))
        return real_scan(checker, checked)

    monkeypatch.setattr(multiword, "_scan", spy)
    allowed = allowed_documents(corpus, frozenset({1, 2, 3, 4}))
    planned = plan(corpus, WORD_QUERIES["or"])
    assert planned is not None
    ranked = rank_plan(corpus, planned, allowed, None, 5, FOREVER, cap=1000)
    assert ranked is not None and not scans


DATE_FILTERS: dict[str, list[wq.Query]] = {
    "after, most excluded": [wq.DateRange("created_at", START + timedelta(hours=800), None)],
    "before, most excluded": [wq.DateRange("created_at", None, START + timedelta(hours=100))],
    "between": [
        wq.DateRange("created_at", START + timedelta(hours=400), None),
        wq.DateRange("created_at", None, START + timedelta(hours=460)),
    ],
    "after, exclusive": [
        wq.DateRange("created_at", START + timedelta(hours=640), None, startexcl=True)
    ],
    "before, exclusive": [
        wq.DateRange("created_at", None, START + timedelta(hours=296), endexcl=True)
    ],
    "after everything": [wq.DateRange("created_at", START + timedelta(hours=5000), None)],
    "before everything": [wq.DateRange("created_at", None, START - timedelta(days=1))],
}
DATED_WORDS = ["a word", "two words", "phrase", "or", "not", "and not"]


@pytest.mark.parametrize("dated", DATE_FILTERS)
@pytest.mark.parametrize("words", DATED_WORDS)
def test_date_filters_skip_blocks_yet_rank_count_and_order_exactly(
    corpus: Searcher, strategy: str, words: str, dated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocks, "BLOCK", 8)
    monkeypatch.setattr(newest, "MIN_WINDOW", 4)
    s = corpus
    q = wq.And([_term("shift") if words == "a word" else WORD_QUERIES[words], *DATE_FILTERS[dated]])
    planned = plan(s, q)
    assert planned is not None and len(planned.ranges) == len(DATE_FILTERS[dated])
    allowed, mask = allowed_documents(s, frozenset({1, 2, 4})), hidden_documents(s)
    full = _full(s, q, allowed, mask)
    dates = s.reader().column_reader("created_at", translate=False)
    by_date = sorted((d for _score, d in full), key=lambda d: (dates[d], d), reverse=True)
    window, within = plan_window(s, planned), blocks.searcher_spans(s, planned.ranges)
    for limit in LIMITS:
        ranked = rank_plan(s, planned, allowed, mask, limit, FOREVER, cap=limit + 5)
        if ranked is not None:
            assert ranked.top == full[:limit], (limit, strategy)
            assert ranked.total in (None, min(len(full), limit + 6))
        found, seen = newest_documents(s, q, allowed, mask, limit, FOREVER, window, within)
        assert found == by_date[:limit]
        assert seen is None or seen == len(full)
    for cap in (0, 3, 1000):
        assert count_plan(s, planned, allowed, mask, cap, FOREVER) == min(len(full), cap + 1)


def test_date_blocks_leave_out_only_posts_outside_the_range(
    corpus: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocks, "BLOCK", 8)
    bound = START + timedelta(hours=800)
    after = wq.DateRange("created_at", bound, None)
    raw_bound = corpus.schema["created_at"].to_column_value(bound)
    kept = 0
    for view in segment_views(corpus):
        runs = blocks.spans(view.reader, corpus.schema, [after])
        inside = {doc for start, end in runs for doc in range(start, end)}
        dates = view.column("created_at")
        total = view.reader.doc_count_all()
        assert all(dates[doc] < raw_bound for doc in range(total) if doc not in inside)
        kept += len(inside)
    assert kept < corpus.doc_count_all() / 3  # most of the index is skipped


# --- Through ``search``: the member's query, filters and permissions ------------------

APP_QUERIES = [
    "shift ward",
    "shift ward huddle",
    '"night shift"',
    '"shift ward" audit',
    "shift OR ward",
    "shift NOT ward",
    "ward NOT (night OR huddle)",
    "(shift OR lactate) audit",
    "shift ward @tom",
    "shift @priya",
    "ward #sepsis",
    "shift ward #falls",
    "shift after:2026-02-15",
    "ward before:2026-02-20",
    '"ward ward" after:2026-01-01 before:2026-03-01',
    "shift ward in:title",
    "confidential lactate",
    "shift status:unanswered",
]


@pytest.fixture
def busy_network(network: Network) -> Network:
    """Forty random replies in the public thread and twenty in the private one."""
    rng = random.Random(3)
    app_words = ["shift", "ward", "huddle", "sepsis", "audit", "lactate", "falls", "night"]
    for n in range(60):
        opening = network.public_thread if n < 40 else network.private_thread
        author = network.tom if n % 3 else network.priya
        text = " ".join(rng.choice(app_words) for _ in range(rng.choice([2, 4, 9, 25])))
        make_reply(opening, author, text, datetime(2026, 1, 1) + timedelta(days=n))
    return network


def _search_ids(user: Any, text: str, page: int, order: str) -> tuple[list[int], int]:
    found = search_results.search(user, text, page=page, order=order)
    assert not found.message, found.message
    return [hit.post_id for hit in found.hits], found.total


def _differences(
    network: Network, queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[Any, ...]]:
    """Return the searches whose pages or totals differ from Whoosh's full search."""
    monkeypatch.setattr(search_results, "PER_PAGE", 4)  # several pages from a small network
    asks = [
        (viewer, text, page, order)
        for viewer in (network.tom, network.priya)
        for text in queries
        for page in (1, 3)
        for order in ("relevance", "newest")
    ]
    fast = [_search_ids(*ask) for ask in asks]
    with monkeypatch.context() as full_search:
        full_search.setattr(search_results, "plan", lambda _s, _q: None)
        full_search.setattr(search_results, "top_documents", lambda *_args: None)
        full = [_search_ids(*ask) for ask in asks]
    return [
        (ask[0].display_name, *ask[1:])
        for ask, a, b in zip(asks, fast, full, strict=True)
        if a != b
    ]


def test_members_see_the_same_results_as_a_full_search(
    busy_network: Network, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    differ = _differences(busy_network, APP_QUERIES, monkeypatch)
    assert not differ, differ


def test_date_filters_before_or_after_the_words_give_the_full_search_results(
    busy_network: Network, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of two posts, so that ``after:`` and ``before:`` skip most of them."""
    monkeypatch.setattr(blocks, "BLOCK", 2)
    queries = [
        "shift after:2026-02-20",
        "after:2026-02-20 shift",
        "ward before:2026-01-10",
        "before:2026-01-10 ward",
        "shift OR ward after:2026-02-25",
        '"night shift" before:2026-01-20',
        "shift ward after:2026-01-20 before:2026-02-01",
        "before:2026-02-01 shift after:2026-01-20",
        "shift after:2027-01-01",
        "ward before:2025-01-01",
    ]
    differ = _differences(busy_network, queries, monkeypatch)
    assert not differ, differ


def test_hidden_posts_stay_out_of_multiword_results(
    busy_network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multiword, "SCAN_LIMIT", 0)
    monkeypatch.setattr(multiword, "TIER_COST", 0)
    before = search_results.search(busy_network.tom, "lactate turnaround")
    assert [hit.post_id for hit in before.hits] == [busy_network.public_reply.id]
    post = db.session.get(Post, busy_network.public_reply.id)
    post.status = "hidden"
    db.session.commit()
    signals.post_saved.send(current_app._get_current_object(), post_id=post.id)
    after = search_results.search(busy_network.tom, "lactate turnaround")
    assert after.hits == [] and after.total == 0
