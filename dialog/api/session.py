"""Browser sign-in: an HttpOnly session cookie holding an ordinary token, plus the CSRF cookie.

The web app never sees the token (no localStorage, no script access): the cookie carries it and
dialog/auth.py accepts it wherever a bearer token is accepted, with the same permissions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, after_this_request, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog import ratelimit
from dialog.api.identity import MemberOut
from dialog.auth import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for, require_member, session_token
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, members
from services.fields import UtcTimestamp
from services.identity import check_credentials, grant_token, revoke_token

blp = Blueprint("session", __name__, url_prefix="/api/v1", description="Browser sign-in with a session cookie")


class SessionRequest(Schema):
    """Credentials for a browser session."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SessionCreated(Schema):
    """The signed-in member; the token itself is only in the HttpOnly cookie."""

    member = fields.Nested(MemberOut)
    expires_at = UtcTimestamp()
    csrf_token = fields.String(metadata={"description": "also in the `dialog_csrf` cookie: send it as X-CSRF-Token"})


def _set_cookies(response: Response, token: str, max_age: int) -> None:
    secure = request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE", False)
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="Lax", secure=secure)
    # Readable by our script (not HttpOnly) but Strict: it is only ever echoed by our own pages.
    response.set_cookie(CSRF_COOKIE, csrf_token_for(token), max_age=max_age, samesite="Strict", secure=secure)


def _clear_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="Lax")
    response.delete_cookie(CSRF_COOKIE, samesite="Strict")


@blp.route("/auth/session")
class BrowserSession(MethodView):
    """The browser's session cookie."""

    @ratelimit.login  # the same limits as token logins: a refused attempt costs no parsing
    @blp.arguments(SessionRequest)
    @blp.response(201, SessionCreated)
    @anyone()
    @errors(401, 429)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Sign in a browser: sets the HttpOnly `dialog_session` cookie and the `dialog_csrf` cookie."""
        hours = current_app.config["TOKEN_TTL_HOURS"]
        with db.read() as session:
            member_id = check_credentials(session, email=body["email"], password=body["password"]).id
        with db.write() as session:
            token, record = grant_token(session, member_id=member_id, ttl=timedelta(hours=hours), label="browser")
            result = {"member": record.member, "expires_at": record.expires_at, "csrf_token": csrf_token_for(token)}

        @after_this_request
        def set_cookies(response: Response) -> Response:
            _set_cookies(response, token, hours * 3600)
            return response

        return result

    @blp.response(204)
    @members()
    def delete(self) -> None:
        """Sign out: revoke the session's token and clear both cookies (needs X-CSRF-Token)."""
        caller = require_member()
        # Only the cookie's token: a bearer token sent alongside is the caller's other client.
        if "Authorization" not in request.headers and session_token() is not None and caller.token_id is not None:
            with db.write() as session:
                revoke_token(session, caller, caller.token_id)

        @after_this_request
        def clear_cookies(response: Response) -> Response:
            _clear_cookies(response)
            return response
