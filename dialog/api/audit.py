"""Audit API: admins read and filter the record of every admin and moderator action."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, roles
from dialog.pagination import keyset_page, page_args, page_schema
from dialog.schemas import Id, TimeInput
from services.audit import ACTIONS, TARGET_KINDS, list_entries
from services.fields import UtcTimestamp
from services.identity import ADMIN

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit log of admin and moderator actions")


class ActorOut(Schema):
    """Who acted (the name is null once their account was erased)."""

    id = fields.Integer()
    name = fields.String(allow_none=True)


class AuditEntryOut(Schema):
    """One admin or moderator action: who, when, what, why; details hold only ids and non-personal facts."""

    id = fields.Integer()
    occurred_at = UtcTimestamp()
    actor = fields.Nested(ActorOut, allow_none=True, metadata={"description": "null for system processes"})
    action = fields.String(metadata={"description": "the event type it was recorded from (`thread.unlocked` ...)"})
    target_kind = fields.String()
    target_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict(keys=fields.String())


class AuditQuery(page_args(50, 200)):  # type: ignore[misc]
    """Filters of the audit log (all optional, combined with AND)."""

    actor = Id(metadata={"description": "the acting member's id"})
    action = fields.String(validate=validate.OneOf(ACTIONS))
    target_kind = fields.String(validate=validate.OneOf(TARGET_KINDS))
    target_id = Id(metadata={"description": "with `target_kind`"})
    since = TimeInput(metadata={"description": "entries at or after this time"})
    until = TimeInput(metadata={"description": "entries before this time"})


@blp.route("/audit")
class AuditLog(MethodView):
    """The audit log."""

    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, page_schema(AuditEntryOut))
    @roles(ADMIN)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Admin and moderator actions, newest first (admins): `?actor=&action=&target_kind=&target_id=&since=&until=`.

        Kept apart from the event log: event retention never prunes it.
        """
        args = {key: value for key, value in query.items() if key != "cursor"}
        with db.read() as session:
            items, after, total = list_entries(session, current_caller(), before=query.get("cursor"), **args)
            return keyset_page(items, after, total)
