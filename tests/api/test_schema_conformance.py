"""Schemathesis over the whole OpenAPI document: every answer matches the document, none is a 5xx.

Runs against the WSGI app (Flask's test client, no server), anonymously and as a member, a
moderator, an editor and the admin, derandomized with a bounded number of examples per operation,
in positive and negative (invalid input) modes. The moderator and the editor go through the
operations their role opens only. The roles run in that order so the admin, who may deactivate or
demote the others, comes last.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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
from sqlalchemy import select

from dialog.extensions import db
from services.identity import Member, grant_token, normalise_email
from tests.support.openapi import openapi_document
from tests.support.server import ADMIN, EDITOR, MEMBER, MODERATOR

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


class Tokens:
    """One token per role, minted without hashing a password, and again after a call that may revoke it.

    A fuzzed `DELETE /auth/tokens/current` revokes the token it came with: keeping it would turn
    every later example into an anonymous one.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.tokens: dict[str, str] = {}

    def header(self, email: str) -> dict[str, str]:
        """The Authorization header of `email`'s current token."""
        if email not in self.tokens:
            with self.app.app_context(), db.write() as session:
                member_id = session.scalar(select(Member.id).where(Member.email == normalise_email(email)))
                assert member_id is not None
                self.tokens[email], _ = grant_token(session, member_id=member_id, ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def after(self, case: Any) -> None:
        """Forget the tokens a call may have revoked."""
        if case.method.upper() == "DELETE" and case.path.startswith("/api/v1/auth/tokens"):
            self.tokens.clear()


# role -> (operations, examples, 5xx answers), written to the terminal at the end of the module
TALLY: dict[str, list[Any]] = {}


@pytest.fixture(scope="module")
def tokens(app: Flask) -> Tokens:
    """The module's tokens."""
    return Tokens(app)


@pytest.fixture(scope="module", autouse=True)
def tally(pytestconfig: pytest.Config) -> Iterator[None]:
    """Report how much the fuzzer ran per role (the figures the hardening issue asks for)."""
    yield
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():  # teardown output is otherwise captured
        for role, (operations, examples, errors) in TALLY.items():
            reporter.write_line(f"schemathesis {role}: {len(operations)} operations, {examples} examples, {errors} 5xx")


def run(case: Any, app: Flask, role: str, headers: dict[str, str] | None = None) -> None:
    """Call `case` and check the answer; count it for the tally."""
    operations, examples, errors = TALLY.setdefault(role, [set(), 0, 0])
    try:
        response = case.call(app=app, headers=headers)
    finally:
        operations.add(case.operation.label)
    TALLY[role][1:] = [examples + 1, errors + (response.status_code >= 500)]
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_anonymous(case: Any, app: Flask) -> None:
    """Anonymous calls: 401 where a token is needed, the documented shape everywhere."""
    run(case, app, "anonymous")


@schema.parametrize()
@SETTINGS
def test_member(case: Any, app: Flask, tokens: Tokens) -> None:
    """A member's calls: 403 where a role is needed, the documented shape everywhere."""
    run(case, app, "member", tokens.header(MEMBER))
    tokens.after(case)


@schema.include(func=lambda ctx: "moderator" in ctx.operation.definition.raw.get("x-access", "")).parametrize()
@SETTINGS
def test_moderator(case: Any, app: Flask, tokens: Tokens) -> None:
    """A moderator's calls where the role counts: locking, pinning, hiding get past the role check."""
    run(case, app, "moderator", tokens.header(MODERATOR))


@schema.include(func=lambda ctx: "editor" in ctx.operation.definition.raw.get("x-access", "")).parametrize()
@SETTINGS
def test_editor(case: Any, app: Flask, tokens: Tokens) -> None:
    """An editor's calls where the role counts: news, calls and projects get past the role check."""
    run(case, app, "editor", tokens.header(EDITOR))


@schema.parametrize()
@SETTINGS
def test_admin(case: Any, app: Flask, tokens: Tokens) -> None:
    """The admin's calls: every operation gets past the role check, so the fuzzer reaches the services."""
    run(case, app, "admin", tokens.header(ADMIN))
    tokens.after(case)
