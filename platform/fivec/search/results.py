"""Run a member's search: permissions through ``filter=``/``mask=``, snippets, pages."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from whoosh import query as wq
from whoosh.collectors import Collector, FilterCollector, TimeLimit, TopCollector
from whoosh.searching import Searcher

from .. import access
from ..extensions import db
from ..models import Group, Post, Thread, User
from ..paging import PageLinks
from .blocks import searcher_spans
from .impact import body_word, top_documents
from .index import enabled, searcher
from .multiword import count_plan, plan_window, rank_plan
from .newest import newest_documents
from .permissions import allowed_documents, hidden_documents
from .plans import plan
from .query import QueryProblem, parse_query
from .snippets import snippet

PER_PAGE = 20
MAX_PAGE = 50
MAX_RESULTS = MAX_PAGE * PER_PAGE  # totals above this show as “1,000+”
TIME_LIMIT = 2.0  # seconds of wall clock, waits for other threads included


class GuardedCollector(FilterCollector):
    """Apply the permission filter and mask, and stop with TimeLimit at a deadline.

    Whoosh's TimeLimitCollector must not wrap a FilterCollector: its loop calls the
    child's ``collect`` directly and so skips the filter (every document would match).
    """

    def __init__(self, child: Collector, allow: Any, restrict: Any, deadline: float) -> None:
        super().__init__(child, allow, restrict)
        self.deadline = deadline
        self.allowed_count = 0

    def prepare(self, top_searcher: Searcher, q: wq.Query, context: object) -> None:
        """Build the allowed and masked document sets.

        Whoosh's own ``prepare`` turns an *empty* allow-set into "no filter at all";
        here an empty set allows nothing. The deadline was set by the caller.
        """
        self.child.prepare(top_searcher, q, context)
        self._allow = top_searcher._filter_to_comb(self.allow)
        self._restrict = top_searcher._filter_to_comb(self.restrict)
        if self._allow is None:
            raise ValueError("a permission filter is required")
        self.filtered_count = 0

    def collect_matches(self) -> None:
        """Collect the allowed matches of one segment, checking the clock as we go."""
        child, allow, restrict = self.child, self._allow, self._restrict
        for n, sub_docnum in enumerate(child.matches()):
            if n % 256 == 0 and time.monotonic() > self.deadline:
                raise TimeLimit
            docnum = self.offset + sub_docnum
            if (allow is not None and docnum not in allow) or (
                restrict is not None and docnum in restrict
            ):
                self.filtered_count += 1
                continue
            self.allowed_count += 1
            child.collect(sub_docnum)


@dataclass(frozen=True)
class SearchHit:
    """One post found, with what the results page shows."""

    post_id: int
    thread_id: int
    title: str
    snippet: Markup
    author_id: int | None
    author_name: str
    group_id: int
    group_name: str
    created_at: datetime
    is_first_post: bool


@dataclass
class SearchResults(PageLinks):
    """A page of hits, the total, and messages for the member (works with ``pager``)."""

    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    message: str = ""
    notices: list[str] = field(default_factory=list)
    order: str = "relevance"

    @property
    def more(self) -> bool:
        """True when there are more matches than we count (and page through)."""
        return self.total > MAX_RESULTS

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, math.ceil(self.total / self.per_page)) if self.total else 0


def _permissions(s: Searcher, readable: set[int], group_id: int | None) -> tuple[Any, Any]:
    """Return (filter, mask): readable groups' published posts; never held/hidden/deleted."""
    groups = readable if group_id is None else readable & {group_id}
    indexed = {int(g) for g in s.lexicon("group_id")}
    return allowed_documents(s, frozenset(groups & indexed)), hidden_documents(s)


def _at_least(s: Searcher, q: wq.Query, allowed: Any, mask: Any) -> int:
    """Return a lower bound on the allowed matches of a word (or words joined by OR).

    The word is in ``doc_frequency`` documents (deleted ones included); at most
    ``doc_count_all - len(allowed)`` of them are outside the allowed set, ``len(mask)``
    masked. For a common word and a member of most groups that already proves "more
    than MAX_RESULTS" without reading a posting.
    """
    terms = [q] if isinstance(q, wq.Term) else list(q.subqueries) if type(q) is wq.Or else []
    if not terms or not all(isinstance(t, wq.Term) for t in terms):
        return 0
    matches = max(s.doc_frequency(t.fieldname, t.text) for t in terms)
    return matches - (s.doc_count_all() - len(allowed)) - (len(mask) if mask else 0)


def _count(s: Searcher, q: wq.Query, allowed: Any, mask: Any, deadline: float) -> int:
    """Count allowed matches, stopping past MAX_RESULTS (pages stop there anyway).

    A planned query checks the posts holding its rarest term from their token streams;
    anything else (title searches, an index from before the token column) lets Whoosh
    list every match.
    """
    if _at_least(s, q, allowed, mask) > MAX_RESULTS:
        return MAX_RESULTS + 1
    planned = plan(s, q)
    counted = count_plan(s, planned, allowed, mask, MAX_RESULTS, deadline) if planned else None
    if counted is not None:
        return counted
    found = 0
    for docnum in s.docs_for_query(q):
        if docnum in allowed and (mask is None or docnum not in mask):
            found += 1
            if found > MAX_RESULTS:
                break
    return found


def _fast(
    s: Searcher, q: wq.Query, allowed: Any, mask: Any, limit: int, deadline: float
) -> tuple[list[int], int] | None:
    """Rank without scoring every match, or return None when that cannot prove the page.

    One common word is ranked from its impact tiers (``impact.py``); several words,
    phrases and filters from the words' tiers and each post's token stream
    (``multiword.py``).
    """
    if body_word(q) is not None:
        tiered = top_documents(s, q, allowed, mask, limit, deadline)
        if tiered is None:
            return None
        top, at_least = tiered
        return [d for _score, d in top], _total(s, q, allowed, mask, at_least, deadline)
    planned = plan(s, q)
    ranked = rank_plan(s, planned, allowed, mask, limit, deadline, MAX_RESULTS) if planned else None
    if ranked is None:
        return None
    total = ranked.total
    if total is None:
        total = _total(s, q, allowed, mask, ranked.seen, deadline)
    return [d for _score, d in ranked.top], total


def _ranked(
    s: Searcher, q: wq.Query, allowed: Any, mask: Any, limit: int, deadline: float
) -> tuple[list[int], int]:
    """Return the best ``limit`` allowed documents for ``q`` and how many are allowed (capped).

    What the fast paths cannot prove is scored in full, which also counts the allowed
    matches for free.
    """
    fast = _fast(s, q, allowed, mask, limit, deadline)
    if fast is not None:
        return fast
    # No block-max skipping or matcher replacement: both may pass over matches uncounted,
    # and with BM25's flat scores they skip almost nothing; counting here saves a pass.
    inner = TopCollector(limit=limit, usequality=False, replace=0)
    collector = GuardedCollector(inner, allowed, mask, deadline)
    s.search_with_collector(q, collector)
    found = [docnum for _score, docnum in collector.results().top_n]
    return found, min(collector.allowed_count, MAX_RESULTS + 1)


def _total(s: Searcher, q: wq.Query, allowed: Any, mask: Any, seen: int, deadline: float) -> int:
    """Return the capped total, given that ``seen`` allowed matches were already seen."""
    return MAX_RESULTS + 1 if seen > MAX_RESULTS else _count(s, q, allowed, mask, deadline)


def _newest(
    s: Searcher, q: wq.Query, allowed: Any, mask: Any, limit: int, deadline: float
) -> tuple[list[int], int]:
    """Return the newest ``limit`` allowed documents and how many are allowed (capped)."""
    planned = plan(s, q)
    window = plan_window(s, planned) if planned else None
    within = searcher_spans(s, planned.ranges) if planned and planned.ranges else None
    found, seen = newest_documents(s, q, allowed, mask, limit, deadline, window, within)
    if seen is None:
        seen = _count(s, q, allowed, mask, deadline)
    return found, min(seen, MAX_RESULTS + 1)


def _verified(post_ids: list[int], readable: set[int]) -> dict[int, Any]:
    """Re-check a page of hits against the database: the index may lag a moment behind."""
    rows = db.session.execute(
        select(
            Post.id,
            Post.thread_id,
            Post.parent_id,
            Post.author_id,
            Post.created_at,
            Thread.title,
            Thread.group_id,
            Group.name.label("group_name"),
            User.display_name.label("author_name"),
        )
        .join(Thread, Thread.id == Post.thread_id)
        .join(Group, Group.id == Thread.group_id)
        .outerjoin(User, User.id == Post.author_id)
        .where(
            Post.id.in_(post_ids),
            Post.status == "published",
            Thread.status == "published",
            Thread.group_id.in_(readable),
        )
    )
    return {row.id: row for row in rows}


def search(
    user: object,
    raw_query: str,
    page: int = 1,
    order: str = "relevance",
    group_id: int | None = None,
) -> SearchResults:
    """Search the posts ``user`` may read; bad input gives a message, never an error."""
    order = "newest" if order == "newest" else "relevance"
    page = min(max(page, 1), MAX_PAGE)
    results = SearchResults(page=page, order=order)
    try:
        parsed = parse_query(user, raw_query)
    except QueryProblem as problem:
        results.message = problem.message
        return results
    results.notices = parsed.notices
    if parsed.newest or parsed.words is None:
        order = results.order = "newest"
    readable = set(db.session.scalars(access.readable_group_ids(user)))  # type: ignore[arg-type]
    if not enabled() or not readable or (group_id is not None and group_id not in readable):
        return results
    s = searcher()
    allowed, mask = _permissions(s, readable, group_id)
    if not allowed:
        return results
    deadline = time.monotonic() + TIME_LIMIT
    rank = _newest if order == "newest" else _ranked
    try:
        docnums, results.total = rank(s, parsed.query, allowed, mask, page * PER_PAGE, deadline)
    except TimeLimit:
        results.message = "That search took too long. Try fewer words, or more specific ones."
        return results
    page_hits = [s.stored_fields(docnum) for docnum in docnums[(page - 1) * PER_PAGE :]]
    posts = _verified([int(hit["post_id"]) for hit in page_hits], readable)
    terms = parsed.highlight_terms
    for hit in page_hits:
        post = posts.get(int(hit["post_id"]))
        if post is None:
            results.total -= 1
            continue
        results.hits.append(
            SearchHit(
                post_id=post.id,
                thread_id=post.thread_id,
                title=post.title,
                snippet=snippet(hit["excerpt"], terms),
                author_id=post.author_id,
                author_name=post.author_name or "Former member",
                group_id=post.group_id,
                group_name=post.group_name,
                created_at=post.created_at,
                is_first_post=post.parent_id is None,
            )
        )
    return results
