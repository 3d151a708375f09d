"""Event types of identity: access changes every live connection must follow at once.

Each is marked `access_change`: every web process's relay re-checks the open subscriptions the
change affects before it delivers anything published after it (see events.relay).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from events.registry import registry
from services.identity.roles import ROLES


def user_topic(member_id: int) -> str:
    """A member's own topic."""
    return f"user.{member_id}"


class MemberRoleChangedData(Schema):
    """`member.role_changed`: an admin gave a member another role."""

    member_id = fields.Integer(required=True, strict=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    previous_role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MemberDeactivatedData(Schema):
    """`member.deactivated`: an admin deactivated an account; its sessions end at once."""

    member_id = fields.Integer(required=True, strict=True)


class MemberReactivatedData(Schema):
    """`member.reactivated`: an admin reactivated an account (it logs in again)."""

    member_id = fields.Integer(required=True, strict=True)


class TokenRevokedData(Schema):
    """`token.revoked`: a bearer token was revoked; connections opened with it end at once."""

    member_id = fields.Integer(required=True, strict=True)
    token_id = fields.Integer(required=True, strict=True)


registry.event_type("member.role_changed", MemberRoleChangedData, "a member's role changed", access_change=True)
registry.event_type("member.deactivated", MemberDeactivatedData, "an account was deactivated", access_change=True)
registry.event_type("member.reactivated", MemberReactivatedData, "an account was reactivated")
registry.event_type("token.revoked", TokenRevokedData, "a bearer token was revoked", access_change=True)
