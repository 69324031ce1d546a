"""Impact tiers: find the best-scoring posts for common words without scoring every match.

Whoosh scores in Python, a few microseconds per matching post. A word in half of 100,000
posts costs ~150 ms to rank, and BM25's block-max skipping cannot help because BM25
scores of a common word are nearly flat (the 20th best is within 3 % of the best).

So at index time each post also records, in the ``impact`` field, how strongly it uses
each of its words: one token ``"<level>:<word>"`` for the tier its BM25 term weight
reaches (computed with a fixed average length ``REFERENCE_LENGTH``; posts below the
lowest tier get no token). At query time a one-word search scores, with the ``body``
field's own scorer, only the posts in the word's top tiers, and accepts the page only if
its last score is *strictly above* the most any post outside those tiers could score
with the live statistics (``outside_bound``). Otherwise we widen to lower tiers, and
finally fall back to scoring every match. The ranking is therefore always exactly the one
a full search gives; the tiers only decide how much work proving it takes. Several words,
phrases and filters use the same tiers and bounds in ``multiword.py``.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh import query as wq
from whoosh.analysis import Filter, Token
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

FIELD = "impact"
SCORED_FIELD = "body"
K1 = 1.2  # whoosh.scoring.BM25F defaults, which the searcher uses
B = 0.75
REFERENCE_LENGTH = 40.0  # words; near the average post. Only affects speed, never results
#: Lower edges of the tiers, on the BM25 term weight tf*(K1+1)/(tf+K1*(1-B+B*len/avg)),
#: which lies in (0, K1+1). Finer near the top, where the first pages come from.
EDGES = (1.2, 1.3, 1.4, 1.45, 1.5, 1.55, 1.6, 1.65, 1.7, 1.75, 1.8, 1.85, 1.9, 1.95, 2.0, 2.1)
MIN_MATCHES = 3_000  # below this many matches a full search is cheap enough
WORD_COST = 2  # what a tier candidate of one word costs, in postings of a full search


def term_weight(tf: float, length: float, avg: float) -> float:
    """Return BM25's term weight without the idf factor (as whoosh.scoring.bm25 computes)."""
    return (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / avg))


@lru_cache(maxsize=65_536)  # few distinct (count, length) pairs; indexing calls it per word
def level_of(tf: float, length: int) -> int | None:
    """Return the tier of a word used ``tf`` times in a post of ``length`` words, if any."""
    stored = byte_to_length(length_to_byte(length))  # the length the scorer will read
    weight = term_weight(tf, stored, REFERENCE_LENGTH)
    level = None
    for n, edge in enumerate(EDGES):
        if weight >= edge:
            level = n
    return level


def token(level: int, text: str) -> str:
    """Return the impact token for a word in a tier."""
    return f"{level:02d}:{text}"


class ImpactFilter(Filter):
    """Turn a post's analysed words into one impact token per word that reaches a tier."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Count the words (the stream reuses one Token), then yield the tier tokens."""
        counts: Counter[str] = Counter()
        length = 0
        for t in tokens:
            counts[t.text] += 1
            length += 1
        for text, tf in counts.items():
            level = level_of(float(tf), length)
            if level is not None:
                # The boost becomes the posting's weight: the word's count, for scoring.
                yield Token(text=token(level, text), boost=float(tf), positions=False, chars=False)


@lru_cache(maxsize=1024)  # a few edges per average length: one per index generation
def outside_bound(edge: float, avg: float) -> float:
    """Return the most a post whose reference weight is below ``edge`` can weigh now.

    A post stays out of a tier when its reference weight (average REFERENCE_LENGTH) is
    below ``edge``; with today's average ``avg`` the same (tf, length) weighs differently.
    For each tf the weight falls with length, so its supremum sits on the tier boundary
    (or at length 0); along that boundary it is monotone in tf, so checking tf = 1, the
    point where the boundary reaches length 0, many integers and the limit is safe.
    """
    span = K1 * B / REFERENCE_LENGTH

    def boundary_length(tf: float) -> float:  # reference weight == edge at this length
        return max(0.0, ((K1 + 1) * tf / edge - tf - K1 * (1 - B)) / span)

    ratio = REFERENCE_LENGTH / avg
    limit = (K1 + 1) / (1 + ratio * ((K1 + 1) / edge - 1))
    knee = K1 * (1 - B) / ((K1 + 1) / edge - 1)
    candidates = [1.0, max(1.0, knee), *(float(tf) for tf in range(2, 257))]
    best = max([limit] + [term_weight(tf, boundary_length(tf), avg) for tf in candidates])
    return min(best, K1 + 1) * (1 + 1e-9) + 1e-12


def tier_frequencies(s: Searcher, words: list[str]) -> list[int]:
    """Return, per tier, how many (word, post) pairs sit at or above it."""
    per_level = [
        sum(s.doc_frequency(FIELD, token(level, w)) for w in words) for level in range(len(EDGES))
    ]
    running, total = [], 0
    for count in reversed(per_level):
        total += count
        running.append(total)
    return running[::-1]


class _Ranking:
    """The best ``limit`` allowed posts of one word so far, widened tier by tier."""

    def __init__(self, allow: Any, mask: Any, limit: int, deadline: float) -> None:
        self.allow, self.mask, self.limit, self.deadline = allow, mask, limit, deadline
        self.heap: list[tuple[float, int]] = []  # (score, -docnum): ties, lower docnum first
        self.allowed_seen = 0  # allowed matches scored: a lower bound on the total

    def _keep(self, score: float, docnum: int) -> None:
        self.allowed_seen += 1
        item = (score, -docnum)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        elif item > self.heap[0]:
            heapq.heapreplace(self.heap, item)

    def add_word(self, s: Searcher, word: str, levels: range) -> None:
        """Score the word's posts in ``levels`` from the impact postings alone.

        Each impact posting carries the word's count in the post as its weight, so with
        the post's body length the body field's own BM25 scorer gives the very score the
        body matcher would, without walking the long body posting list. A post sits in
        one tier per word, so widening to lower tiers never scores a post twice.
        """
        allow, mask = self.allow, self.mask
        for sub, offset in s.leaf_searchers():
            reader = sub.reader()
            scorer = s.weighting.scorer(sub, SCORED_FIELD, word)
            for n in levels:
                term = token(n, word)
                if (FIELD, term) not in reader:
                    continue
                if time.monotonic() > self.deadline:
                    raise TimeLimit
                postings = reader.postings(FIELD, term)  # skips deleted documents
                while postings.is_active():
                    docnum = offset + postings.id()
                    if docnum in allow and (mask is None or docnum not in mask):
                        length = reader.doc_field_length(postings.id(), SCORED_FIELD, 1)
                        self._keep(scorer._score(postings.weight(), length), docnum)
                    postings.next()

    def best(self) -> list[tuple[float, int]]:
        """Return the kept (score, docnum), best first."""
        return [(score, -negated) for score, negated in sorted(self.heap, reverse=True)]


def body_word(q: wq.Query) -> str | None:
    """Return the word of a one-word ``body`` query (as the parser builds it), else None."""
    if type(q) is not wq.Term or q.fieldname != SCORED_FIELD or q.boost != 1.0:
        return None
    return q.text if isinstance(q.text, str) else q.text.decode("utf-8")


def top_documents(
    s: Searcher, q: wq.Query, allow: Any, mask: Any, limit: int, deadline: float
) -> tuple[list[tuple[float, int]], int] | None:
    """Return the exact top ``limit`` (score, docnum) for a one-word query and a lower
    bound on the allowed matches, or None to search fully.

    None means the tiers cannot prove the answer (a rare word, an index built before
    tiers existed, or too few allowed posts in the tiers). Several words, phrases and
    filters are ranked by ``multiword.py``.
    """
    word = body_word(q)
    if word is None or FIELD not in s.schema:
        return None
    full_cost = s.doc_frequency(SCORED_FIELD, word)
    if full_cost < MIN_MATCHES:
        return None
    avg = s.avg_field_length(SCORED_FIELD) or 1.0
    idf = s.idf(SCORED_FIELD, word)
    running = tier_frequencies(s, [word])
    ranking = _Ranking(allow, mask, limit, deadline)
    top = len(EDGES)
    # Posts in tier n weigh about EDGES[n] or more, which is about the bound for posts
    # outside it: start with the first tiers that should hold a page and a half.
    share = len(allow) / max(1, s.doc_count_all())
    wanted = 1.5 * limit / max(share, 1e-9)
    while True:
        level = next((n for n in range(top - 1, -1, -1) if running[n] >= wanted), 0)
        if running[level] * WORD_COST > full_cost:
            return None  # proving it from the tiers would cost more than scoring every match
        ranking.add_word(s, word, range(level, top))
        found = ranking.best()
        if len(found) >= limit and found[-1][0] > idf * outside_bound(EDGES[level], avg):
            return found, ranking.allowed_seen
        if level == 0:
            return None
        top, wanted = level, running[level] + 1
