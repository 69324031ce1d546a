"""Rank and count queries of several words, phrases and filters without a full search.

A post's score is the sum of its words' BM25 scores (plus a constant for each filter or
NOT that holds). A post outside the tiers of every query word read so far
(``impact.py``) holds each word below the lowest edge read, so it scores at most
``rest``: the words' idf times the bound below that edge, plus the constants. So we
read the words' top tiers (document numbers only), check and score every post found
from its token stream (``evaluate.py``: a microsecond or two, where Whoosh's postings
cost ~75 µs a post and word), and accept the page once its last score is above
``rest``; otherwise we read one tier more. With BM25's flat scores nearly every post
found at that level could still beat the page, so there is little to gain from
ordering them by an upper bound first.

When the tiers would find more posts than the query's cheapest ``anchors`` hold (terms
one of which every match contains: its rarest word, or a group or author filter), we
check every post holding them instead, which also gives the exact total. The few posts
that decide the page are finally re-scored through Whoosh's own matcher tree
(``exact.py``), so order and ties are exactly a full search's.
"""

from __future__ import annotations

import bisect
import heapq
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from .blocks import clip, ids_within, spans
from .evaluate import Matches, SegmentView, compile_check, compile_scored, segment_views
from .exact import exact_scores
from .impact import EDGES, FIELD, outside_bound, tier_frequencies, token
from .newest import Window
from .plans import BODY, Plan

MARGIN = 1e-9  # relative slack on bounds: our sums and Whoosh's may differ in the last bits
SCAN_LIMIT = 3_000  # check every anchored post at once when there are at most this many
TIER_COST = 2  # a post found in the tiers costs about two anchored posts checked
CANDIDATE_FACTOR = 4  # first read the top tiers holding this many posts per wanted result


@dataclass(frozen=True)
class Ranked:
    """The best documents, best first, and the allowed matches counted up to a cap."""

    top: list[tuple[float, int]]
    total: int | None  # up to cap + 1; None: no anchor to count by (then at least ``seen``)
    seen: int


class _Checker:
    """Checks and scores documents (top-level docnums) against one plan."""

    def __init__(
        self, s: Searcher, plan: Plan, allow: Any, mask: Any, limit: int, deadline: float
    ) -> None:
        self.s, self.plan, self.allow, self.mask = s, plan, allow, mask
        self.limit, self.deadline = limit, deadline
        self.views = segment_views(s)
        self.offsets = [view.offset for view in self.views]
        self.checks = [compile_scored(view, plan.query) for view in self.views]
        self.scores: dict[int, float] = {}  # allowed matches seen, with our sum of scores
        self._top: list[float] = []  # the best ``limit`` of our sums, as a min-heap

    def check_all(self, docnums: Iterable[int]) -> None:
        """Score those of ``docnums`` that are allowed and match."""
        allow, mask, offsets, top = self.allow, self.mask, self.offsets, self._top
        for n, docnum in enumerate(docnums):
            if not n & 255 and time.monotonic() > self.deadline:
                raise TimeLimit
            if docnum not in allow or (mask is not None and docnum in mask):
                continue
            index = bisect.bisect_right(offsets, docnum) - 1
            doc = docnum - offsets[index]
            found = self.checks[index](doc, self.views[index].tokens(doc))
            if found is not None:
                self.scores[docnum] = found
                if len(top) < self.limit:
                    heapq.heappush(top, found)
                elif found > top[0]:
                    heapq.heapreplace(top, found)

    @property
    def floor(self) -> float:
        """Return the ``limit``-th best score seen, or -inf while fewer have been seen."""
        return self._top[0] if len(self._top) >= self.limit else float("-inf")

    def best(self) -> list[tuple[float, int]]:
        """Return the exact top ``limit`` (score, docnum) among the matches seen.

        Every match within rounding of the ``limit``-th of our sums is re-scored by
        Whoosh's matcher tree, so ties break exactly as a full search breaks them.
        """
        if not self._top:
            return []
        lowest = self._top[0]
        floor = lowest - abs(lowest) * MARGIN - 1e-12
        band: dict[int, list[int]] = {}
        for docnum, score in self.scores.items():
            if score >= floor:
                index = bisect.bisect_right(self.offsets, docnum) - 1
                band.setdefault(index, []).append(docnum - self.offsets[index])
        exact: list[tuple[float, int]] = []
        for index, docs in band.items():
            view = self.views[index]
            found = exact_scores(self.s, view, self.plan.query, docs)
            exact.extend((score, view.offset + doc) for doc, score in found.items())
        exact.sort(key=lambda item: (-item[0], item[1]))
        return exact[: self.limit]


def anchored(s: Searcher, plan: Plan) -> Iterator[int]:
    """Yield every document (top-level docnum) holding one of the plan's anchor terms,
    except in the blocks its date ranges rule out (``blocks.py``)."""
    assert plan.anchors is not None
    for sub, offset in s.leaf_searchers():
        reader = sub.reader()
        present = [(f, t) for f, t in plan.anchors if (f, t) in reader]
        if not present:
            continue
        runs = spans(reader, s.schema, plan.ranges)
        if len(present) == 1:
            yield from (offset + doc for doc in ids_within(reader.postings(*present[0]), runs))
        else:
            docs: set[int] = set()
            for term in present:
                docs.update(ids_within(reader.postings(*term), runs))
            yield from (offset + doc for doc in sorted(docs))


def _in_range(s: Searcher, plan: Plan) -> float:
    """Return the share of the documents in the blocks the plan's date ranges leave."""
    if not plan.ranges:
        return 1.0
    covered = sum(
        end - start
        for sub, _ in s.leaf_searchers()
        for start, end in spans(sub.reader(), s.schema, plan.ranges)
    )
    return covered / max(1, s.doc_count_all())


def _anchor_postings(s: Searcher, plan: Plan, share: float) -> int | None:
    """Return about how many postings checking every anchored post reads: the anchors'
    ``share`` in the blocks the date ranges leave (None: no anchors)."""
    if plan.anchors is None:
        return None
    return int(sum(s.doc_frequency(f, t) for f, t in plan.anchors) * share)


def _scan(checker: _Checker, checked: set[int], cap: int) -> Ranked:
    """Check every anchored document not yet ``checked``: the exact top and total."""
    checker.check_all(d for d in anchored(checker.s, checker.plan) if d not in checked)
    seen = len(checker.scores)
    return Ranked(checker.best(), min(seen, cap + 1), seen)


def _proven(checker: _Checker, checked: set[int], cap: int) -> Ranked:
    """Return the proven page, counting on through the anchored posts not yet checked."""
    seen = len(checker.scores)
    total = None
    if seen > cap:
        total = cap + 1
    elif checker.plan.anchors is not None:
        known = (checked, checker.scores.keys())
        total = count_plan(
            checker.s, checker.plan, checker.allow, checker.mask, cap, checker.deadline, known
        )
    return Ranked(checker.best(), total, seen)


class _Tiers:
    """The documents in the tiers read so far of the query's words."""

    def __init__(self, s: Searcher, plan: Plan) -> None:
        self.s, self.constant = s, plan.constant
        self.words = sorted(set(plan.words))
        self.idf = sum(s.idf(BODY, w) for w in plan.words)  # a word twice scores twice
        self.avg = s.avg_field_length(BODY) or 1.0
        self.level = len(EDGES)
        self.found: set[int] = set()
        # Posts in blocks the date ranges rule out cannot match: not even read.
        self.runs = [spans(sub.reader(), s.schema, plan.ranges) for sub, _ in s.leaf_searchers()]

    def read_down_to(self, level: int) -> set[int]:
        """Read the tiers from ``level`` up to the last one read; return the new documents."""
        new: set[int] = set()
        for (sub, offset), runs in zip(self.s.leaf_searchers(), self.runs, strict=True):
            reader = sub.reader()
            for word in self.words:
                for n in range(level, self.level):
                    term = token(n, word)
                    if (FIELD, term) in reader:
                        found = ids_within(reader.postings(FIELD, term), runs)
                        new.update(offset + doc for doc in found)
        self.level = level
        new -= self.found
        self.found |= new
        return new

    def rest(self) -> float:
        """Return the most a post in none of the tiers read can score."""
        edge = outside_bound(EDGES[self.level], self.avg)
        return (self.idf * edge + self.constant) * (1 + MARGIN) + 1e-12


def _scan_at_once(s: Searcher, plan: Plan, scan: int | None) -> bool:
    """Tell whether checking every anchored post beats reading tiers from the start.

    A filter anchor (a group, an author, opening posts) that holds a share f of the
    posts leaves about that share of the tier candidates matching, so the tiers need
    about 1/f times the candidates: scanning wins while scan² < SCAN_LIMIT · posts.
    """
    if scan is None:
        return False
    filters = plan.anchors is not None and all(f != BODY for f, _ in plan.anchors)
    return scan <= SCAN_LIMIT or (filters and scan * scan <= SCAN_LIMIT * s.doc_count_all())


def rank_plan(
    s: Searcher, plan: Plan, allow: Any, mask: Any, limit: int, deadline: float, cap: int
) -> Ranked | None:
    """Return the exact top ``limit`` for a planned query and its total counted up to
    ``cap + 1``, or None to search in full."""
    checker = _Checker(s, plan, allow, mask, limit, deadline)
    share = _in_range(s, plan)
    scan = _anchor_postings(s, plan, share)
    if _scan_at_once(s, plan, scan):
        return _scan(checker, set(), cap)
    if not plan.words:
        return None
    tiers = _Tiers(s, plan)
    # Tier postings in the date ranges' blocks: about their share of each tier.
    running = [int(count * share) for count in tier_frequencies(s, list(plan.words))]
    wanted = CANDIDATE_FACTOR * limit  # first read the top tiers that should hold a page
    level = next((n for n in range(len(EDGES) - 1, -1, -1) if running[n] >= wanted), 0)
    while True:
        if scan is not None and running[level] * TIER_COST > scan:
            return _scan(checker, tiers.found, cap)  # cheaper than proving it from tiers
        checker.check_all(tiers.read_down_to(level))
        if checker.floor > tiers.rest():
            return _proven(checker, tiers.found, cap)
        if level == 0:
            return _scan(checker, tiers.found, cap) if scan is not None else None
        # One tier more: the page is proven at the first level whose bound falls below
        # its last score, and reading one more tier costs only its own posts.
        level -= 1


def _match_checks(views: list[SegmentView], plan: Plan) -> list[Matches]:
    """Return each segment's match-only check (counting and newest need no scores)."""
    return [compile_check(view, plan.query)[0] for view in views]


def plan_window(s: Searcher, plan: Plan) -> Window | None:
    """Return a newest-first Window over the anchored posts checked against the plan.

    Whoosh's matchers cost most for the queries planned here (phrases, several common
    words, and date ranges, which Whoosh first lists in full for every window). Blocks
    the date ranges rule out are skipped: a window of posts newer than ``before:``
    allows costs nothing.
    """
    anchors = plan.anchors
    if anchors is None:
        return None
    views = segment_views(s)
    checks = _match_checks(views, plan)
    runs = [spans(view.reader, s.schema, plan.ranges) for view in views]

    def matches(index: int, sub: Searcher, start: int, end: int) -> Iterator[int]:
        reader, check, view = sub.reader(), checks[index], views[index]
        window = clip(runs[index], start, end)
        docs: set[int] = set()
        for term in anchors:
            if window and term in reader:
                docs.update(ids_within(reader.postings(*term), window))
        return (doc for doc in sorted(docs) if check(doc, view.tokens(doc)))

    return matches


def count_plan(
    s: Searcher,
    plan: Plan,
    allow: Any,
    mask: Any,
    cap: int,
    deadline: float,
    known: tuple[Collection[int], Collection[int]] = ((), ()),
) -> int | None:
    """Count the allowed matches up to ``cap + 1`` (None: no anchors to count by).

    ``known`` is (documents already checked, the allowed matches among them): those
    count at once (every match holds an anchor term) and are not checked again.
    """
    if plan.anchors is None:
        return None
    checked, matched = known
    views = segment_views(s)
    offsets = [view.offset for view in views]
    checks = _match_checks(views, plan)
    found = len(matched)
    for n, docnum in enumerate(anchored(s, plan)):
        if found > cap:
            break
        if not n & 255 and time.monotonic() > deadline:
            raise TimeLimit
        if docnum in checked:
            continue
        if docnum in allow and (mask is None or docnum not in mask):
            index = bisect.bisect_right(offsets, docnum) - 1
            doc = docnum - offsets[index]
            found += checks[index](doc, views[index].tokens(doc))
    return min(found, cap + 1)
