"""Group fixtures: groups are proposed by their coordinator and approved by an admin."""

from __future__ import annotations

from typing import Any

import pytest

from fivec.groups.actions import GroupProposal, GroupSettings, approve_proposal, propose_group
from fivec.models import Group, User


@pytest.fixture
def admin(make_member: Any) -> User:
    return make_member("Nadia Admin", admin=True)


@pytest.fixture
def coordinator(make_member: Any) -> User:
    return make_member("Grace Liu")


@pytest.fixture
def make_group(admin: User, coordinator: User) -> Any:
    """Create an active group through the real propose and approve actions."""

    def make(
        name: str = "Sepsis",
        *,
        by: User | None = None,
        kind: str = "topic",
        parent: Group | None = None,
        visibility: str = "public",
        join_policy: str = "open",
        interests: str = "",
        purpose: str = "Spot sepsis early and treat it within the hour.",
        guidelines: str = "",
    ) -> Group:
        proposal = GroupProposal(
            name=name,
            kind=kind,
            parent_id=parent.id if parent else None,
            settings=GroupSettings(purpose, visibility, join_policy, interests, guidelines),
        )
        group = propose_group(by or coordinator, proposal)
        return approve_proposal(admin, group.id)

    return make


def group_form(**overrides: str) -> dict[str, str]:
    """What a member types on the propose form, with sensible answers."""
    data = {
        "name": "Falls prevention",
        "purpose": "Fewer falls and less harm when they happen.",
        "kind": "topic",
        "parent_id": "",
        "visibility": "public",
        "join_policy": "open",
        "interests": "falls prevention, frailty",
        "guidelines": "",
    }
    data.update(overrides)
    return data
