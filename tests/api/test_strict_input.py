"""Booleans are booleans and bodies are required, on every operation of the OpenAPI document.

`{"locked": 0}`, `{"publish": "true"}` and `?unread_only=1` are 422 naming the field; a body-taking
operation called without a body (or with one that is not JSON) is 422 naming the body, and a
PATCH that names no field is refused the same way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import bearer, login
from tests.support.openapi import Operation, operations
from tests.support.server import ADMIN

ALL = operations()
WITH_BODY = [op for op in ALL if op.body_schema is not None]
NOT_BOOLEANS = [0, 1, "true", "false", "yes", None, [], {}]
NOT_QUERY_BOOLEANS = ["1", "0", "yes", "True", "on", ""]


def _bad_boolean_bodies(schema: dict[str, Any], value: Any) -> list[tuple[str, Any]]:
    """(field path, body) per boolean in `schema`, with `value` where the boolean belongs.

    Follows nested objects and `additionalProperties` (a map of maps of booleans) down to the boolean.
    """
    found: list[tuple[str, Any]] = []
    if schema.get("type") == "boolean":
        return [("", value)]
    for name, prop in schema.get("properties", {}).items():
        found.extend((f"{name}.{path}".rstrip("."), {name: body}) for path, body in _bad_boolean_bodies(prop, value))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        found.extend((f"x.{path}".rstrip("."), {"x": body}) for path, body in _bad_boolean_bodies(extra, value))
    return found


BOOLEAN_BODIES = [(op, path) for op in WITH_BODY for path, _ in _bad_boolean_bodies(op.body_schema or {}, None)]
BOOLEAN_QUERIES = [
    (op, p["name"]) for op in ALL for p in op.parameters("query") if p["schema"].get("type") == "boolean"
]


@pytest.fixture(scope="module")
def admin(app: Flask) -> dict[str, str]:
    """The admin's header: no role check stands between a request and its validation."""
    return bearer(login(app.test_client(), ADMIN))


def _url(op: Operation) -> str:
    return op.url(slug="nationale-dialogplattform")


def _invalid(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    error: dict[str, Any] = response.get_json()["error"]
    assert error["code"] == "invalid_input" and list(error["details"]) == ["json"] or "query" in error["details"], error
    return error


def test_every_boolean_is_found() -> None:
    """The walk below reaches every boolean the document has (none forgotten as the API grows)."""
    document = json.dumps([op.spec for op in ALL] + [op.body_schema for op in WITH_BODY])
    assert len(BOOLEAN_BODIES) >= 6 and len(BOOLEAN_QUERIES) >= 1
    assert document.count('"boolean"') >= len(BOOLEAN_BODIES) + len(BOOLEAN_QUERIES)


@pytest.mark.parametrize(("op", "field"), BOOLEAN_BODIES, ids=lambda v: str(v))
def test_body_booleans_are_strict(client: FlaskClient, admin: dict[str, str], op: Operation, field: str) -> None:
    """0, 1, "true", null and the like where a boolean belongs are 422 naming the field."""
    for value in NOT_BOOLEANS:
        ((path, body),) = [found for found in _bad_boolean_bodies(op.body_schema or {}, value) if found[0] == field]
        error = _invalid(client.open(_url(op), method=op.method.upper(), json=body, headers=admin))
        top = path.split(".")[0]
        assert any(name.split(".")[0] == top for name in error["details"]["json"]), (value, error)


@pytest.mark.parametrize(("op", "name"), BOOLEAN_QUERIES, ids=lambda v: str(v))
def test_query_booleans_are_strict(client: FlaskClient, admin: dict[str, str], op: Operation, name: str) -> None:
    """A query boolean is `true` or `false`: anything else is 422 naming the parameter."""
    for value in NOT_QUERY_BOOLEANS:
        response = client.open(_url(op), method=op.method.upper(), query_string={name: value}, headers=admin)
        assert response.status_code == 422, (value, response.status_code)
        assert list(response.get_json()["error"]["details"]["query"]) == [name]
    for value in ("true", "false"):
        response = client.open(_url(op), method=op.method.upper(), query_string={name: value}, headers=admin)
        assert response.status_code == 200, (value, response.get_data(as_text=True))


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
def test_a_body_is_required(client: FlaskClient, admin: dict[str, str], op: Operation) -> None:
    """No body, an empty one, or one that is not JSON: 422 about `the body`, whatever the fields."""
    assert op.spec["requestBody"]["required"] is True
    attempts: list[dict[str, Any]] = [
        {},
        {"data": b"", "content_type": "application/json"},
        {"data": b"{}", "content_type": "text/plain"},
        {"data": b'{"a": 1}', "content_type": "application/x-www-form-urlencoded"},
    ]
    for request in attempts:
        error = _invalid(client.open(_url(op), method=op.method.upper(), headers=admin, **request))
        assert error["details"] == {"json": {"_schema": error["details"]["json"]["_schema"]}}, (request, error)
        assert error["message"].startswith("the body: "), error


@pytest.mark.parametrize("op", [op for op in WITH_BODY if op.method == "patch"], ids=str)
def test_a_patch_names_a_field(client: FlaskClient, admin: dict[str, str], op: Operation) -> None:
    """`{}` as a PATCH changes nothing: 422 saying so, instead of a 200 and maybe an event."""
    error = _invalid(client.open(_url(op), method="PATCH", json={}, headers=admin))
    assert error["details"] == {"json": {"_schema": ["name at least one field to change"]}}, error
