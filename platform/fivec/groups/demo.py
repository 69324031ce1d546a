"""Demo groups: topic groups and peer sub-groups, made through the real actions."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Group, User
from .actions import GroupProposal, GroupSettings, approve_proposal, propose_group
from .membership import accept_invitation, approve_request, invite_member, join_group


@dataclass(frozen=True)
class DemoGroup:
    name: str
    purpose: str
    kind: str
    parent: str | None
    visibility: str
    join_policy: str
    interests: str
    guidelines: str
    coordinator: str  # email local part; they propose the group and coordinate it
    members: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()  # asked to join, or invited, and not answered yet


GROUPS = [
    DemoGroup(
        "Sepsis",
        "Spot sepsis early and treat it within the hour, from the ambulance to the ward. "
        "We share screening tools, audit results and what families tell us.",
        "topic",
        None,
        "public",
        "open",
        "sepsis, deteriorating patient, news2",
        "Post audit data as rates with their denominators. Families are welcome here.",
        "tom.okafor",
        ("priya.shah", "chris.barlow", "helen.moss", "fatima.rahman", "daniel.evans"),
    ),
    DemoGroup(
        "Falls prevention",
        "Fewer falls and less harm when they happen, in hospitals, care homes and at home.",
        "topic",
        None,
        "public",
        "open",
        "falls prevention, frailty",
        "",
        "grace.liu",
        ("olivia.grant", "amina.yusuf", "sarah.whitfield", "ben.carter"),
    ),
    DemoGroup(
        "Stroke rehabilitation",
        "Help people recover well after a stroke: early supported discharge, therapy "
        "intensity and what matters to survivors and their families.",
        "topic",
        None,
        "members",
        "request",
        "stroke rehabilitation, patient experience",
        "Patient partners are full members. Ask before quoting someone's story elsewhere.",
        "amina.yusuf",
        ("jack.nolan", "ruth.adeyemi"),
        ("sarah.whitfield",),
    ),
    DemoGroup(
        "Ward sisters, acute medicine",
        "A safe place for ward sisters and charge nurses on acute medical wards to talk "
        "through falls, staffing and the hard days, in confidence.",
        "peer",
        "Falls prevention",
        "hidden",
        "invite",
        "falls prevention, workforce",
        "What is said here stays here.",
        "grace.liu",
        ("ben.carter",),
        ("priya.shah",),
    ),
    DemoGroup(
        "Sepsis screening project team",
        "The project team running the sepsis screening audit at Northfield: "
        "plans, PDSA cycles and the weekly run chart.",
        "peer",
        "Sepsis",
        "members",
        "request",
        "sepsis, spc charts",
        "",
        "priya.shah",
        ("fatima.rahman", "daniel.evans", "tom.okafor"),
    ),
]


def load_demo_groups(admin: User, members_by_email: dict[str, User]) -> dict[str, Group]:
    """Propose, approve and fill the demo groups; return them by name."""

    def member(local: str) -> User:
        return members_by_email[f"{local}@demo.fivec.test"]

    groups: dict[str, Group] = {}
    for spec in GROUPS:
        coordinator = member(spec.coordinator)
        proposal = GroupProposal(
            name=spec.name,
            kind=spec.kind,
            parent_id=groups[spec.parent].id if spec.parent else None,
            settings=GroupSettings(
                spec.purpose, spec.visibility, spec.join_policy, spec.interests, spec.guidelines
            ),
        )
        group = approve_proposal(admin, propose_group(coordinator, proposal).id)
        for local in spec.members:
            _add_member(group, coordinator, member(local))
        for local in spec.waiting:
            if spec.join_policy == "invite":
                invite_member(coordinator, group.id, member(local).id)
            else:
                join_group(member(local), group.id)
        groups[spec.name] = group
    return groups


def _add_member(group: Group, coordinator: User, person: User) -> None:
    if group.join_policy == "open":
        join_group(person, group.id)
    elif group.join_policy == "request":
        approve_request(coordinator, group.id, join_group(person, group.id).id)
    else:
        invite_member(coordinator, group.id, person.id)
        accept_invitation(person, group.id)
