"""One error shape; 404 for anything a path names that does not exist; the document tells the truth."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from events.registry import registry
from tests.support.api import bearer, login
from tests.support.openapi import Operation, assert_matches, openapi_document, operations
from tests.support.server import ADMIN, EDITOR, MEMBER

MISSING_ID = 999_999
# A valid body for each operation that names something in its path and reads a body: the body
# must pass the schema, or the 422 would hide whether the missing thing is noticed.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/members/{member_id}": {"role": "member"},
    "POST /api/v1/members/{member_id}/erasure": {"posts": "keep", "reason": "r"},
    "PATCH /api/v1/spaces/{slug}": {"visibility": "public"},
    "PATCH /api/v1/news/{news_id}": {"tags": ["x"]},
    "POST /api/v1/news/{news_id}/retract": {},
    "PATCH /api/v1/calls/{call_id}": {"motto": "x"},
    "POST /api/v1/calls/{call_id}/deadline": {"deadline": "2031-01-01T00:00:00Z", "reason": "r"},
    "PATCH /api/v1/projects/{project_id}": {"name": "x"},
    "POST /api/v1/spaces/{slug}/threads": {"title": "t", "body": "<p>b</p>", "language": "de"},
    "POST /api/v1/threads/{thread_id}/posts": {"body": "<p>b</p>", "language": "de"},
    "POST /api/v1/threads/{thread_id}/lock": {"locked": True},
    "POST /api/v1/threads/{thread_id}/pin": {"pinned": True},
    "PATCH /api/v1/posts/{post_id}": {"body": "<p>b</p>"},
    "POST /api/v1/posts/{post_id}/reactions": {"kind": "like"},
    "POST /api/v1/posts/{post_id}/flags": {"reason": "r"},
    "POST /api/v1/posts/{post_id}/hide": {},
    "POST /api/v1/moderation/posts/{post_id}/resolve": {"outcome": "dismissed"},
}
NAMING = [op for op in operations() if op.parameters("path")]


@pytest.fixture(scope="module")
def tokens(app: Flask) -> dict[str, str]:
    """Tokens of the admin, an editor and a plain member."""
    client = app.test_client()
    return {"admin": login(client, ADMIN), "editor": login(client, EDITOR), "member": login(client, MEMBER)}


def _missing_variants(op: Operation) -> list[dict[str, Any]]:
    """Path values with exactly one named thing missing (the others exist in the demo data)."""
    existing: dict[str, Any] = {"slug": "nationale-dialogplattform", "webhook_id": 1, "member_id": 1}
    variants = []
    for parameter in op.parameters("path"):
        name = parameter["name"]
        if name == "kind":
            continue
        missing = "no-such-thing" if parameter["schema"].get("type") == "string" else MISSING_ID
        variants.append({**existing, name: missing})
    return variants


@pytest.mark.parametrize("op", NAMING, ids=str)
def test_what_a_path_names_must_exist(client: FlaskClient, tokens: dict[str, str], op: Operation) -> None:
    """Every operation answers 404 (in our shape) when a thing its path names does not exist."""
    if op.path.startswith("/api/v1/webhooks"):
        hook = {"url": "https://93.184.215.14/h", "topics": ["news"]}
        created = client.post("/api/v1/webhooks", json=hook, headers=bearer(tokens["admin"]))
        assert created.status_code == 201
    body = VALID_BODIES.get(str(op)) if op.body_schema is not None else None
    assert op.body_schema is None or body is not None, f"add a valid body for {op}"
    kinds = op.parameters("path")[0]["schema"].get("enum") if op.path.startswith("/api/v1/follows") else [None]
    for kind in kinds:
        for values in _missing_variants(op):
            url = op.url(**values, **({"kind": kind} if kind else {}))
            response = client.open(url, method=op.method.upper(), json=body, headers=bearer(tokens["admin"]))
            assert response.status_code == 404, (url, response.status_code, response.get_data(as_text=True))
            error = response.get_json()["error"]
            assert error["code"] and error["message"] and error["details"] == {}, error
            assert_matches(op, 404, response.get_json())


@pytest.mark.parametrize("path", ["/api/v1/follows/banana/1", "/api/v1/follows/thread/abc", "/api/v1/follows/call/0"])
def test_following_nothing_is_404(client: FlaskClient, tokens: dict[str, str], path: str) -> None:
    """An unknown kind, or a key that is not an id, names nothing to follow."""
    for method in ("PUT", "DELETE"):
        assert client.open(path, method=method, headers=bearer(tokens["member"])).status_code == 404


def test_following_a_call_and_a_project_that_exist(client: FlaskClient, tokens: dict[str, str]) -> None:
    """The 404s above are about existence: real calls and projects are followed as before."""
    for kind in ("call", "project"):
        response = client.put(f"/api/v1/follows/{kind}/1", headers=bearer(tokens["member"]))
        assert response.status_code == 200 and response.get_json()["key"] == "1"


def test_schema_errors_are_invalid_input_by_location_and_field(client: FlaskClient, tokens: dict[str, str]) -> None:
    """webargs' 422: code invalid_input, the first problem as message, details by location then field."""
    body = {"title": {"fr": "x"}, "colour": "red"}
    response = client.post("/api/v1/news", json=body, headers=bearer(tokens["editor"]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["details"]) == {"json"} and {"body", "colour", "title.fr.key"} <= set(error["details"]["json"])
    field, problems = next(iter(error["details"]["json"].items()))
    assert error["message"] == f"{field}: {problems[0]}"
    query = client.get("/api/v1/news?limit=0").get_json()["error"]
    assert query["code"] == "invalid_input" and list(query["details"]) == ["query"]
    assert query["message"].startswith("limit: ")


def test_service_errors_have_the_same_shape(client: FlaskClient, tokens: dict[str, str]) -> None:
    """A rule the service checks (a space slug's form) reads exactly like a schema error."""
    body = {"title": {"de": "t"}, "body": {"de": "b"}, "space": "Not A Slug"}
    response = client.post("/api/v1/news", json=body, headers=bearer(tokens["editor"]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and list(error["details"]) == ["json"]
    assert list(error["details"]["json"]) == ["space"] and error["message"].startswith("space: ")


def test_a_body_that_is_not_an_object(client: FlaskClient) -> None:
    """A JSON list where an object belongs is a 422 about the body as a whole."""
    error = client.post("/api/v1/auth/tokens", json=["a"]).get_json()["error"]
    assert error["code"] == "invalid_input" and error["details"] == {"json": {"_schema": ["Invalid input type."]}}
    assert error["message"] == "the body: Invalid input type."


def test_threads_show_their_author_like_posts(client: FlaskClient, tokens: dict[str, str]) -> None:
    """A thread's author is `{id, name}` in lists, reads, creation and moderation answers; no author_id."""
    listed = client.get("/api/v1/spaces/nationale-dialogplattform/threads").get_json()["items"][0]
    one = client.get(f"/api/v1/threads/{listed['id']}").get_json()
    first_post = client.get(f"/api/v1/threads/{listed['id']}/posts?limit=1").get_json()["items"][0]
    assert listed["author"] == one["author"] == first_post["author"] == {"id": 4, "name": "Kommune Musterstadt"}
    assert "author_id" not in listed and "author_id" not in one
    created = client.post(
        "/api/v1/spaces/nationale-dialogplattform/threads",
        json={"title": "t", "body": "<p>b</p>", "language": "de"},
        headers=bearer(tokens["member"]),
    ).get_json()
    assert created["author"] == created["first_post"]["author"] == {"id": 4, "name": "Kommune Musterstadt"}
    pinned = client.post(f"/api/v1/threads/{created['id']}/pin", json={"pinned": True}, headers=bearer(tokens["admin"]))
    assert pinned.get_json()["author"] == created["author"] and "author_id" not in pinned.get_json()


def test_news_of_only_an_image_is_published(client: FlaskClient, tokens: dict[str, str]) -> None:
    """A body with no text at all is published; its event's summary is empty, not a 500."""
    body = {"title": {"de": "Bild"}, "body": {"de": '<p><img src="https://example.org/a.png"></p>'}, "publish": True}
    response = client.post("/api/v1/news", json=body, headers=bearer(tokens["editor"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    events = client.get("/api/v1/events", query_string={"topics": "news", "since": 0, "limit": 1000}).get_json()
    published = [e for e in events["items"] if e["data"]["news_id"] == response.get_json()["id"]]
    assert [e["data"]["summary"] for e in published] == [{"de": ""}]
    # ... and the documented schema of `news.published` says an empty summary is possible.
    jsonschema.Draft202012Validator(registry.types["news.published"].schema).validate(published[0]["data"])


# -- the document ------------------------------------------------------------------------------
def test_errors_are_documented_with_our_schema() -> None:
    """One Error schema, no framework default and no catch-all `default` response."""
    document = openapi_document()
    schemas, responses = document["components"]["schemas"], document["components"]["responses"]
    assert schemas["Error"]["required"] == ["error"] and "DEFAULT_ERROR" not in responses
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message", "details"}
    for name, response in responses.items():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, name
    for op in operations():
        assert "default" not in op.spec["responses"], str(op)


def test_bearer_security_is_declared() -> None:
    """The bearer and cookie schemes exist; every operation needs or accepts them (none ignores a token)."""
    schemes = openapi_document()["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "a token from `POST /api/v1/auth/tokens`",
    }
    assert schemes["sessionCookie"]["in"] == "cookie" and schemes["sessionCookie"]["name"] == "dialog_session"
    assert "X-CSRF-Token" in schemes["sessionCookie"]["description"]
    kinds = set()
    for op in operations():
        security = op.spec["security"]
        kinds.add(str(security))
        # Whatever accepts a bearer token accepts the browser's cookie too, with the same access.
        assert ({"bearerAuth": []} in security) == ({"sessionCookie": []} in security), str(op)
        assert {"bearerAuth": []} in security and "401" in op.spec["responses"], str(op)
        if op.method.upper() not in ("GET", "HEAD", "OPTIONS"):
            assert "403" in op.spec["responses"], f"{op}: a cookie write without X-CSRF-Token is 403"
        if {} not in security and security and op.spec["x-access"] not in ("members",):
            assert "403" in op.spec["responses"], str(op)
    assert kinds == {
        "[{}, {'bearerAuth': []}, {'sessionCookie': []}]",
        "[{'bearerAuth': []}, {'sessionCookie': []}]",
    }


@pytest.mark.parametrize(
    ("op_name", "statuses"),
    [
        ("GET /api/v1/news/{news_id}", {"200", "401", "404"}),
        ("POST /api/v1/auth/tokens", {"201", "400", "401", "403", "413", "422", "429"}),
        (
            "POST /api/v1/network/invitations/accept",
            {"201", "400", "401", "403", "404", "409", "410", "413", "422", "429"},
        ),
        ("POST /api/v1/posts/{post_id}/reactions", {"201", "400", "401", "403", "404", "409", "413", "422"}),
    ],
)
def test_operations_declare_their_statuses(op_name: str, statuses: set[str]) -> None:
    """Samples of the statuses derived from paths, bodies and access."""
    (op,) = [op for op in operations() if str(op) == op_name]
    assert set(op.spec["responses"]) == statuses


@pytest.mark.parametrize("op", operations(), ids=str)
def test_a_made_up_token_is_401_invalid_token_on_every_operation(client: FlaskClient, op: Operation) -> None:
    """Wherever a token is sent it is checked: public reads and logging in included, never ignored."""
    response = client.open(
        op.url(slug="nationale-dialogplattform", kind="space", key="nationale-dialogplattform"),
        method=op.method.upper(),
        query_string=op.required_query(),
        json={} if op.body_schema is not None else None,
        headers={"Authorization": "Bearer scd_made-up"},
        buffered=False,
    )
    assert response.status_code == 401, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_matches(op, 401, response.get_json())
    response.close()


@pytest.mark.parametrize("header", ["Bearer scd_made-up", "Bearer ", "Basic dXNlcjpwdw==", "scd_no-scheme"])
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/v1/projects"), ("GET", "/api/v1/log"), ("POST", "/api/v1/auth/tokens")]
)
def test_public_operations_refuse_every_kind_of_bad_authorization(
    client: FlaskClient, header: str, method: str, path: str
) -> None:
    """A malformed header is as bad as a made-up token, where a token is optional as where it is required."""
    response = client.open(
        path,
        method=method,
        json={"email": MEMBER, "password": "smart-city-demo"} if method == "POST" else None,
        headers={"Authorization": header},
    )
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token", response.get_json()
