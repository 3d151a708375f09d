"""Spaces and threads say what the caller may do (`permissions`), decided by the same rule that
refuses the write: a partner contact may read the public platform but not post there."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.api import bearer, login
from tests.support.openapi import openapi_document
from tests.support.server import ADMIN, MEMBER, MODERATOR, PARTNER

PUBLIC = "nationale-dialogplattform"
NETWORK = "international-network"


@pytest.fixture(scope="module")
def tokens(app: Any) -> dict[str, str | None]:
    client = app.test_client()
    return {
        "anonymous": None,
        **{
            who: login(client, email)
            for who, email in (("member", MEMBER), ("partner", PARTNER), ("moderator", MODERATOR))
        },
    }


def _get(client: FlaskClient, path: str, token: str | None) -> dict[str, Any]:
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", {"can_post": False, "can_react": False, "reason": "login_required"}),
        ("member", {"can_post": True, "can_react": True, "reason": None}),
        ("partner", {"can_post": False, "can_react": False, "reason": "partners_invited_only"}),
    ],
)
def test_a_public_space_and_its_threads_say_who_may_post(
    client: FlaskClient, tokens: dict[str, str | None], who: str, expected: dict[str, Any]
) -> None:
    token = tokens[who]
    assert _get(client, f"/api/v1/spaces/{PUBLIC}", token)["permissions"] == expected
    threads = _get(client, f"/api/v1/spaces/{PUBLIC}/threads", token)["items"]
    assert threads and all(thread["permissions"] == expected for thread in threads)
    thread_id = threads[0]["id"]
    assert _get(client, f"/api/v1/threads/{thread_id}", token)["permissions"] == expected
    # ... and the API does what it says
    reply = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "<p>Hallo</p>"}, headers=bearer(token))
    assert reply.status_code == (201 if expected["can_post"] else 401 if token is None else 403), reply.get_json()


def test_a_partner_may_post_in_the_network_they_were_invited_to(
    client: FlaskClient, tokens: dict[str, str | None]
) -> None:
    space = _get(client, f"/api/v1/spaces/{NETWORK}", tokens["partner"])
    assert space["permissions"] == {"can_post": True, "can_react": True, "reason": None}


def test_a_locked_thread_takes_replies_from_moderators_only(client: FlaskClient, tokens: dict[str, str | None]) -> None:
    opened = client.post(
        f"/api/v1/spaces/{PUBLIC}/threads",
        json={"title": "Bald zu", "body": "<p>x</p>"},
        headers=bearer(tokens["member"]),
    )
    assert opened.status_code == 201, opened.get_json()
    thread_id = opened.get_json()["id"]
    locked = client.post(
        f"/api/v1/threads/{thread_id}/lock", json={"locked": True}, headers=bearer(tokens["moderator"])
    )
    assert (
        locked.status_code == 200 and locked.get_json()["permissions"]["can_post"] is True
    )  # the moderator's own view
    seen = _get(client, f"/api/v1/threads/{thread_id}", tokens["member"])["permissions"]
    assert seen == {"can_post": False, "can_react": True, "reason": "thread_locked"}
    reply = client.post(
        f"/api/v1/threads/{thread_id}/posts", json={"body": "<p>y</p>"}, headers=bearer(tokens["member"])
    )
    assert reply.status_code == 409
    assert _get(client, f"/api/v1/threads/{thread_id}", tokens["moderator"])["permissions"]["can_post"] is True


def test_the_openapi_document_describes_the_permissions() -> None:
    schemas = openapi_document()["components"]["schemas"]
    permissions = schemas["PermissionsOut"]["properties"]
    assert set(permissions) == {"can_post", "can_react", "reason"}
    assert "partners_invited_only" in permissions["reason"]["enum"]
    for schema in ("ThreadOut", "SpaceDetail"):
        assert schemas[schema]["properties"]["permissions"]["$ref"] == "#/components/schemas/PermissionsOut", schema


def test_a_spaces_member_list_is_for_signed_in_readers_only(client: FlaskClient, tokens: dict[str, str | None]) -> None:
    # Before: anyone could list who belongs to a public space, where the directory (/people) asks
    # for a login; now both do (401 with the error shape), and readers still get the list.
    anonymous = client.get(f"/api/v1/spaces/{PUBLIC}/members")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "login_required"
    for who in ("member", "partner"):
        assert "items" in _get(client, f"/api/v1/spaces/{PUBLIC}/members", tokens[who])
    listed = openapi_document()["paths"]["/api/v1/spaces/{slug}/members"]["get"]
    assert listed["x-access"] == "members" and "401" in listed["responses"]


def test_an_author_removed_from_a_space_may_still_delete_what_they_wrote_there(
    client: FlaskClient, tokens: dict[str, str | None]
) -> None:
    # Before: the service allowed it, but the route read the post back as the author, who may no
    # longer read the space: 404, and the deletion rolled back with it.
    admin = bearer(login(client, ADMIN))
    space = {"slug": "ag-geheim", "name": {"de": "AG"}, "kind": "working_group", "visibility": "invited"}
    assert client.post("/api/v1/spaces", json=space, headers=admin).status_code == 201
    member_id = _get(client, "/api/v1/me", tokens["member"])["id"]
    assert client.put(f"/api/v1/spaces/ag-geheim/members/{member_id}", headers=admin).status_code == 204
    thread = {"title": "Entwurf", "body": "<p>Meine Notizen</p>"}
    created = client.post("/api/v1/spaces/ag-geheim/threads", json=thread, headers=bearer(tokens["member"]))
    post_id = created.get_json()["first_post"]["id"]
    assert client.delete(f"/api/v1/spaces/ag-geheim/members/{member_id}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/posts/{post_id}", headers=bearer(tokens["member"])).status_code == 404
    deleted = client.delete(f"/api/v1/posts/{post_id}", headers=bearer(tokens["member"]))
    assert deleted.status_code == 200, deleted.get_data(as_text=True)
    assert deleted.get_json()["state"] == "deleted" and deleted.get_json()["body"] is None
    assert _get(client, f"/api/v1/posts/{post_id}", login(client, ADMIN))["state"] == "deleted"  # kept
    again = client.delete(f"/api/v1/posts/{post_id}", headers=bearer(tokens["member"]))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_deleted"
