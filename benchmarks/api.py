"""JSON API for organisations' own systems: ``POST /api/v1/submissions`` with a bearer token.

Request: ``{"rows": [{"measure": "...", "period": "2024-01", "numerator": 41,
"denominator": 50}, ...]}``; ``organisation`` may be left out (it is the token's), and
``version`` names the version a correction replaces. Same checks as a CSV upload, all rows
or none. Errors are JSON: ``{"error": "...", "errors": [{"row", "field", "message"}]}``.
CSRF does not apply (no cookies are used; the blueprint is exempted in ``create_app``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from fivec.extensions import db, limiter
from fivec.models import Organisation

from .models import ApiToken, Measure
from .submissions import save_values
from .tokens import mark_used, organisation_for_token
from .validation import Catalogue, RowError, RowsRefused, ValueRow, check_row

api_bp = Blueprint("benchmarks_api", __name__, url_prefix="/api/v1")
MAX_ROWS = 100_000
_FIELDS = ("organisation", "measure", "period", "numerator", "denominator", "value", "version")


def _problem(status: int, error: str, errors: list[RowError] | None = None) -> ResponseReturnValue:
    body: dict[str, Any] = {"error": error}
    if errors is not None:
        body["errors"] = [{"row": e.row, "field": e.column, "message": e.message} for e in errors]
    response = jsonify(body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fivec"'
    return response, status


def _bearer_token() -> ApiToken | None:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return None
    return organisation_for_token(presented)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@api_bp.post("/submissions")
@limiter.limit("120 per minute")
def submit() -> ResponseReturnValue:
    """Save an organisation's figures sent by its own system."""
    token = _bearer_token()
    if token is None:
        return _problem(401, "Send a valid, unrevoked token: 'Authorization: Bearer <token>'.")
    payload = request.get_json(silent=True)
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not rows:
        return _problem(400, 'Send JSON like {"rows": [{"measure": ..., "period": ...}]}.')
    if len(rows) > MAX_ROWS:
        return _problem(413, f"Send at most {MAX_ROWS:,} rows at a time.")
    organisation = token.organisation
    catalogue = Catalogue.build(
        db.session.scalars(select(Measure)),
        db.session.scalars(select(Organisation)),
        {organisation.id},
    )
    checked: list[ValueRow] = []
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(RowError(number, "", "Each row must be a JSON object."))
            continue
        raw = {name: _text(row.get(name)) for name in _FIELDS}
        raw["organisation"] = raw["organisation"] or str(organisation.id)
        named = catalogue.organisations.get(" ".join(raw["organisation"].split()).casefold())
        if named is not None and named.id != organisation.id:
            return _problem(
                403, f"This token belongs to {organisation.name} and can only send its figures."
            )
        result = check_row(raw, number, catalogue)
        if isinstance(result, ValueRow):
            checked.append(result)
        else:
            errors.extend(result)
    if errors:
        return _problem(422, "Nothing was saved: some rows have problems.", errors)
    mark_used(token)
    try:
        summary = save_values(None, checked, source="api")
    except RowsRefused as refused:
        return _problem(
            409, "Nothing was saved: some values changed since you read them.", refused.errors
        )
    return {
        "saved": {
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
        "organisation": organisation.name,
    }, 200
