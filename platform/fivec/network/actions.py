"""Network-wide operations: identity, organisations, admin roles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..access import Viewer, can_manage_network
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..models import NetworkSettings, Organisation, User
from ..models.accounts import ORGANISATION_KINDS

DEFAULT_PURPOSE = (
    "We are clinicians, managers and patients working together to make care safer and "
    "better. We share what we try, measure what happens and learn from each other."
)
DEFAULT_GUIDELINES = (
    "Be kind and assume good intent. Share learning, including what did not work. "
    "Never post anything that could identify a patient. Disagree with ideas, not people."
)


@dataclass(frozen=True)
class NetworkSize:
    members: int
    organisations: int


@dataclass(frozen=True)
class OrganisationInfo:
    name: str
    kind: str
    region: str


def get_network() -> NetworkSettings:
    """Return the network's settings; an unconfigured network gets a welcoming default."""
    network = db.session.get(NetworkSettings, 1)
    if network is None:
        settings = current_app.config["FIVEC"]
        network = NetworkSettings(
            id=1, name=settings.network_name, purpose=DEFAULT_PURPOSE, guidelines=DEFAULT_GUIDELINES
        )
    return network


def network_size() -> NetworkSize:
    """Count members and organisations for the home page."""
    members = db.session.scalar(select(func.count(User.id))) or 0
    organisations = db.session.scalar(select(func.count(Organisation.id))) or 0
    return NetworkSize(members=members, organisations=organisations)


def _require_admin(actor: Viewer) -> None:
    if not can_manage_network(actor):
        raise ValidationFailed({"": "Only network admins can change this."})


def update_network(actor: Viewer, name: str, purpose: str, guidelines: str) -> NetworkSettings:
    """Save the network's name, common purpose and guidelines."""
    _require_admin(actor)
    reasons: dict[str, str] = {}
    if not name:
        reasons["name"] = "Please give the network a name."
    if not purpose:
        reasons["purpose"] = (
            "Please state the network's common purpose: it is what members join for."
        )
    if reasons:
        raise ValidationFailed(reasons)
    network = get_network()
    network.name, network.purpose, network.guidelines = name, purpose, guidelines
    network.updated_at = utcnow()
    network.updated_by_id = getattr(actor, "id", None)
    db.session.merge(network)
    db.session.commit()
    return network


def save_organisation(
    actor: Viewer, info: OrganisationInfo, organisation_id: int | None = None
) -> Organisation:
    """Create an organisation, or update one when ``organisation_id`` is given."""
    _require_admin(actor)
    reasons: dict[str, str] = {}
    if info.kind not in ORGANISATION_KINDS:
        reasons["kind"] = "Please choose what kind of organisation this is."
    clash = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == info.name.lower())
    )
    if clash is not None and clash != organisation_id:
        reasons["name"] = "An organisation with this name already exists."
    if reasons:
        raise ValidationFailed(reasons)
    organisation = (
        db.session.get(Organisation, organisation_id) if organisation_id else Organisation()
    )
    if organisation is None:
        raise ValidationFailed({"": "That organisation no longer exists."})
    organisation.name, organisation.kind, organisation.region = info.name, info.kind, info.region
    db.session.add(organisation)
    db.session.commit()
    return organisation


def set_admin(actor: Viewer, member: User, make_admin: bool) -> User:
    """Grant or remove the network admin role (an admin cannot remove their own)."""
    _require_admin(actor)
    if not make_admin and member.id == getattr(actor, "id", None):
        raise ValidationFailed({"": "You cannot remove your own admin role; ask another admin."})
    member.is_admin = make_admin
    db.session.commit()
    return member
