"""A small network with a sepsis scorecard: one group, its coordinator, and six trusts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from benchmarks.models import Measure, Scorecard
from benchmarks.submissions import save_values
from benchmarks.validation import ValueRow
from fivec.extensions import db
from fivec.models import Group, GroupMembership, Organisation, User

PEERS = ["Riverside Hospitals", "Moorside Trust", "Hillcrest Trust", "Canal Trust", "Pennine Trust"]


@dataclass
class Network:
    mine: Organisation
    peers: list[Organisation]
    group: Group
    coordinator: User
    member: User
    outsider: User
    scorecard: Scorecard
    sepsis: Measure
    falls: Measure


@pytest.fixture
def network(app: Any, make_member: Any, make_organisation: Any) -> Network:
    mine = make_organisation("Northfield Hospitals")
    peers = [make_organisation(name) for name in PEERS]
    coordinator = make_member("Cora Ordinator", organisation=mine)
    member = make_member("Mia Member", organisation=mine)
    outsider = make_member("Otto Outsider", organisation=peers[0])
    group = Group(slug="sepsis", name="Sepsis", purpose="Treat sepsis fast.", visibility="public")
    db.session.add(group)
    db.session.flush()
    db.session.add_all(
        [
            GroupMembership(group_id=group.id, user_id=coordinator.id, role="coordinator"),
            GroupMembership(group_id=group.id, user_id=member.id, role="member"),
        ]
    )
    sepsis = Measure(
        name="Sepsis: antibiotics within one hour",
        kind="proportion",
        unit="%",
        improvement="increase",
        target=90,
        numerator_label="Patients given antibiotics within one hour",
        denominator_label="Patients with suspected sepsis",
        group_id=group.id,
    )
    falls = Measure(
        name="Inpatient falls per 1,000 bed days",
        kind="rate",
        unit="falls per 1,000 bed days",
        rate_multiplier=1000,
        improvement="decrease",
        group_id=group.id,
    )
    scorecard = Scorecard(name="Sepsis and falls", group_id=group.id, measures=[sepsis, falls])
    db.session.add(scorecard)
    db.session.commit()
    return Network(mine, peers, group, coordinator, member, outsider, scorecard, sepsis, falls)


def month(index: int) -> date:
    """Return the first of the month ``index`` months after January 2023."""
    return date(2023 + index // 12, index % 12 + 1, 1)


def fill(network: Network, months: int = 24) -> None:
    """Give every organisation ``months`` of sepsis figures (mine improving at the end)."""
    rows = []
    for org_number, organisation in enumerate([network.mine, *network.peers]):
        for i in range(months):
            denominator = 40 + org_number * 10 + i % 3
            numerator = min(denominator, int(denominator * (0.6 + 0.05 * org_number)))
            if organisation is network.mine and i >= months - 8:
                numerator = denominator - 1
            rows.append(
                ValueRow(
                    0,
                    network.sepsis.id,
                    organisation.id,
                    month(i),
                    numerator,
                    denominator,
                    network.sepsis.value_from(numerator, denominator),
                )
            )
    save_values(None, rows, source="csv")


@pytest.fixture
def filled(network: Network) -> Network:
    fill(network)
    return network
