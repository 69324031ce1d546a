"""Check and score single posts against a planned query (``plans.py``).

Whoosh answers "does this post match, and how well?" by walking each term's posting
list, ~75 µs a post and word when the posts are far apart. For the few hundred or
thousand posts a ranking or a count has to look at, we answer it per post instead:
body words and phrases from the post's token stream (``forward.py``), filter terms
(author, group, post, opening post) from their postings read once per searcher, date
and number ranges from the field's column. Scores are Whoosh's BM25 leaf scores summed
in our order; ``exact.py`` re-adds the ones that decide a page through Whoosh's matcher
tree, so ranking and ties stay exactly Whoosh's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from .blocks import range_edges
from .forward import FIELD as TOKENS
from .forward import needle, word_count
from .permissions import remember, searcher_cache
from .plans import BODY, NOT_WEIGHT, is_range, term_bytes, text_of

TERM_CACHE_SIZE = 256

Matches = Callable[[int, bytes], bool]  # (segment docnum, token stream)
Scores = Callable[[int, bytes, float], float]  # (…, BM25 norm of its length), if it matches
Scored = Callable[[int, bytes], float | None]  # (segment docnum, token stream): None if no match


class SegmentView:
    """One segment's per-post data: token streams, body lengths, filter postings, columns."""

    def __init__(self, s: Searcher, sub: Searcher, offset: int) -> None:
        self.searcher, self.sub, self.offset = s, sub, offset
        self.reader = sub.reader()
        #: A post's token stream (``forward.py``) by segment docnum.
        self.tokens: Callable[[int], bytes] = self.reader.column_reader(
            TOKENS, translate=False
        ).__getitem__
        self._columns: dict[str, Any] = {}
        weighting = s.weighting
        self.k1, self.b = weighting.K1, weighting._field_B.get(BODY, weighting.B)
        self.avg = s.avg_field_length(BODY) or 1
        self._norms: dict[int, float] = {}

    def idf_k1(self, word: str) -> float:
        """Return idf·(K1+1) for ``word``: BM25's factor for it before the tf part."""
        return self.searcher.idf(BODY, word) * (self.k1 + 1)  # type: ignore[no-any-return]

    def norm(self, tokens: bytes) -> float:
        """Return BM25's K1·(1-B+B·length/avg) for a post, the same for all its words.

        The body's length is its number of tokens, which Whoosh stores in one byte and
        reads back rounded (``byte_to_length``); so do we, from the token stream, which
        saves reading Whoosh's length column for every post.
        """
        count = word_count(tokens)
        norm = self._norms.get(count)
        if norm is None:
            length = byte_to_length(length_to_byte(count))
            norm = self._norms[count] = self.k1 * ((1 - self.b) + self.b * length / self.avg)
        return norm

    def column(self, field: str) -> Any:
        """Return a field's raw column (sortable values), opened once per view."""
        if field not in self._columns:
            self._columns[field] = self.reader.column_reader(field, translate=False)
        return self._columns[field]

    def term_weights(self, field: str, text: bytes) -> dict[int, float]:
        """Return {docnum: posting weight} of a filter term, cached per searcher.

        Deleted documents are left out, as Whoosh's postings leave them out.
        """
        cache = searcher_cache(self.searcher).setdefault("terms", {})
        key = (self.offset, field, text)
        found = cache.get(key)
        if found is None:
            found = {}
            if (field, text) in self.reader:
                postings = self.reader.postings(field, text)
                while postings.is_active():
                    found[postings.id()] = postings.weight()
                    postings.next()
            remember(cache, key, found, TERM_CACHE_SIZE)
        return found  # type: ignore[no-any-return]


def segment_views(s: Searcher) -> list[SegmentView]:
    """Return a view per segment, cached per searcher (opening a column reads its offsets)."""
    cache = searcher_cache(s)
    views = cache.get("views")
    if views is None:
        views = cache["views"] = [SegmentView(s, sub, offset) for sub, offset in s.leaf_searchers()]
    return views  # type: ignore[no-any-return]


def _range_check(view: SegmentView, q: Any) -> Matches:
    """Check a post's column value against a NumericRange/DateRange, as its terms would."""
    column = view.column(q.fieldname)
    low, high, low_open, high_open = range_edges(view.searcher.schema, q)

    def matches(doc: int, _tokens: bytes) -> bool:
        value = column[doc]
        if low is not None and (value < low or (low_open and value == low)):
            return False
        return high is None or not (value > high or (high_open and value == high))

    return matches


def _words(view: SegmentView, words: list[str], every: bool) -> tuple[Matches, Scores]:
    """Check and score body words joined by AND (``every``) or OR, in one closure each.

    The score is BM25 as Whoosh computes it, idf·tf·(K1+1)/(tf + norm) with the post's
    ``norm`` = K1·(1-B+B·length/avg), summed in our order (``exact.py`` redoes the sum).
    """
    marks = [needle((word,)) for word in words]
    weights = [view.idf_k1(word) for word in words]
    pairs = list(zip(marks, weights, strict=True))

    def matches(_doc: int, tokens: bytes) -> bool:
        for mark in marks:
            if (mark in tokens) != every:
                return not every
        return every

    def score(_doc: int, tokens: bytes, norm: float) -> float:
        total = 0.0
        for mark, weight in pairs:
            tf = tokens.count(mark)
            if tf:
                total += weight * tf / (tf + norm)
        return total

    return matches, score


def _scored_words(view: SegmentView, words: list[str], every: bool) -> Scored:
    """Check and score body words joined by AND or OR in one pass over the counts.

    The ranking checks thousands of posts for these, the commonest queries; counting
    each word once (rather than a membership test, then a count) is a third faster.
    """
    pairs = [(needle((word,)), view.idf_k1(word)) for word in words]
    norm_of = view.norm

    def scored(_doc: int, tokens: bytes) -> float | None:
        total, norm = 0.0, -1.0
        for mark, weight in pairs:
            tf = tokens.count(mark)
            if tf:
                if norm < 0:
                    norm = norm_of(tokens)
                total += weight * tf / (tf + norm)
            elif every:
                return None
        return total if norm >= 0 else None

    return scored


def compile_scored(view: SegmentView, q: wq.Query) -> Scored:
    """Return a function giving a post's score (our sum), or None if it does not match."""
    if type(q) is wq.Term and q.fieldname == BODY:
        return _scored_words(view, [text_of(q.text)], every=True)
    if type(q) in (wq.And, wq.Or):
        words = _body_words(q)
        if words is not None:
            return _scored_words(view, words, every=type(q) is wq.And)
    if type(q) is wq.Phrase:
        mark, both = (
            needle([text_of(w) for w in q.words]),
            _scored_words(view, [text_of(w) for w in q.words], every=True),
        )
        return lambda doc, tokens: both(doc, tokens) if mark in tokens else None
    matches, score = compile_check(view, q)
    norm_of = view.norm
    return lambda doc, tokens: score(doc, tokens, norm_of(tokens)) if matches(doc, tokens) else None


def _all(parts: list[tuple[Matches, Scores]]) -> tuple[Matches, Scores]:
    checks = [m for m, _ in parts]
    scores = [sc for _, sc in parts]

    def matches(doc: int, tokens: bytes) -> bool:
        return all(check(doc, tokens) for check in checks)

    def score(doc: int, tokens: bytes, norm: float) -> float:
        return sum(sc(doc, tokens, norm) for sc in scores)

    return matches, score


def _any(parts: list[tuple[Matches, Scores]]) -> tuple[Matches, Scores]:
    def matches(doc: int, tokens: bytes) -> bool:
        return any(check(doc, tokens) for check, _ in parts)

    def score(doc: int, tokens: bytes, norm: float) -> float:
        return sum(sc(doc, tokens, norm) for check, sc in parts if check(doc, tokens))

    return matches, score


def _body_words(q: wq.Query) -> list[str] | None:
    """Return the words of an AND or OR made only of body words, else None."""
    subs = q.subqueries
    if all(type(sub) is wq.Term and sub.fieldname == BODY for sub in subs):
        return [text_of(sub.text) for sub in subs]
    return None


def compile_check(view: SegmentView, q: wq.Query) -> tuple[Matches, Scores]:
    """Turn a supported query into (matches, score) functions over one segment's posts."""
    kind = type(q)
    if kind is wq.Term and q.fieldname == BODY:
        return _words(view, [text_of(q.text)], every=True)
    if kind is wq.Term:
        weights = view.term_weights(q.fieldname, term_bytes(view.searcher, q))
        return (lambda doc, _tokens: doc in weights), (lambda doc, _t, _n: weights[doc])
    if kind is wq.Phrase:
        mark = needle([text_of(w) for w in q.words])
        _, score = _words(view, [text_of(w) for w in q.words], every=True)
        return (lambda _doc, tokens: mark in tokens), score
    if is_range(q):
        boost = float(q.boost)
        return _range_check(view, q), (lambda _d, _t, _n: boost)
    if kind is wq.Not:
        inner, _ = compile_check(view, q.query)
        return (lambda doc, tokens: not inner(doc, tokens)), (lambda _d, _t, _n: NOT_WEIGHT)
    if kind is wq.AndNot:
        (keep, score), (drop, _) = compile_check(view, q.a), compile_check(view, q.b)
        return (lambda doc, tokens: keep(doc, tokens) and not drop(doc, tokens)), score
    words = _body_words(q)
    if words is not None:
        return _words(view, words, every=kind is wq.And)
    parts = [compile_check(view, sub) for sub in q.subqueries]
    return _all(parts) if kind is wq.And else _any(parts)
