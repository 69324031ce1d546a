"""Run a member's search: permissions through ``filter=``/``mask=``, snippets, pages."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from whoosh import query as wq
from whoosh.collectors import Collector, FilterCollector, TimeLimit
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight
from whoosh.searching import Searcher

from .. import access
from ..extensions import db
from ..models import Group, Post, Thread, User
from .index import ANALYZER, allowed_documents, enabled, searcher
from .query import QueryProblem, parse_query

PER_PAGE = 20
MAX_PAGE = 50
MAX_RESULTS = MAX_PAGE * PER_PAGE  # totals above this show as “1,000+”
TIME_LIMIT = 2.0  # seconds of wall clock, waits for other threads included
SNIPPET_CHARS = 240
_HIDDEN_STATUSES = ("held", "hidden", "deleted")


class MarkFormatter(Formatter):
    """Escape the text and wrap matched words in ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return escape(text, quote=True)

    def format_token(self, text: str, token: object, replace: bool = False) -> str:
        """Wrap one matched word."""
        return f"<mark>{escape(get_text(text, token, replace), quote=True)}</mark>"


class GuardedCollector(FilterCollector):
    """Apply the permission filter and mask, and stop with TimeLimit at a deadline.

    Whoosh's TimeLimitCollector must not wrap a FilterCollector: its loop calls the
    child's ``collect`` directly and so skips the filter (every document would match).
    """

    def __init__(self, child: Collector, allow: wq.Query, restrict: wq.Query, limit: float) -> None:
        super().__init__(child, allow, restrict)
        self.timelimit = limit
        self.deadline = 0.0

    def prepare(self, top_searcher: Searcher, q: wq.Query, context: object) -> None:
        """Start the clock, then build the allowed and masked document sets.

        Whoosh's own ``prepare`` turns an *empty* allow-set into "no filter at all";
        here an empty set allows nothing.
        """
        self.deadline = time.monotonic() + self.timelimit
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
class SearchResults:
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

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def snippet(text: str, terms: frozenset[str]) -> Markup:
    """Return up to two fragments of ``text`` around ``terms``, escaped, matches marked."""
    marked = ""
    if terms:
        fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
        marked = highlight(text, terms, ANALYZER, fragmenter, MarkFormatter(), top=2)
    if not marked:
        short = text[:SNIPPET_CHARS]
        marked = escape(short) + ("…" if len(text) > SNIPPET_CHARS else "")
    return Markup(marked)  # noqa: S704  (built from escaped text and our own <mark> tags)


def _permissions(s: Searcher, readable: set[int], group_id: int | None) -> tuple[Any, wq.Query]:
    """Return (filter, mask): readable groups' published posts; never held/hidden/deleted."""
    groups = readable if group_id is None else readable & {group_id}
    indexed = {int(g) for g in s.lexicon("group_id")}
    allowed = allowed_documents(s, frozenset(groups & indexed))
    mask = wq.Or([wq.Term("status", status) for status in _HIDDEN_STATUSES])
    return allowed, mask


def _count(s: Searcher, q: wq.Query, allowed: Any, mask: Any, cap: int) -> int:
    """Count allowed matches, stopping past ``cap`` (pages stop there anyway)."""
    found = 0
    for docnum in s.docs_for_query(q):
        if docnum in allowed and docnum not in mask:
            found += 1
            if found > cap:
                break
    return found


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
    allowed, mask_query = _permissions(s, readable, group_id)
    if not allowed:
        return results
    inner = s.collector(
        limit=page * PER_PAGE,
        sortedby="created_at" if order == "newest" else None,
        reverse=order == "newest",
    )
    collector = GuardedCollector(inner, allowed, mask_query, TIME_LIMIT)
    try:
        s.search_with_collector(parsed.query, collector)
        found = collector.results()
        results.total = _count(s, parsed.query, allowed, collector._restrict, MAX_RESULTS)
    except TimeLimit:
        results.message = "That search took too long. Try fewer words, or more specific ones."
        return results
    page_hits = [hit for hit in found[(page - 1) * PER_PAGE : page * PER_PAGE]]
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
