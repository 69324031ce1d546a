"""The long tables beside the peer charts, written in Python for speed.

A scorecard page of five measures holds up to 2,000 peer rows (a funnel table and a
ranked table of every organisation, per measure). Jinja spends about 5 µs on each such
row (attribute look-ups, ``escape`` per cell); these functions write the same HTML in
about a third of that. Every text that is not a number we formatted goes through
``escape``. The templates keep everything else (headings, captions, the footers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

_MINE = ' class="mine"'
_HIDDEN_VALUE = '<abbr title="Hidden: small numbers">*</abbr>'
_HIDDEN_COUNTS = '<span class="muted">hidden</span>'
_NO_RANK = "\u2013"  # en dash, as elsewhere on the page


def funnel_rows(points: Iterable[Mapping[str, Any]], places: int) -> Markup:
    """``<tr>`` per funnel point: organisation, value, where it falls."""
    fmt = f"%.{places}f"
    html = "".join(
        f'<tr{_MINE if p["mine"] else ""}><th scope="row">{escape(p["label"])}</th>'
        f"<td>{fmt % p['y']}</td><td>{escape(p['status'])}</td></tr>\n"
        for p in points
    )
    return Markup(html)  # noqa: S704  (labels and statuses escaped above; numbers ours)


def _count(number: float) -> str:
    return f"{number:,.0f}" if number == int(number) else str(number)


def peer_rows(rows: Iterable[Mapping[str, Any]], places: int, has_counts: bool) -> Markup:
    """``<tr>`` per ranked organisation: rank, organisation, value and (if any) counts."""
    fmt = f"%.{places}f"
    out = []
    for r in rows:
        value = _HIDDEN_VALUE if r["suppressed"] else fmt % r["value"]
        cells = f'<td>{r["rank"] or _NO_RANK}</td><th scope="row">{escape(r["label"])}</th>'
        cells += f"<td>{value}</td>"
        if has_counts:
            if r["numerator"] is not None:
                counts = f"{r['numerator']:,.0f} / {_count(r['denominator'])}"
            else:
                counts = _HIDDEN_COUNTS
            cells += f"<td>{counts}</td>"
        out.append(f"<tr{_MINE if r['mine'] else ''}>{cells}</tr>\n")
    return Markup("".join(out))  # noqa: S704  (labels escaped above; numbers ours)


_SIGNALS = {"improvement": "Improvement", "concern": "Concern"}


def spc_rows(points: Sequence[Mapping[str, Any]], kind: str, has_counts: bool) -> Markup:
    """``<tr>`` per SPC point, newest first: period, value, counts, mean, limits, signal."""
    fmt = "{:,.1f}" if kind == "proportion" else "{:,.2f}"

    def num(value: float | None) -> str:
        return _NO_RANK if value is None else fmt.format(value)

    def count(value: float | None) -> str:
        if value is None:
            return _NO_RANK
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"

    out = []
    for p in reversed(points):
        kind_of = p["type"]
        label = escape(p["label"])
        if p["rebase"]:
            label += Markup(' <span class="badge">new baseline</span>')
        cells = [f'<th scope="row">{label}</th>', f"<td>{num(p['value'])}</td>"]
        if has_counts:
            cells.append(f"<td>{count(p['numerator'])} / {count(p['denominator'])}</td>")
        cells.append(f"<td>{num(p['mean'])}</td>")
        limits = _NO_RANK if p["lpl"] is None else f"{num(p['lpl'])} to {num(p['upl'])}"
        cells.append(f"<td>{limits}</td>")
        if kind_of == "common":
            signal = f'<span class="muted">{_NO_RANK}</span>'
        else:
            name = _SIGNALS.get(kind_of, "Unusual")
            signal = (
                f'<span class="sig sig-{escape(kind_of)}">{name}</span> '
                f'<span class="small">{escape(p["rule"])}</span>'
            )
        cells.append(f"<td>{signal}</td>")
        out.append(f'<tr class="pt-{escape(kind_of)}">{"".join(cells)}</tr>\n')
    return Markup("".join(out))  # noqa: S704  (labels, types and rules escaped above)
