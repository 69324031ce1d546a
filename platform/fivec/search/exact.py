"""Score a handful of posts exactly as Whoosh's full search would, without its postings.

A query's score is a sum of BM25 leaf scores, and Whoosh adds them in the shape of its
matcher tree (And and Or build trees weighted by each part's estimated size). Floating
point addition is not associative, so two posts that tie in one order of addition may
not tie in another. To keep ranking and ties identical we let Whoosh build that very
tree over a stand-in searcher whose "postings" are just the posts being scored: each
leaf is a list matcher with the post's real weights and Whoosh's own scorer.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq
from whoosh.matching import ListMatcher
from whoosh.query.spans import Span
from whoosh.searching import Searcher

from .evaluate import SegmentView, compile_check
from .forward import needle
from .permissions import estimated_size
from .plans import BODY, is_range


class _Postings(ListMatcher):
    """A term's postings among the posts being scored; positions come from token streams."""

    def set_tokens(self, tokens: dict[int, bytes], word: bytes) -> _Postings:
        """Give the postings the posts' token streams, where a phrase finds positions."""
        self._tokens, self._word = tokens, word
        return self

    def supports(self, astype: str) -> bool:
        """Offer positions (for phrases) but not characters, which the streams lack."""
        return astype == "positions"

    def spans(self) -> list[Span]:
        """Return the word's positions in the current post (only distances matter)."""
        words = self._tokens[self.id()].split()
        return [Span(n) for n, word in enumerate(words) if word == self._word]

    def copy(self) -> _Postings:
        twin = _Postings(self._ids, self._weights, scorer=self._scorer, term=self._term)
        twin._i = self._i
        return twin.set_tokens(self._tokens, self._word)


class _Range(wq.Query):
    """A NumericRange/DateRange answered from its column for the posts being scored.

    Whoosh turns the range into an OR of many trie terms and, outside a scoring
    context, into a list matcher of every matching document; the result is a list
    matcher with the range's constant score, which is what this returns.
    """

    def __init__(self, original: wq.Query, view: SegmentView, docs: list[int]) -> None:
        self.original, self.searcher = original, view.searcher
        matches, _ = compile_check(view, original)
        self.ids = [doc for doc in docs if matches(doc, b"")]

    def estimate_size(self, ixreader: Any) -> int:
        """Return the range's own estimate: it decides the shape of Whoosh's AND tree."""
        return estimated_size(self.searcher, ixreader, self.original)

    def matcher(self, searcher: Any, context: Any = None) -> ListMatcher:
        """Return the posts in range with the range's constant score."""
        return ListMatcher(self.ids, all_weights=float(self.original.boost))


class _Stand:
    """Stands in for a segment's searcher while Whoosh builds the query's matcher tree.

    Only ``postings`` differs; what the tree's shape depends on (the reader's document
    frequencies, the segment's size) comes from the real segment.
    """

    def __init__(self, view: SegmentView, docs: list[int], tokens: dict[int, bytes]) -> None:
        self._view, self._docs, self._tokens = view, docs, tokens
        self._sub = view.sub
        self.schema = view.sub.schema
        self.weighting = view.sub.weighting

    def reader(self) -> Any:
        return self._sub.reader()

    def doc_count_all(self) -> int:
        return self._sub.doc_count_all()  # type: ignore[no-any-return]

    def boolean_context(self) -> Any:
        return self._sub.boolean_context()

    def postings(self, fieldname: str, text: bytes, weighting: Any = None, qf: int = 1) -> Any:
        """Return the term's postings among the posts being scored, with Whoosh's scorer."""
        scorer = (weighting or self._sub.weighting).scorer(self._sub, fieldname, text, qf=qf)
        if fieldname == BODY:
            mark = needle((text.decode("utf-8"),))
            found = [(doc, float(self._tokens[doc].count(mark))) for doc in self._docs]
            found = [(doc, tf) for doc, tf in found if tf]
        else:
            weights = self._view.term_weights(fieldname, text)
            found = [(doc, weights[doc]) for doc in self._docs if doc in weights]
        postings = _Postings(
            [doc for doc, _ in found], [w for _, w in found], scorer=scorer, term=(fieldname, text)
        )
        return postings.set_tokens(self._tokens, text)


def _with_ranges(q: wq.Query, view: SegmentView, docs: list[int]) -> wq.Query:
    """Return ``q`` with its date and number ranges answered from their columns."""
    if is_range(q):
        return _Range(q, view, docs)
    return q.apply(lambda sub: _with_ranges(sub, view, docs))


def exact_scores(s: Searcher, view: SegmentView, q: wq.Query, docs: list[int]) -> dict[int, float]:
    """Return Whoosh's score for each of ``docs`` (segment docnums) that matches ``q``."""
    docs = sorted(docs)
    tokens = {doc: view.tokens(doc) for doc in docs}
    matcher = _with_ranges(q, view, docs).matcher(_Stand(view, docs, tokens), s.context())
    scores: dict[int, float] = {}
    for doc in docs:
        if not matcher.is_active():
            break
        if matcher.id() < doc:
            matcher.skip_to(doc)
            if not matcher.is_active():
                break
        if matcher.id() == doc:
            scores[doc] = matcher.score()
    return scores
