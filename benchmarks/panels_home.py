"""Published results on the home and group pages (registered as panels in create_app)."""

from __future__ import annotations

from typing import Any

from fivec.access import can_list_group, is_member
from fivec.models import Group

from .queries import latest_published_results, published_results_for_group


def home_results(viewer: Any) -> dict[str, Any] | None:
    """The network's newest published results, for members' home page."""
    if not is_member(viewer):
        return None
    results = latest_published_results(5)
    if not results:
        return None
    # A result is published to everyone, but a hidden group's name stays with its members.
    return {
        "results": results,
        "show_group": {
            r.id: r.group is not None and can_list_group(viewer, r.group) for r in results
        },
    }


def group_results(viewer: Any, group: Group) -> dict[str, Any] | None:
    """A group's published results, for its page."""
    results = published_results_for_group(group.id, 5)
    return {"results": results, "show_group": {}} if results else None
