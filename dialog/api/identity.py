"""Identity API: log in (issue a token), list and revoke tokens, who am I, profile, passwords, members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog import ratelimit
from dialog.auth import current_caller, require_member
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, members, roles
from dialog.pagination import PageArgs, keyset_page, list_page, page_args, page_schema
from dialog.schemas import Flag
from services.fields import UtcTimestamp
from services.identity import (
    ADMIN,
    DIGESTS,
    LANGUAGES,
    MIN_PASSWORD_LENGTH,
    POSTS_CHOICES,
    ROLES,
    STATUSES,
    Member,
    change_password,
    check_credentials,
    erase_own_account,
    get_member,
    grant_token,
    list_members,
    list_tokens,
    mail_preferences,
    new_password,
    request_password_reset,
    reset_password,
    revoke_token,
    update_account,
    update_profile,
)

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Members and bearer tokens")


class PersonOut(Schema):
    """A member as others find them (no email)."""

    id = fields.Integer()
    handle = fields.String()
    name = fields.String()
    role = fields.String()
    country = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    municipality = fields.String(allow_none=True)
    bio = fields.String(allow_none=True)


class MemberOut(PersonOut):
    """A member as they see themselves (and admins see them)."""

    email = fields.String()
    language = fields.String()
    active = fields.Boolean()
    notification_preferences = fields.Function(
        mail_preferences,
        metadata={"description": 'every kind with its settings as they apply: {"mention": {"mail": true}}'},
    )
    digest = fields.String(metadata={"description": "the digest mail: off, daily or weekly"})


MemberPage = page_schema(MemberOut, "MemberPage")


class MemberQuery(page_args(50, 200)):  # type: ignore[misc]
    """Filters of the admins' member list."""

    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "name, handle, organisation or email"}
    )
    role = fields.String(validate=validate.OneOf(ROLES))
    country = fields.String(validate=validate.Length(equal=2))
    organisation = fields.String(validate=validate.Length(max=200))
    status = fields.String(validate=validate.OneOf(STATUSES))


class ProfilePatch(Schema):
    """What a member changes on their own profile."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    handle = fields.String(validate=validate.Length(min=1, max=31))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    organisation = fields.String(allow_none=True, validate=validate.Length(max=200))
    municipality = fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"description": "municipality or model project"}
    )
    bio = fields.String(allow_none=True, validate=validate.Length(max=500))
    notification_preferences = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=Flag()),
        metadata={"description": 'per kind: {"mention": {"mail": false}} stops mailing missed mentions; merged'},
    )
    digest = fields.String(
        validate=validate.OneOf(DIGESTS), metadata={"description": "a digest mail: off, daily or weekly"}
    )


class AccountErasure(Schema):
    """Erasing your own account: your password confirms it, and you choose what happens to your posts."""

    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    posts = fields.String(
        required=True,
        validate=validate.OneOf(POSTS_CHOICES),
        metadata={"description": "erase: your posts become tombstones; keep: they stay as 'Former member'"},
    )


class PasswordChange(Schema):
    """A new password; the current one proves it is you."""

    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": f"at least {MIN_PASSWORD_LENGTH} characters, not your email or handle"},
    )


class ResetRequest(Schema):
    """Whose password to reset: a link is mailed if the address belongs to an account."""

    email = fields.Email(required=True, validate=validate.Length(max=254))


class ResetRequested(Schema):
    """The same answer for every address."""

    message = fields.String()


class ResetConfirm(Schema):
    """The token from the reset mail and the new password."""

    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(max=200))


class AccountPatch(Schema):
    """What an admin may change on an account."""

    role = fields.String(validate=validate.OneOf(ROLES))
    active = Flag(metadata={"description": "false deactivates: the member's sessions end at once"})


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
    @anyone()
    @errors(401, 429)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Log in: exchange email and password for a bearer token."""
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        # The argon2 check runs in a read session: a write transaction would hold its lock meanwhile.
        with db.read() as session:
            member_id = check_credentials(session, email=body["email"], password=body["password"]).id
        with db.write() as session:
            token, record = grant_token(session, member_id=member_id, ttl=ttl, label=body.get("label"))
            return {**TokenOut().dump(record), "token": token, "member": record.member}

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(TokenOut))
    @members()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The caller's tokens that still work."""
        with db.read() as session:
            return list_page(list_tokens(session, current_caller()), args)


@blp.route("/auth/tokens/current")
class CurrentToken(MethodView):
    """The token this request was made with."""

    @blp.response(204)
    @members()
    def delete(self) -> None:
        """Log out: revoke the token of this request."""
        caller = require_member()
        with db.write() as session:
            revoke_token(session, caller, caller.token_id or 0)


@blp.route("/auth/tokens/<int:token_id>")
class OneToken(MethodView):
    """One of the caller's tokens."""

    @blp.response(204)
    @members()
    def delete(self, token_id: int) -> None:
        """Revoke one of your tokens (for example a lost device's)."""
        with db.write() as session:
            revoke_token(session, current_caller(), token_id)


@blp.route("/me")
class Me(MethodView):
    """The calling member."""

    @blp.response(200, MemberOut)
    @members()
    def get(self) -> Member:
        """Who the bearer token belongs to."""
        caller = require_member()
        with db.read() as session:
            return get_member(session, caller.id or 0)

    @blp.arguments(ProfilePatch)
    @blp.response(200, MemberOut)
    @members()
    @errors(409)
    def patch(self, changes: dict[str, Any]) -> Member:
        """Change your profile: name, handle, language, organisation, municipality, bio, mail preferences, digest."""
        with db.write() as session:
            return update_profile(session, current_caller(), changes)

    @blp.arguments(AccountErasure)
    @blp.response(204)
    @members()
    @errors(409)
    def delete(self, body: dict[str, Any]) -> None:
        """Erase your account (DSGVO Art. 17): a JSON body with your password and `posts` (`erase` or `keep`).

        Every session ends at once; your profile, handle, email, follows, notifications, reactions,
        flags and pending mail are removed; your posts become tombstones without text (`erase`) or stay,
        attributed to "Former member" (`keep`). Export your data first (GET /me/export). Not the last admin (409).
        """
        with db.write() as session:
            erase_own_account(session, current_caller(), password=body["password"], posts=body["posts"])


@blp.route("/me/password")
class MyPassword(MethodView):
    """The calling member's password."""

    @blp.arguments(PasswordChange)
    @blp.response(204)
    @members()
    def post(self, body: dict[str, Any]) -> None:
        """Change your password; every other session of yours ends (their live connections close)."""
        chosen = new_password(body["new_password"], field="new_password")  # argon2 before the write lock, not under it
        with db.write() as session:
            change_password(session, current_caller(), current_password=body["current_password"], new_password=chosen)


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    """Asking for a password reset link."""

    @blp.arguments(ResetRequest)
    @blp.response(202, ResetRequested)
    @anyone()
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Mail a one-time reset link to the address; the answer is the same whether it has an account or not."""
        ttl = timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"])
        with db.write() as session:
            request_password_reset(session, body["email"], ttl=ttl)
        return {"message": "if this address belongs to an account, a reset link is on its way"}


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    """Setting a new password with the mailed token."""

    @blp.arguments(ResetConfirm)
    @blp.response(204)
    @anyone()
    @errors(401, 404, 409, 410)
    def post(self, body: dict[str, Any]) -> None:
        """Set a new password with the token from the mail (once, before it expires); every session ends."""
        chosen = new_password(body["new_password"], field="new_password")  # argon2 before the write lock, not under it
        with db.write() as session:
            reset_password(session, token=body["token"], new_password=chosen)


@blp.route("/members")
class Members(MethodView):
    """Every member, as admins manage them."""

    @blp.arguments(MemberQuery, location="query")
    @blp.response(200, MemberPage)
    @roles(ADMIN)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """List and search members (admins): `?q=&role=&country=&organisation=&status=&limit=&cursor=`."""
        with db.read() as session:
            items, after, total = list_members(session, current_caller(), **query)
            return keyset_page(items, after, total)


@blp.route("/members/<int:member_id>")
class Account(MethodView):
    """A member's account, as admins manage it."""

    @blp.arguments(AccountPatch)
    @blp.response(200, MemberOut)
    @roles(ADMIN)
    @errors(409)
    def patch(self, changes: dict[str, Any], member_id: int) -> Member:
        """Change a member's role or deactivate / reactivate the account (admins); open connections follow at once.

        Never the last active admin (409).
        """
        with db.write() as session:
            return update_account(session, current_caller(), member_id, **changes)
