"""The submissions API: bearer tokens per organisation, JSON errors per row, CSV's checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from benchmarks.models import ApiToken, Submission
from benchmarks.tokens import create_token, revoke_token
from fivec.extensions import db
from tests.benchmarks.conftest import Network

SEPSIS = "Sepsis: antibiotics within one hour"
URL = "/api/v1/submissions"


def send(client: Any, token: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    db.session.commit()
    response = client.post(URL, json=body, headers=headers)
    db.session.expire_all()
    return response


def rows(*figures: tuple[str, int, int]) -> dict[str, Any]:
    return {
        "rows": [
            {"measure": SEPSIS, "period": period, "numerator": n, "denominator": d}
            for period, n, d in figures
        ]
    }


def count() -> int:
    return db.session.scalar(select(func.count(Submission.id))) or 0


def test_token_saves_its_organisations_figures(client: Any, network: Network) -> None:
    _token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    response = send(client, secret, rows(("2024-01", 45, 50), ("2024-02", 40, 50)))
    assert response.status_code == 200
    assert response.json["saved"]["created"] == 2
    assert count() == 2
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_missing_wrong_and_revoked_tokens_get_401(client: Any, network: Network) -> None:
    token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    assert send(client, None, rows(("2024-01", 1, 2))).status_code == 401
    wrong = secret[:-4] + "abcd"
    response = send(client, wrong, rows(("2024-01", 1, 2)))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json["error"]
    revoke_token(network.coordinator, network.mine, token.id)
    assert send(client, secret, rows(("2024-01", 1, 2))).status_code == 401
    assert count() == 0


def test_only_a_hash_of_the_token_is_stored(network: Network) -> None:
    token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    assert secret not in token.token_hash
    assert len(token.token_hash) == 64


def test_a_token_cannot_send_another_organisations_figures(client: Any, network: Network) -> None:
    _token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    body = rows(("2024-01", 1, 2))
    body["rows"][0]["organisation"] = network.peers[0].name
    response = send(client, secret, body)
    assert response.status_code == 403
    assert "can only send its figures" in response.json["error"]
    assert count() == 0


def test_bad_rows_get_json_errors_and_nothing_is_saved(client: Any, network: Network) -> None:
    _token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    response = send(
        client, secret, rows(("2024-01", 45, 50), ("2024-02", 60, 50), ("2024-13", 1, 2))
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "numerator"), (3, "period")]
    assert "more than 100%" in errors[0]["message"]
    assert count() == 0


def test_malformed_json_gets_a_400(client: Any, network: Network) -> None:
    _token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    assert send(client, secret, {"nope": 1}).status_code == 400


def test_a_correction_must_name_the_version_it_replaces(client: Any, network: Network) -> None:
    _token, secret = create_token(network.coordinator, network.mine, "Warehouse")
    send(client, secret, rows(("2024-01", 45, 50)))
    refused = send(client, secret, rows(("2024-01", 44, 50)))
    assert refused.status_code == 409
    assert "send version 1" in refused.json["errors"][0]["message"]
    body = rows(("2024-01", 44, 50))
    body["rows"][0]["version"] = 1
    assert send(client, secret, body).status_code == 200
    assert db.session.scalar(select(Submission.numerator)) == 44


def test_plain_members_cannot_manage_tokens(web: Any, network: Network) -> None:
    web.login(network.member.email)
    assert web.get(f"/scorecards/organisations/{network.mine.id}/tokens").status_code == 404


def test_coordinator_creates_and_revokes_a_token_on_the_page(web: Any, network: Network) -> None:
    web.login(network.coordinator.email)
    url = f"/scorecards/organisations/{network.mine.id}/tokens"
    page = web.post(url, {"label": "Nightly export"}).get_data(as_text=True)
    assert "Copy it now" in page
    token = db.session.scalar(select(ApiToken))
    assert web.post(f"{url}/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked
    other = web.get(f"/scorecards/organisations/{network.peers[0].id}/tokens")
    assert other.status_code == 404
