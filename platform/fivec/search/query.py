"""Turn what a member typed into a safe Whoosh query plus our Discourse-style filters.

User text goes through a parser with only words, phrases, brackets and AND/OR/NOT: no
``field:`` syntax, wildcards, ranges, boosts or fuzzy terms, so nobody can reach a field
or an expensive query we did not mean to offer. Filters (``@name``, ``#group``,
``before:``, ``after:``, ``in:title``, ``in:bookmarks``, ``status:unanswered``,
``order:latest``) are cut out of the text first and turned into Whoosh terms by us, from
the database. Permissions are *not* here: ``results.search`` applies them with
``filter=``/``mask=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from whoosh import query as wq
from whoosh.qparser import (
    GroupPlugin,
    OperatorsPlugin,
    PhrasePlugin,
    QueryParser,
    WhitespacePlugin,
)

from .. import access
from ..extensions import db
from ..models import Bookmark, Group, User
from .index import SCHEMA

MAX_LENGTH = 200
MAX_TERMS = 24
MAX_BRACKETS = 10
MAX_NAME_MATCHES = 50

HELP = [
    ("@name", 'posts by a member, e.g. @priya or @"Priya Shah"'),
    ("#group", "posts in one group, by its short name, e.g. #sepsis"),
    ("before:YYYY-MM-DD", "posts written before a date"),
    ("after:YYYY-MM-DD", "posts written on or after a date"),
    ("in:title", "only thread titles"),
    ("in:bookmarks", "only posts you bookmarked"),
    ("status:unanswered", "threads with no replies yet"),
    ("order:latest", "newest first"),
    ('"exact phrase"', "words next to each other"),
    ("AND, OR, NOT", "combine words (all words must match by default)"),
]

_FILTER = re.compile(
    r"""(?<!\S)(?:
        @\[(?P<bracket_name>[^\]\n]{1,80})\]
      | @"(?P<quoted_name>[^"\n]{1,80})"
      | @(?P<name>[^\s@#"]{1,80})
      | \#(?P<group>[^\s#]{1,120})
      | (?P<key>before|after|in|status|order):(?P<value>\S*)
    )(?!\S)""",
    re.IGNORECASE | re.VERBOSE,
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT_FIELDS = ("body", "title")


class QueryProblem(Exception):
    """The query cannot run; ``message`` tells the member what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedQuery:
    """A safe query: the words, the filters as Whoosh queries, and notes for the member."""

    words: wq.Query | None = None
    filters: list[wq.Query] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    title_only: bool = False
    newest: bool = False

    @property
    def query(self) -> wq.Query:
        """Return the whole query (words and filters) to run."""
        parts = [self.words] if self.words is not None else []
        if self.title_only:
            parts.append(wq.Term("is_first_post", True))
        parts.extend(self.filters)
        if not parts:
            return wq.Every()
        return parts[0] if len(parts) == 1 else wq.And(parts)

    @property
    def highlight_terms(self) -> frozenset[str]:
        """Return the analysed words to mark in snippets."""
        if self.words is None:
            return frozenset()
        return frozenset(
            text if isinstance(text, str) else text.decode("utf-8")
            for fieldname, text in self.words.iter_all_terms()
            if fieldname in _TEXT_FIELDS
        )


def _parser(fieldname: str) -> QueryParser:
    plugins = [WhitespacePlugin(), PhrasePlugin(), GroupPlugin(), OperatorsPlugin()]
    return QueryParser(fieldname, SCHEMA, plugins=plugins)


_BODY_PARSER = _parser("body")
_TITLE_PARSER = _parser("title")


def _bracket_depth(text: str) -> tuple[int, bool]:
    depth = deepest = 0
    balanced = True
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
            if depth < 0:
                balanced, depth = False, 0
    return deepest, balanced and depth == 0


def _clean_text(text: str, parsed: ParsedQuery) -> str:
    """Drop what the parser must not see, telling the member what we changed."""
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    if "*" in text or "?" in text:
        if "*" in text:
            parsed.notices.append("Wildcards (*) are not supported, so we searched for the words.")
        text = text.replace("*", " ").replace("?", " ")
    if text.count('"') % 2:
        parsed.notices.append(
            "A quote was not closed, so we searched for the words without quotes."
        )
        text = text.replace('"', " ")
    text = re.sub(r"\b\w+:", lambda m: m.group(0)[:-1] + " ", text)  # no field: syntax
    deepest, balanced = _bracket_depth(text)
    if deepest > MAX_BRACKETS:
        raise QueryProblem(f"Too many brackets: use at most {MAX_BRACKETS} levels, or none.")
    if not balanced:
        parsed.notices.append("The brackets did not match, so we searched without them.")
        text = text.replace("(", " ").replace(")", " ")
    return text.replace("^", " ").replace("~", " ")


def _date(key: str, value: str) -> date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise QueryProblem(
            f"“{key}:{value}” is not a date we understand. Use year-month-day, "
            f"e.g. {key}:2026-03-31."
        ) from None


def _author_ids(name: str) -> list[int]:
    """Members whose display name is ``name`` or has a word starting with it."""
    lowered = " ".join(name.lower().split())
    pattern = lowered.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.session.scalars(
        select(User.id)
        .where(
            or_(
                func.lower(User.display_name) == lowered,
                func.lower(User.display_name).like(f"{pattern}%", escape="\\"),
                func.lower(User.display_name).like(f"% {pattern}%", escape="\\"),
            )
        )
        .limit(MAX_NAME_MATCHES)
    )
    return list(rows)


def _group_ids(user: object, name: str) -> list[int]:
    """Groups the viewer may see listed whose slug or name is ``name`` (hidden ones stay hidden)."""
    lowered = name.lower()
    return list(
        db.session.scalars(
            select(Group.id).where(
                Group.id.in_(access.listable_group_ids(user)),  # type: ignore[arg-type]
                or_(
                    func.lower(Group.slug) == lowered,
                    func.lower(Group.name) == lowered,
                    func.lower(Group.name) == lowered.replace("-", " "),
                ),
            )
        )
    )


def _terms(fieldname: str, ids: list[int]) -> wq.Query:
    return wq.Or([wq.Term(fieldname, str(i)) for i in ids])


def _apply_filter(user: object, match: re.Match[str], parsed: ParsedQuery) -> None:
    name = match["bracket_name"] or match["quoted_name"] or match["name"]
    if name:
        ids = _author_ids(name)
        if not ids:
            raise QueryProblem(f"No member matches “@{name}”. Check the spelling of their name.")
        parsed.filters.append(_terms("author_id", ids))
        return
    if match["group"]:
        ids = _group_ids(user, match["group"])
        if not ids:
            raise QueryProblem(f"No group matches “#{match['group']}”. Use the group's short name.")
        parsed.filters.append(_terms("group_id", ids))
        return
    key, value = match["key"].lower(), match["value"].lower()
    if key in {"before", "after"}:
        day = datetime.combine(_date(key, value), datetime.min.time())
        if key == "before":
            parsed.filters.append(wq.DateRange("created_at", None, day - timedelta(microseconds=1)))
        else:
            parsed.filters.append(wq.DateRange("created_at", day, None))
    elif (key, value) == ("in", "title"):
        parsed.title_only = True
    elif (key, value) == ("in", "bookmarks"):
        ids = list(
            db.session.scalars(
                select(Bookmark.post_id).where(Bookmark.user_id == getattr(user, "id", None))
            )
        )
        if not ids:
            raise QueryProblem("You have no bookmarks yet: bookmark a post to find it here.")
        parsed.filters.append(_terms("post_id", ids))
    elif (key, value) == ("status", "unanswered"):
        parsed.filters.append(wq.Term("is_first_post", True))
        parsed.filters.append(wq.NumericRange("reply_count", 0, 0))
    elif (key, value) in {("order", "latest"), ("order", "newest")}:
        parsed.newest = True
    else:
        raise QueryProblem(
            f"We don't know the filter “{key}:{value}”. Try in:title, in:bookmarks, "
            "status:unanswered, before:YYYY-MM-DD or after:YYYY-MM-DD."
        )


def parse_query(user: object, raw: str) -> ParsedQuery:
    """Parse ``raw`` for ``user``; raise QueryProblem with a message the member can act on."""
    if len(raw) > MAX_LENGTH:
        raise QueryProblem(
            f"That search is {len(raw):,} characters long. Use at most {MAX_LENGTH}: "
            "a few distinctive words work best."
        )
    raw = raw.strip()
    if not raw:
        raise QueryProblem("Type a few words to search for.")
    parsed = ParsedQuery()
    text = raw
    for match in list(_FILTER.finditer(raw)):
        _apply_filter(user, match, parsed)
        text = text.replace(match.group(0), " ", 1)
    text = _clean_text(text, parsed).strip()
    if text:
        parser = _TITLE_PARSER if parsed.title_only else _BODY_PARSER
        try:
            words = parser.parse(text)
        except RecursionError:
            raise QueryProblem("That search has too many brackets. Try plain words.") from None
        words = words.normalize()
        if words is wq.NullQuery:
            if not parsed.filters and not parsed.title_only:
                raise QueryProblem(
                    "Those words are too common to search for. Try more specific words."
                )
        else:
            if len(list(words.iter_all_terms())) > MAX_TERMS:
                raise QueryProblem("That search has too many words. Try fewer words.")
            parsed.words = words
    elif not parsed.filters and not parsed.title_only:
        raise QueryProblem("Type a few words to search for.")
    return parsed
