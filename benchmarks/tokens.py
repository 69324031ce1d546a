"""API tokens: one secret per system that sends an organisation's figures.

A token reads ``fivec_<lookup>_<secret>``. Only a SHA-256 hash of the whole token is stored;
the lookup part finds the row and the hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from flask import abort
from sqlalchemy import select

from fivec.access import Viewer, can_submit_for, is_network_admin
from fivec.clock import utcnow
from fivec.errors import ValidationFailed
from fivec.extensions import db
from fivec.models import Organisation

from .models import ApiToken, Scorecard

PREFIX = "fivec"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_manage_tokens(user: Viewer | None, organisation: Organisation) -> bool:
    """Whoever may submit for the organisation on any scorecard manages its tokens."""
    if is_network_admin(user):
        return True
    scorecards = db.session.scalars(select(Scorecard).where(Scorecard.group_id.is_not(None)))
    return any(can_submit_for(user, organisation, scorecard) for scorecard in scorecards)


def access_token_organisation(user: Viewer | None, organisation_id: int) -> Organisation:
    """Return an organisation whose tokens ``user`` manages, or 404."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can_manage_tokens(user, organisation):
        abort(404)
    return organisation


def tokens_for(organisation: Organisation) -> Sequence[ApiToken]:
    """Return the organisation's tokens, newest first."""
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.organisation_id == organisation.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def create_token(user: Viewer, organisation: Organisation, label: str) -> tuple[ApiToken, str]:
    """Make a token for ``organisation``; return it and the secret, shown only this once."""
    if not can_manage_tokens(user, organisation):
        abort(404)
    if not label.strip():
        raise ValidationFailed({"label": "Please say what will use this token."})
    lookup = secrets.token_hex(6)
    secret = f"{PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        organisation_id=organisation.id,
        label=label.strip(),
        lookup=lookup,
        token_hash=_hash(secret),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(user: Viewer, organisation: Organisation, token_id: int) -> ApiToken:
    """Stop a token working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.organisation_id != organisation.id:
        abort(404)
    if not can_manage_tokens(user, organisation):
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def organisation_for_token(presented: str) -> ApiToken | None:
    """Return the live token matching ``presented``, or None (wrong, unknown or revoked)."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.lookup == parts[1]))
    if token is None or not hmac.compare_digest(token.token_hash, _hash(presented.strip())):
        return None
    if token.revoked_at is not None:
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Record when a token was last used (committed with the request's write)."""
    token.last_used_at = utcnow()
