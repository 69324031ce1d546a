"""What the fast paths need to know about a query before reading a single post.

``multiword.py`` ranks and counts a query from its words' impact tiers and each post's
token stream. That needs, up front: the body words whose scores add up (to bound the
score of every post not yet read), the most the other parts can add (filters and NOT
add a constant when they hold), terms one of which every match must contain (the
*anchors*: scanning their postings finds every match) and the date ranges every match
is in (``blocks.py`` skips what they rule out). ``plan`` works these out, or
returns None for what the per-post checks do not handle: the caller then lets Whoosh
search in full. Supported are the shapes our parser produces: words, phrases, AND, OR,
NOT, AND NOT, and the filters' terms and date or number ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from .forward import FIELD as TOKENS
from .impact import K1, B

BODY = "body"
NOT_WEIGHT = 1.0  # what Whoosh's InverseMatcher adds for a NOT that holds

Anchors = tuple[tuple[str, bytes], ...]  # (field, term) pairs


class Unsupported(Exception):
    """The query has a part the per-post check does not handle: search in full."""


@dataclass(frozen=True)
class Plan:
    """What the fast paths need to know about a query before reading any post."""

    query: wq.Query
    words: tuple[str, ...]  # body words whose scores add up (twice if in twice)
    constant: float  # the most everything else can add to a score (filters, NOT)
    anchors: Anchors | None  # terms one of which every match has
    ranges: tuple[wq.Query, ...] = ()  # date or number ranges every match is in


def text_of(text: str | bytes) -> str:
    """Return a term's text as a string (Whoosh keeps either)."""
    return text if isinstance(text, str) else text.decode("utf-8")


def term_bytes(s: Searcher, q: wq.Term) -> bytes:
    """Return a term's text as the field indexes it (e.g. ``True`` -> ``b"t"``)."""
    return s.schema[q.fieldname].to_bytes(q.text)  # type: ignore[no-any-return]


def is_range(q: wq.Query) -> bool:
    """Tell whether ``q`` is a date or number range scoring a constant (our filters)."""
    return type(q) in (wq.NumericRange, wq.DateRange) and bool(q.constantscore)


def _cheapest(s: Searcher, options: list[Anchors]) -> Anchors:
    """Return the anchor set with the fewest postings to read."""
    return min(options, key=lambda terms: sum(s.doc_frequency(f, t) for f, t in terms))


def _part(s: Searcher, q: wq.Query) -> Plan:
    """Describe one node (raise Unsupported for anything else)."""
    kind = type(q)
    if getattr(q, "boost", 1.0) != 1.0:
        raise Unsupported(q)
    if kind is wq.Term and q.fieldname == BODY:
        return Plan(q, (text_of(q.text),), 0.0, ((BODY, term_bytes(s, q)),))
    if kind is wq.Term:
        if q.fieldname not in s.schema:
            raise Unsupported(q)
        field = s.schema[q.fieldname]
        if not field.indexed or field.scorable:  # BM25 on another field: not summed here
            raise Unsupported(q)
        text = term_bytes(s, q)
        weight = (
            s.term_info(q.fieldname, text).max_weight()
            if (q.fieldname, text) in s.reader()
            else 0.0
        )
        return Plan(q, (), weight, ((q.fieldname, text),))
    if kind is wq.Phrase and q.fieldname == BODY and q.slop == 1 and q.words:
        words = tuple(text_of(w) for w in q.words)
        rarest = min(words, key=lambda w: s.doc_frequency(BODY, w))
        return Plan(q, words, 0.0, ((BODY, rarest.encode("utf-8")),))
    if is_range(q) and q.fieldname in s.schema and s.schema[q.fieldname].column_type:
        return Plan(q, (), float(q.boost), None, (q,))
    if kind is wq.Not:
        _part(s, q.query)
        return Plan(q, (), NOT_WEIGHT, None)
    if kind is wq.AndNot:
        _part(s, q.b)  # only checked: what it matches is dropped, and adds no score
        return replace(_part(s, q.a), query=q)
    if kind is wq.And or (kind is wq.Or and not q.minmatch and q.scale is None):
        parts = [_part(s, sub) for sub in q.subqueries]
        anchored = [p.anchors for p in parts if p.anchors is not None]
        if kind is wq.And:
            anchors = _cheapest(s, anchored) if anchored else None
        else:
            anchors = tuple(t for a in anchored for t in a) if len(anchored) == len(parts) else None
        words = tuple(w for p in parts for w in p.words)
        ranges = tuple(r for p in parts for r in p.ranges) if kind is wq.And else ()
        return Plan(q, words, sum(p.constant for p in parts), anchors, ranges)
    raise Unsupported(q)


def plan(s: Searcher, q: wq.Query) -> Plan | None:
    """Return the plan for ``q``, or None when it must be searched in full.

    An index written before the token column existed has no per-post words to check,
    and the bounds assume Whoosh's default BM25F weighting (``impact.K1`` and ``B``).
    """
    weighting = s.weighting
    if (
        type(weighting) is not BM25F
        or (weighting.K1, weighting._field_B.get(BODY, weighting.B)) != (K1, B)
        or TOKENS not in s.schema
        or not all(
            sub.reader().has_column(TOKENS) for sub, _ in s.leaf_searchers() if sub.doc_count()
        )
    ):
        return None
    try:
        return _part(s, q)
    except (Unsupported, KeyError):
        return None
