"""Impact tiers: find the best-scoring posts for common words without scoring every match.

Whoosh scores in Python, a few microseconds per matching post. A word in half of 100,000
posts costs ~150 ms to rank, and BM25's block-max skipping cannot help because BM25
scores of a common word are nearly flat (the 20th best is within 3 % of the best).

So at index time each post also records, in the ``impact`` field, how strongly it uses
each of its words: one token ``"<level>:<word>"`` for the tier its BM25 term weight
reaches (computed with a fixed average length ``REFERENCE_LENGTH``; posts below the
lowest tier get no token). At query time we score, with the real ``body`` matcher, only
the posts in the top tiers of the query's words, and accept the page only if its last
score is *strictly above* the most any post outside those tiers could score with the
live statistics (``outside_bound``). Otherwise we widen to lower tiers, and finally
fall back to scoring every match. The ranking is therefore always exactly the one a full
search gives; the tiers only decide how much work proving it takes.
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
CANDIDATE_FACTOR = 4  # first try tiers holding this many candidates per wanted result
# What a tier candidate costs, in postings of a full search: one word's candidates are
# scored straight from their impact posting; other queries walk the body matcher to them.
WORD_COST = 2
QUERY_COST = 8


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


def body_terms(q: wq.Query) -> list[str] | None:
    """Return the words of a query made only of ``body`` terms joined by AND/OR, else None.

    Only for these is a post's score the sum of its words' BM25 scores, which the bound
    relies on; NOT, filters and title searches take the full path. So do phrases: they
    score like AND, but a phrase matcher's ``skip_to`` to a post without the phrase scans
    on to the next match, so checking sparse candidates can cost more than a full search.
    """
    if isinstance(q, wq.Term):
        if q.fieldname != SCORED_FIELD or q.boost != 1.0:
            return None
        return [q.text if isinstance(q.text, str) else q.text.decode("utf-8")]
    if isinstance(q, (wq.And, wq.Or)) and type(q) in (wq.And, wq.Or) and q.boost == 1.0:
        words: list[str] = []
        for child in q.subqueries:
            found = body_terms(child)
            if found is None:
                return None
            words.extend(found)
        return words
    return None


def _tier_frequencies(s: Searcher, words: list[str]) -> list[int]:
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
    """The best ``limit`` allowed candidates so far, widened tier by tier without rework."""

    def __init__(self, allow: Any, mask: Any, limit: int, deadline: float) -> None:
        self.allow, self.mask, self.limit, self.deadline = allow, mask, limit, deadline
        self.heap: list[tuple[float, int]] = []  # (score, -docnum): ties, lower docnum first
        self.allowed_seen = 0  # allowed matches scored: a lower bound on the total
        self.examined = 0  # allowed candidates looked at, matching or not
        self.seen: set[int] = set()  # top-level docnums already scored

    def _admit(self, docnum: int) -> bool:
        return docnum in self.allow and (self.mask is None or docnum not in self.mask)

    def _keep(self, score: float, docnum: int) -> None:
        self.allowed_seen += 1
        item = (score, -docnum)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        elif item > self.heap[0]:
            heapq.heapreplace(self.heap, item)

    def add_word(self, s: Searcher, word: str, levels: range) -> None:
        """Score one word's posts in ``levels`` from the impact postings alone.

        Each impact posting carries the word's count in the post as its weight, so with
        the post's body length the body field's own BM25 scorer gives the very score the
        body matcher would, without walking the long body posting list. A post sits in
        one tier per word, so widening to lower tiers never scores a post twice.
        """
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
                    doc = postings.id()
                    if self._admit(offset + doc):
                        self.examined += 1
                        length = reader.doc_field_length(doc, SCORED_FIELD, 1)
                        self._keep(scorer._score(postings.weight(), length), offset + doc)
                    postings.next()

    def add_query(
        self, s: Searcher, q: wq.Query, words: list[str], levels: range, outside: list[float]
    ) -> None:
        """Score the posts with any query word in ``levels`` using the query's own matcher.

        A candidate's score is at most its known word scores (from the impact postings it
        is in) plus ``outside[i]`` for each word it is not in a tier of. Candidates are
        scored best-bound first, and once the page is full any whose bound cannot beat
        its last score are dropped unscored (MaxScore-style): the walk down the long
        body posting lists is the expensive part.
        """
        for sub, offset in s.leaf_searchers():
            known = self._known_scores(s, sub, words, levels, offset)
            bounds = {
                docnum: sum(parts[i] if i in parts else outside[i] for i in range(len(words)))
                for docnum, parts in known.items()
            }
            ordered = sorted(bounds, key=bounds.__getitem__, reverse=True)
            start, size = 0, max(self.limit * CANDIDATE_FACTOR, 64)
            while start < len(ordered):  # chunks of doubling size: the floor rises early
                chunk = ordered[start : start + size]
                if len(self.heap) >= self.limit:
                    floor = self.heap[0][0]
                    chunk = [d for d in chunk if bounds[d] * (1 + 1e-9) + 1e-12 >= floor]
                    if not chunk:
                        break  # bounds only fall from here on
                self._score_docs(s, sub, q, offset, sorted(chunk))
                start, size = start + size, size * 2

    def _known_scores(
        self, s: Searcher, sub: Searcher, words: list[str], levels: range, offset: int
    ) -> dict[int, dict[int, float]]:
        """Return {docnum: {word index: word score}} for unseen posts in ``levels``."""
        reader = sub.reader()
        known: dict[int, dict[int, float]] = {}
        for i, word in enumerate(words):
            scorer = s.weighting.scorer(sub, SCORED_FIELD, word)
            for n in levels:
                term = token(n, word)
                if (FIELD, term) not in reader:
                    continue
                postings = reader.postings(FIELD, term)  # skips deleted documents
                while postings.is_active():
                    doc = postings.id()
                    docnum = offset + doc
                    if docnum not in self.seen and self._admit(docnum):
                        length = reader.doc_field_length(doc, SCORED_FIELD, 1)
                        score = scorer._score(postings.weight(), length)
                        known.setdefault(docnum, {})[i] = score
                    postings.next()
        self.seen.update(known)
        return known

    def _score_docs(
        self, s: Searcher, sub: Searcher, q: wq.Query, offset: int, docnums: list[int]
    ) -> None:
        """Score ``docnums`` (ascending, allowed) with the query's matcher, if they match."""
        if not docnums:
            return
        matcher = q.matcher(sub, s.context(needs_current=True))
        for n, docnum in enumerate(docnums):
            if n % 256 == 0 and time.monotonic() > self.deadline:
                raise TimeLimit
            doc = docnum - offset
            self.examined += 1
            if not matcher.is_active():
                break
            if matcher.id() < doc:
                matcher.skip_to(doc)
                if not matcher.is_active():
                    break
            if matcher.id() == doc:
                self._keep(matcher.score(), docnum)

    def best(self) -> list[tuple[float, int]]:
        """Return the kept (score, docnum), best first."""
        return [(score, -negated) for score, negated in sorted(self.heap, reverse=True)]


def top_documents(
    s: Searcher, q: wq.Query, allow: Any, mask: Any, limit: int, deadline: float
) -> tuple[list[tuple[float, int]], int] | None:
    """Return the exact top ``limit`` (score, docnum) for ``q`` and a lower bound on the
    allowed matches, or None to search fully.

    None means the tiers cannot prove the answer (rare words, filters, phrases, an index
    built before tiers existed, or too few allowed posts in the tiers).
    """
    words = body_terms(q)
    if not words or FIELD not in s.schema:
        return None
    if q.estimate_size(s.reader()) < MIN_MATCHES:  # AND: its rarest word; OR: the sum
        return None
    avg = s.avg_field_length(SCORED_FIELD) or 1.0
    idf = sum(s.idf(SCORED_FIELD, w) for w in words)  # a repeated word scores twice
    running = _tier_frequencies(s, words)
    ranking = _Ranking(allow, mask, limit, deadline)
    top = len(EDGES)
    full_cost = sum(s.doc_frequency(SCORED_FIELD, w) for w in words)
    single = isinstance(q, wq.Term)
    cost = WORD_COST if single else QUERY_COST
    if single:
        # Posts in tier n weigh about EDGES[n] or more, which is about the bound for
        # posts outside it: start with the first tiers that should hold a page and a half.
        share = len(allow) / max(1, s.doc_count_all())
        wanted = 1.5 * limit / max(share, 1e-9)
    else:
        wanted = CANDIDATE_FACTOR * limit
    while True:
        level = next((n for n in range(top - 1, -1, -1) if running[n] >= wanted), 0)
        if running[level] * cost > full_cost:
            return None  # proving it from the tiers would cost more than scoring every match
        bound = outside_bound(EDGES[level], avg)
        if isinstance(q, wq.Term):
            ranking.add_word(s, words[0], range(level, top))
        else:
            outside = [s.idf(SCORED_FIELD, w) * bound for w in words]
            ranking.add_query(s, q, words, range(level, top), outside)
        found = ranking.best()
        if len(found) >= limit and found[-1][0] > idf * bound:
            return found, ranking.allowed_seen
        if level == 0:
            return None
        # Few candidates match (words that seldom meet): filling the page would take
        # about limit / rate candidates; stop if that costs more than the full search.
        rate = ranking.allowed_seen / max(1, ranking.examined)
        if rate * full_cost < limit * cost:
            return None
        # Widen: one tier more for a word, about twice the candidates for several.
        top, wanted = level, running[level] + 1 if single else running[level] * 2
