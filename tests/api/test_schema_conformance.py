"""Schemathesis over the whole OpenAPI document: every answer matches the document, none is a 5xx.

Runs against the WSGI app (Flask's test client, no server), anonymous and with a member's token,
derandomized with a bounded number of examples per operation, in positive and negative (invalid
input) modes.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api import login
from tests.support.openapi import openapi_document
from tests.support.server import MEMBER

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The SSE stream never ends; tests/e2e/test_http_stream.py covers it against a live server.
ENDLESS = "/api/v1/stream"
EXAMPLES = 15

# Parametrizing needs the document at collection time; the requests go to the `app` fixture's app.
schema = schemathesis.openapi.from_dict(openapi_document()).exclude(path=ENDLESS)
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def member_token(app: Flask) -> str:
    """A plain member's token."""
    return login(app.test_client(), MEMBER)


@schema.parametrize()
@SETTINGS
def test_anonymous(case: Any, app: Flask) -> None:
    """Anonymous calls: 401 where a token is needed, the documented shape everywhere."""
    case.call_and_validate(checks=CHECKS, app=app)


@schema.parametrize()
@SETTINGS
def test_member(case: Any, app: Flask, member_token: str) -> None:
    """A member's calls: 403 where a role is needed, the documented shape everywhere."""
    case.call_and_validate(checks=CHECKS, app=app, headers={"Authorization": f"Bearer {member_token}"})
