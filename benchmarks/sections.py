"""Each measure's section of a scorecard page, rendered once per exact set of inputs.

A section (headings, the SPC chart's badges and table, the funnel and ranked tables of
up to 200 organisations, their links) is most of a scorecard page and most of the cost
of rendering it. What it shows is fixed by a short list of inputs, all in the key:

* the measure (every column, including its figures stamp: ``page_cache.measure_state``),
  so new, corrected or deleted figures and an edited definition give a new key;
* the organisation viewed (id and name) — the section holds its named series and its own
  exact counts, so it is only ever served for that organisation, and only after the view
  has checked that the viewer may see it (``views._viewing_organisation``);
* the scorecard's peer rules (suppression threshold; named scorecards are not kept at all,
  because a peer's name can change without any figure changing);
* the viewer's choices and rights that change the links (over-dispersion, page, the
  ``organisation`` argument, may manage, may submit) and the app's URL root.

The section template reads nothing else (no ``request``, no ``current_user``). Sections
are kept per worker process, bounded (``SECTIONS``); a miss costs what the page cost
before (the panels from ``page_cache``, then one template render).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from flask import current_app, request
from markupsafe import Markup

from fivec.memo import Memo
from fivec.models import Organisation

from .models import Measure, Scorecard
from .page_cache import database_key, measure_state
from .panels import measure_panels
from .peer_views import to_json


@dataclass(frozen=True)
class Section:
    """One measure's rendered section, and its charts' data as JSON members keyed by
    element id (``"m1-spc":{...},"m1-funnel":...``), both UTF-8 ready to send."""

    html: bytes
    json: bytes


@dataclass(frozen=True)
class Viewing:
    """Who is looking, at what: everything a section shows besides the figures."""

    scorecard: Scorecard
    organisation: Organisation | None
    organisation_arg: str | None  # the ``organisation`` query argument, kept in links
    adjust: bool
    page: int
    can_manage: bool
    can_submit: bool
    page_url: Callable[..., str]

    def key(self, measure: Measure, database: str) -> Hashable:
        """Return the key of ``measure``'s section as seen here."""
        organisation = self.organisation
        return (
            database,
            request.script_root,
            self.scorecard.id,
            self.scorecard.suppression_threshold,
            measure_state(measure),
            organisation.id if organisation is not None else None,
            organisation.name if organisation is not None else None,
            self.organisation_arg,
            self.adjust,
            self.page,
            self.can_manage,
            self.can_submit,
        )


# ~100 KB each (HTML and JSON): 256 sections are about 25 MB per worker process.
SECTIONS: Memo[Section] = Memo("sections", 256)


def measure_sections(viewing: Viewing, measures: Sequence[Measure]) -> list[Section]:
    """Return the sections of ``measures`` as ``viewing`` shows them, rendering only those
    not remembered (all of them for named scorecards)."""
    keep = not viewing.scorecard.named_comparison
    database = database_key()
    keys = {m.id: viewing.key(m, database) for m in measures} if keep else {}
    found: dict[int, Section] = {}
    for measure_id, key in keys.items():
        remembered = SECTIONS.peek(key)
        if remembered is not None:
            found[measure_id] = remembered
    missing = [m for m in measures if m.id not in found]
    if missing:
        panels = measure_panels(
            viewing.scorecard, viewing.organisation, adjust=viewing.adjust, measures=missing
        )
        template = current_app.jinja_env.get_template("benchmarks/_measure_section.html")
        for panel in panels:
            html = template.render(
                panel=panel,
                organisation=viewing.organisation,
                scorecard=viewing.scorecard,
                adjust=viewing.adjust,
                page_url=viewing.page_url,
                page=viewing.page,
                organisation_arg=viewing.organisation_arg,
                can_manage=viewing.can_manage,
                can_submit=viewing.can_submit,
            )
            members = ",".join(f"{to_json(key)}:{text}" for key, text in panel.json)
            section = Section(html.encode(), members.encode())
            found[panel.measure.id] = section
            if keep:
                SECTIONS.put(keys[panel.measure.id], section)
    return [found[m.id] for m in measures]


def charts_json(sections: Iterable[Section]) -> bytes:
    """Every section's chart data as one HTML-safe JSON object (for the page's script tag)."""
    return b"{" + b",".join(s.json for s in sections if s.json) + b"}"


# Markers a page is rendered with, then replaced by ready bytes (``splice``).
SECTIONS_SLOT = Markup("<!--scorecard:sections-->")
CHARTS_SLOT = Markup("<!--scorecard:charts-->")


def splice(page: str, slots: dict[str, Sequence[bytes]]) -> bytes:
    """Return ``page`` as UTF-8 with each slot (in page order) replaced by its bytes.

    A scorecard page is ~400 KB, nearly all of it remembered sections and chart data.
    Rendering them into the page's text and encoding the whole of it again (a page with
    any character above U+00FF is held as 2 bytes a character) cost more than the rest of
    the template; here only the page's own ~15 KB are encoded.
    """
    out: list[bytes] = []
    rest = page
    for slot, parts in slots.items():
        head, rest = rest.split(slot, 1)
        out.append(head.encode())
        out.extend(parts)
    out.append(rest.encode())
    return b"".join(out)
