"""The audit log and the moderation queue over REST: who may read them, and bad input is a clear 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.api import bearer, login
from tests.support.server import ADMIN, MEMBER, MODERATOR, PARTNER


@pytest.fixture(scope="module")
def tokens(app: Any) -> dict[str, str]:
    client = app.test_client()
    return {
        who: login(client, email)
        for who, email in (("admin", ADMIN), ("moderator", MODERATOR), ("member", MEMBER), ("partner", PARTNER))
    }


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    error: dict[str, Any] = response.get_json()["error"]
    assert error["message"] and isinstance(error["details"], dict)
    return error


def test_the_audit_log_is_for_admins_only(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert _error(client.get("/api/v1/audit"), 401)
    for who in ("moderator", "member", "partner"):
        assert _error(client.get("/api/v1/audit", headers=bearer(tokens[who])), 403)
    page = client.get("/api/v1/audit", headers=bearer(tokens["admin"])).get_json()
    assert set(page) == {"items", "next", "total"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("action=post.liked", "action"),
        ("target_kind=planet", "target_kind"),
        ("since=yesterday", "since"),
        ("until=2021-13-40T00:00:00Z", "until"),
        ("since=2021-03-14T23:59:00", "since"),  # no time zone
        ("actor=0", "actor"),
        ("cursor=nonsense", "cursor"),
    ],
)
def test_bad_audit_filters_are_422(client: FlaskClient, tokens: dict[str, str], query: str, field: str) -> None:
    error = _error(client.get(f"/api/v1/audit?{query}", headers=bearer(tokens["admin"])), 422)
    assert any(field in key for key in error["details"].get("query", error["details"])), error


@pytest.mark.parametrize("query", ["since=2021-03-14T00:00:00Z&until=2021-03-13T00:00:00Z", "target_id=4"])
def test_inconsistent_audit_filters_are_refused(client: FlaskClient, tokens: dict[str, str], query: str) -> None:
    response = client.get(f"/api/v1/audit?{query}", headers=bearer(tokens["admin"]))
    assert 400 <= response.status_code < 500 and response.status_code not in (401, 403), response.status_code
    _error(response, response.status_code)


def test_admin_actions_show_in_the_audit_log(client: FlaskClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    members = client.get("/api/v1/members?q=redaktion", headers=admin).get_json()["items"]
    member_id = members[0]["id"]
    assert client.patch(f"/api/v1/members/{member_id}", json={"active": False}, headers=admin).status_code == 200
    assert client.patch(f"/api/v1/members/{member_id}", json={"active": True}, headers=admin).status_code == 200
    page = client.get(
        f"/api/v1/audit?target_kind=member&target_id={member_id}&since=2000-01-01T00:00:00Z", headers=admin
    ).get_json()
    assert [e["action"] for e in page["items"]] == ["member.reactivated", "member.deactivated"]
    assert page["items"][0]["actor"]["name"] and page["total"] == 2
    one = client.get("/api/v1/audit?action=member.deactivated&limit=1", headers=admin).get_json()
    assert [e["target_id"] for e in one["items"]] == [member_id]


MODERATION_GETS = ["/api/v1/moderation/flags", "/api/v1/moderation/members/1/history"]
RESOLVE = "/api/v1/moderation/posts/1/resolve"


def test_the_moderation_queue_and_histories_are_for_moderators(client: FlaskClient, tokens: dict[str, str]) -> None:
    for path in MODERATION_GETS:
        _error(client.get(path), 401)
        for who in ("member", "partner"):
            _error(client.get(path, headers=bearer(tokens[who])), 403)
        for who in ("moderator", "admin"):
            assert client.get(path, headers=bearer(tokens[who])).status_code == 200
    _error(client.post(RESOLVE, json={"outcome": "dismissed"}), 401)
    _error(client.post(RESOLVE, json={"outcome": "dismissed"}, headers=bearer(tokens["member"])), 403)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/moderation/flags?status=closed", None, 422),
        ("GET", "/api/v1/moderation/flags?limit=0", None, 422),
        ("GET", "/api/v1/moderation/members/999999/history", None, 404),
        ("POST", "/api/v1/moderation/posts/1/resolve", {"outcome": "ignored"}, 422),
        ("POST", "/api/v1/moderation/posts/1/resolve", {}, 422),
        ("POST", "/api/v1/moderation/posts/1/resolve", {"outcome": "dismissed", "reason": "x" * 501}, 422),
        ("POST", "/api/v1/moderation/posts/999999/resolve", {"outcome": "dismissed"}, 404),
        ("POST", "/api/v1/moderation/posts/1/resolve", {"outcome": "dismissed"}, 409),  # no open flags
    ],
)
def test_bad_moderation_input_is_a_clear_4xx(
    client: FlaskClient, tokens: dict[str, str], method: str, path: str, body: Any, status: int
) -> None:
    _error(client.open(path, method=method, json=body, headers=bearer(tokens["moderator"])), status)
