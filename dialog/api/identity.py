"""Identity API: log in (issue a token), list and revoke tokens, who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog import ratelimit
from dialog.auth import current_caller, require_member
from dialog.extensions import db
from services.fields import UtcTimestamp
from services.identity import (
    ROLES,
    Member,
    check_credentials,
    get_member,
    grant_token,
    list_tokens,
    revoke_token,
    update_account,
)

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Members and bearer tokens")


class MemberOut(Schema):
    """A member as they see themselves."""

    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    country = fields.String(allow_none=True)
    language = fields.String()
    active = fields.Boolean()


class AccountPatch(Schema):
    """What an admin may change on an account."""

    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean(metadata={"description": "false deactivates: the member's sessions end at once"})


class TokenRequest(Schema):
    """Credentials for a new token."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    label = fields.String(validate=validate.Length(max=100))


class TokenOut(Schema):
    """A token's record (never the token itself)."""

    id = fields.Integer()
    label = fields.String(allow_none=True)
    created_at = UtcTimestamp()
    expires_at = UtcTimestamp()


class TokenCreated(TokenOut):
    """A new token: shown once, store it."""

    token = fields.String()
    member = fields.Nested(MemberOut)


@blp.route("/auth/tokens")
class Tokens(MethodView):
    """The caller's bearer tokens."""

    @ratelimit.login  # outermost: a refused attempt costs no parsing
    @blp.arguments(TokenRequest)
    @blp.response(201, TokenCreated)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Log in: exchange email and password for a bearer token."""
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        # The argon2 check runs in a read session: a write transaction would hold its lock meanwhile.
        with db.read() as session:
            member_id = check_credentials(session, email=body["email"], password=body["password"]).id
        with db.write() as session:
            token, record = grant_token(session, member_id=member_id, ttl=ttl, label=body.get("label"))
            return {**TokenOut().dump(record), "token": token, "member": record.member}

    @blp.response(200, TokenOut(many=True))
    def get(self) -> list[Any]:
        """The caller's tokens that still work."""
        with db.read() as session:
            return list_tokens(session, current_caller())


@blp.route("/auth/tokens/current")
class CurrentToken(MethodView):
    """The token this request was made with."""

    @blp.response(204)
    def delete(self) -> None:
        """Log out: revoke the token of this request."""
        caller = require_member()
        with db.write() as session:
            revoke_token(session, caller, caller.token_id or 0)


@blp.route("/auth/tokens/<int:token_id>")
class OneToken(MethodView):
    """One of the caller's tokens."""

    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke one of your tokens (for example a lost device's)."""
        with db.write() as session:
            revoke_token(session, current_caller(), token_id)


@blp.route("/me")
class Me(MethodView):
    """The calling member."""

    @blp.response(200, MemberOut)
    def get(self) -> Member:
        """Who the bearer token belongs to."""
        caller = require_member()
        with db.read() as session:
            return get_member(session, caller.id or 0)


@blp.route("/members/<int:member_id>")
class Account(MethodView):
    """A member's account, as admins manage it."""

    @blp.arguments(AccountPatch)
    @blp.response(200, MemberOut)
    def patch(self, changes: dict[str, Any], member_id: int) -> Member:
        """Change a member's role or deactivate / reactivate the account (admins); open connections follow at once."""
        with db.write() as session:
            return update_account(session, current_caller(), member_id, **changes)
