"""Bad input is a 4xx on every operation, never a 500: ids past 2^63-1, deep JSON, non-JSON numbers.

Each test goes through every operation of the OpenAPI document that takes that kind of input.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dialog.openapi import MAX_JSON_DEPTH
from dialog.schemas import MAX_ID
from tests.support.api import bearer, login
from tests.support.openapi import Operation, operations
from tests.support.server import EDITOR

TOO_BIG = [str(MAX_ID + 1), str(2**64), "1" * 30, "1" * 5000, "0", "-1"]
ALL = operations()
WITH_PATH_IDS = [op for op in ALL if any(p["schema"].get("type") == "integer" for p in op.parameters("path"))]
WITH_BODY = [op for op in ALL if op.body_schema is not None]


def _integer_query_parameters(op: Operation) -> list[str]:
    return [p["name"] for p in op.parameters("query") if p["schema"].get("type") in ("integer", ["integer", "null"])]


def _integer_body_fields(op: Operation) -> list[str]:
    """Body fields that are integers, or lists of integers (`name.0` then)."""
    found = []
    for name, prop in (op.body_schema or {}).get("properties", {}).items():
        types = prop.get("type")
        types = types if isinstance(types, list) else [types]
        if "integer" in types:
            found.append(name)
        elif "array" in types and prop.get("items", {}).get("type") == "integer":
            found.append(f"{name}.0")
    return found


WITH_QUERY_INTS = [op for op in ALL if _integer_query_parameters(op)]
WITH_BODY_INTS = [op for op in WITH_BODY if _integer_body_fields(op)]


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    error: dict[str, Any] = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["details"], dict), error
    return error


def test_the_document_covers_every_kind_of_input() -> None:
    """The parametrized tests below really go through many operations (no silent empty lists)."""
    assert len(WITH_PATH_IDS) >= 35 and len(WITH_BODY) >= 25 and len(WITH_QUERY_INTS) >= 20
    assert len(WITH_BODY_INTS) >= 5


@pytest.mark.parametrize("op", ALL, ids=str)
def test_every_integer_input_is_bounded(op: Operation) -> None:
    """The document promises no integer the database cannot hold, in path, query and body."""
    schemas = [p["schema"] for p in op.parameters("path") + op.parameters("query")]
    for prop in (op.body_schema or {}).get("properties", {}).values():
        schemas.extend([prop, prop.get("items", {})])
    for schema in schemas:
        types = schema.get("type")
        if types == "integer" or (isinstance(types, list) and "integer" in types):
            assert schema.get("maximum", MAX_ID + 1) <= MAX_ID, (str(op), schema)


@pytest.mark.parametrize("op", WITH_PATH_IDS, ids=str)
@pytest.mark.parametrize("value", TOO_BIG)
def test_path_ids_out_of_range_are_404(client: FlaskClient, op: Operation, value: str) -> None:
    """An id no row can have names nothing: 404, before any database query."""
    names = [p["name"] for p in op.parameters("path") if p["schema"].get("type") == "integer"]
    for name in names:
        response = client.open(op.url(**{name: value}), method=op.method.upper(), json={} if op.body_schema else None)
        _error(response, 404, "not_found")


@pytest.mark.parametrize("op", WITH_QUERY_INTS, ids=str)
@pytest.mark.parametrize("value", [str(MAX_ID + 1), "1" * 5000, "1e400", "NaN"])
def test_query_integers_out_of_range_are_422(client: FlaskClient, op: Operation, value: str) -> None:
    """Every integer query parameter rejects numbers past 2^63-1 (and non-numbers) with details."""
    for name in _integer_query_parameters(op):
        response = client.open(op.url(), method=op.method.upper(), query_string={**op.required_query(), name: value})
        error = _error(response, 422, "invalid_input")
        assert name in error["details"]["query"], error


@pytest.mark.parametrize("op", [op for op in ALL if "cursor" in [p["name"] for p in op.parameters("query")]], ids=str)
@pytest.mark.parametrize("cursor", ["not-a-cursor", "cDkyMjMzNzIwMzY4NTQ3NzU4MDg", "", "%%%", "x" * 100])
def test_cursors_not_given_out_are_422(client: FlaskClient, op: Operation, cursor: str) -> None:
    """A cursor this API did not hand out (or one past 2^63-1, the second) is 422 naming `cursor`."""
    response = client.open(op.url(), method=op.method.upper(), query_string={**op.required_query(), "cursor": cursor})
    error = _error(response, 422, "invalid_input")
    assert error["details"] == {"query": {"cursor": error["details"]["query"]["cursor"]}}, error


@pytest.mark.parametrize("op", WITH_BODY_INTS, ids=str)
def test_body_integers_out_of_range_are_422(client: FlaskClient, op: Operation) -> None:
    """Every integer body field (and integer list item) rejects 2^63 with `details.json.<field>`."""
    for field in _integer_body_fields(op):
        name, _, index = field.partition(".")
        value: Any = [MAX_ID + 1] if index else MAX_ID + 1
        error = _error(client.open(op.url(), method=op.method.upper(), json={name: value}), 422, "invalid_input")
        assert field in error["details"]["json"], (field, error)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
@pytest.mark.parametrize(
    "body",
    [_nested(100_000), _nested(1_000), _nested(MAX_JSON_DEPTH + 1), '{"a": ' * 2000 + "1" + "}" * 2000],
    ids=["100000-deep", "1000-deep", "just-too-deep", "deep-objects"],
)
def test_deep_json_is_400(client: FlaskClient, op: Operation, body: str) -> None:
    """JSON nested past the limit is 400 invalid_json on every body-taking route (login included)."""
    response = client.open(op.url(), method=op.method.upper(), data=body, content_type="application/json")
    _error(response, 400, "invalid_json")


@pytest.mark.parametrize("op", WITH_BODY, ids=str)
@pytest.mark.parametrize("body", ['{"a": NaN}', '{"a": Infinity}', "[1, 2", '{"a": 1' + "0" * 5000 + "}", b"\xff\xfe{"])
def test_not_json_is_400(client: FlaskClient, op: Operation, body: str | bytes) -> None:
    """Broken JSON, NaN/Infinity, 5,000-digit numbers and undecodable bytes are 400 invalid_json."""
    response = client.open(op.url(), method=op.method.upper(), data=body, content_type="application/json")
    _error(response, 400, "invalid_json")


def test_nesting_up_to_the_limit_is_parsed(client: FlaskClient) -> None:
    """The limit is not a blanket refusal: a body at the limit reaches the schema (422, not 400)."""
    body = json.dumps({"title": json.loads(_nested(MAX_JSON_DEPTH - 1))})
    response = client.post("/api/v1/news", data=body, content_type="application/json")
    assert response.status_code == 422 and "title" in response.get_json()["error"]["details"]["json"]


@pytest.fixture(scope="module")
def editor(app: Flask) -> str:
    """An editor's token."""
    return login(app.test_client(), EDITOR)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/news", {"title": {"de": "t"}, "body": {"de": "b"}, "project_id": MAX_ID + 1}, "project_id"),
        ("PATCH", "/api/v1/news/1", {"project_id": MAX_ID + 1}, "project_id"),
        ("POST", "/api/v1/calls", {"round": 1, "title": {"de": "t"}, "budget": "1e999999"}, "budget"),
        ("POST", "/api/v1/calls", {"round": 1, "title": {"de": "t"}, "budget": 1e300}, "budget"),
        ("POST", "/api/v1/calls", {"round": MAX_ID + 1, "title": {"de": "t"}}, "round"),
    ],
)
def test_otherwise_valid_bodies_with_huge_numbers_are_422(
    client: FlaskClient, editor: str, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    """With the right role and an otherwise valid body, a huge number is still a 422, not a 500."""
    error = _error(client.open(path, method=method, json=body, headers=bearer(editor)), 422, "invalid_input")
    assert list(error["details"]["json"]) == [field], error


def test_huge_last_event_id_is_422(client: FlaskClient) -> None:
    """`Last-Event-ID` past 2^63-1 (or in non-ASCII digits) is 422 naming the header."""
    for value in (str(MAX_ID + 1), "١٢٣"):
        response = client.get("/api/v1/stream?topics=news", headers={"Last-Event-ID": value})
        error = _error(response, 422, "invalid_input")
        assert error["details"] == {"headers": {"Last-Event-ID": [error["message"].split(": ", 1)[1]]}}, error
