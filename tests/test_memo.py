"""The shared bounded memo: by count, and by total weight when asked."""

from __future__ import annotations

from fivec.memo import Memo


def test_oldest_entries_leave_once_the_count_is_reached():
    memo: Memo[str] = Memo("count", maxsize=2)
    for key in "abc":
        memo.put(key, key.upper())
    assert (memo.peek("a"), memo.peek("b"), memo.peek("c")) == (None, "B", "C")


def test_a_weighed_memo_keeps_its_total_under_the_limit():
    memo: Memo[str] = Memo("bytes", maxsize=100, weigh=len, max_weight=10)
    memo.put("a", "x" * 4)
    memo.put("b", "x" * 4)
    memo.put("a", "x" * 5)  # replacing counts the new weight only: 5 + 4
    assert len(memo) == 2
    memo.put("c", "x" * 3)  # 12 > 10: the least recently used ("b") goes
    assert memo.peek("b") is None and memo.peek("a") and memo.peek("c")
