"""Cook what members write: Markdown → sanitised HTML, once, when it is written.

Markdown is CommonMark (markdown-it-py) with tables and strikethrough, raw HTML off.
The result passes a bleach allowlist, so stored HTML is safe to show without
re-sanitising. Links keep only http, https and mailto, and get ``rel="nofollow ugc
noopener"``. Images are shown as links (no third-party requests from our pages).

Mentions: ``@[Display Name]``, the member's display name in square brackets (the
composer's autocomplete writes it; people can type it too). Names are matched ignoring
case and repeated spaces. A name that matches exactly one member becomes a link to their
profile and notifies them; an unknown or shared name stays plain text. Mentions inside
code are not mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from sqlalchemy import func, select

from .extensions import db
from .models import User

ALLOWED_TAGS = frozenset(
    {
        "a", "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MENTION_NAME_MAX = 80
# accounts.profile's URL, written out because cooking also runs outside requests (recook).
PROFILE_PATH = "/members/{member_id}"
_ALIGN_CLASSES = {"left": "align-left", "center": "align-center", "right": "align-right"}
_MENTION = re.compile(rf"@\[([^\[\]\n]{{1,{MENTION_NAME_MAX}}})\]")


@dataclass(frozen=True)
class Cooked:
    """Sanitised HTML and the ids of the members it mentions."""

    html: str
    mentioned_ids: frozenset[int]


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "title", "rel"} or (name == "class" and value == "mention")
    if tag in {"th", "td"}:
        return name == "class" and value in _ALIGN_CLASSES.values()
    if tag == "ol":
        return name == "start" and value.isdigit()
    if tag == "code":
        return name == "class" and re.fullmatch(r"language-[\w+#-]{1,30}", value) is not None
    return False


def _set_rel(attrs: dict[Any, str | None], new: bool = False) -> dict[Any, str | None] | None:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)


def normalise_name(name: str) -> str:
    """Compare names ignoring case and repeated spaces."""
    return " ".join(name.split()).casefold()


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("@[", state.pos):
        return False
    if state.pos > 0 and (state.src[state.pos - 1].isalnum() or state.src[state.pos - 1] == "@"):
        return False  # "ann@[x]" is not a mention
    match = _MENTION.match(state.src, state.pos)
    if match is None or not match.group(1).strip():
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(1)
        token.meta = {"name": " ".join(match.group(1).split())}
    state.pos = match.end()
    return True


def _render_mention(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    _options: OptionsDict,
    env: EnvType,
) -> str:
    name = tokens[idx].meta["name"]
    member_id = env.get("members", {}).get(normalise_name(name))
    if member_id is None:
        return escapeHtml(f"@[{tokens[idx].content}]")
    href = PROFILE_PATH.format(member_id=member_id)
    return f'<a class="mention" href="{href}">@{escapeHtml(name)}</a>'


def _render_image(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    _options: OptionsDict,
    _env: EnvType,
) -> str:
    token = tokens[idx]
    src = escapeHtml(str(token.attrGet("src") or ""))
    alt = escapeHtml(token.content or "image")
    return f'<a href="{src}">{alt}</a>'


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.inline.ruler.before("link", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("image", _render_image)
    return md


_md = _build_markdown()


def _mention_names(tokens: Iterable[Token]) -> set[str]:
    names: set[str] = set()
    for token in tokens:
        if token.type == "mention":
            names.add(normalise_name(token.meta["name"]))
        if token.children:
            names |= _mention_names(token.children)
    return names


def _align_cells_with_classes(tokens: Iterable[Token]) -> None:
    """Turn the table cells' style attributes into classes (our CSP forbids inline style)."""
    for token in tokens:
        style = token.attrGet("style") if token.type in {"th_open", "td_open"} else None
        if style:
            token.attrs.pop("style", None)
            align = str(style).removeprefix("text-align:")
            if align in _ALIGN_CLASSES:
                token.attrSet("class", _ALIGN_CLASSES[align])


def resolve_mentions(names: Iterable[str]) -> dict[str, int]:
    """Map normalised display names to member ids, leaving out unknown and shared names."""
    wanted = {normalise_name(n) for n in names if n}
    if not wanted:
        return {}
    candidates = db.session.execute(
        select(User.id, User.display_name).where(
            func.lower(User.display_name).in_({n.lower() for n in wanted})
        )
    )
    found: dict[str, list[int]] = {}
    for member_id, display_name in candidates:
        key = normalise_name(display_name)
        if key in wanted:
            found.setdefault(key, []).append(member_id)
    return {name: ids[0] for name, ids in found.items() if len(ids) == 1}


def sanitise_html(html: str) -> str:
    """Pass HTML through the allowlist, linking bare URLs and adding rel to every link."""
    return str(_cleaner.clean(html))


def cook(source: str) -> Cooked:
    """Render Markdown to safe HTML and find the members it mentions."""
    env: dict[str, Any] = {}
    tokens = _md.parse(source, env)
    _align_cells_with_classes(tokens)
    members = resolve_mentions(_mention_names(tokens))
    env["members"] = members
    html = _md.renderer.render(tokens, _md.options, env)
    return Cooked(html=sanitise_html(html), mentioned_ids=frozenset(members.values()))


def mentioned_member_ids(source: str) -> frozenset[int]:
    """Return the ids of the members ``source`` mentions (without rendering)."""
    return frozenset(resolve_mentions(_mention_names(_md.parse(source, {}))).values())
