"""Each post's analysed words, in order, kept as one value per document (``tokens``).

Ranking several words means scoring posts that are strong in one word for the others
too, and a phrase needs word positions. Asking Whoosh's posting lists costs a
``skip_to`` per word and post, ~75 µs each (block decoding in Python). The post's own
token stream, read from a column (an array lookup and a slice), answers both in about
a microsecond: a word's count is a substring count and a phrase a substring test.

Tokens are written ``" a  b  c "``: each word has a space on both sides, so
``count(b" w ")`` counts every occurrence (adjacent ones share no space) and
``b" a  b "`` is found exactly where ``b`` follows ``a``. The stop filter renumbers
positions, so adjacency here is the adjacency Whoosh's phrase matcher checks.
"""

from __future__ import annotations

from typing import Any

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN

FIELD = "tokens"


def needle(words: list[str] | tuple[str, ...]) -> bytes:
    """Return the bytes marking ``words`` next to each other in a token stream."""
    return (" " + "  ".join(words) + " ").encode("utf-8")


def word_count(tokens: bytes) -> int:
    """Return how many words a token stream holds (the body length Whoosh stores)."""
    return tokens.count(b"  ") + 1 if len(tokens) > 2 else 0


class TokenColumn(COLUMN):
    """A column holding a text's analysed tokens (stemmed, stop words dropped), in order.

    The document passes the same text as the ``body`` field; the column runs the body's
    analyzer over it, so the words are exactly the body's terms.
    """

    def __init__(self, analyzer: Any) -> None:
        super().__init__(VarBytesColumn())
        self.analyzer = analyzer

    def to_column_value(self, value: str) -> bytes:
        """Return the token stream of ``value`` as the column stores it."""
        return needle([token.text for token in self.analyzer(value, mode="index")])

    def from_column_value(self, value: bytes) -> bytes:
        return value
