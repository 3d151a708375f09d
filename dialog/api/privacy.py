"""Data rights API (DSGVO Art. 15, 17, 20): a member's data as one JSON document, and erasure on request.

The export is assembled here from each service's own part (each checks that the caller is the
member or an admin); erasure is identity's command, which the other services follow through the
`member.erased` event in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from dialog.auth import current_caller, require_member
from dialog.extensions import db
from dialog.openapi import Blueprint, errors, members, roles
from events import Caller, isoformat_z, utcnow
from services.announcements import export_reads
from services.forum import export_forum
from services.identity import ADMIN, POSTS_CHOICES, erase_account, export_profile, require_admin
from services.mail import mails_to
from services.network import export_network
from services.notifications import export_notifications

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="Data rights: export and erasure")


class InvitationsOut(Schema):
    """Invitations the member sent (as an admin) and the one they accepted."""

    sent = fields.List(fields.Dict(keys=fields.String()))
    accepted = fields.Dict(keys=fields.String(), allow_none=True)


class MemberExport(Schema):
    """Everything stored about a member, as one document (times in UTC, secrets never included)."""

    exported_at = fields.String(metadata={"description": "UTC ISO 8601"})
    member_id = fields.Integer()
    profile = fields.Dict(keys=fields.String(), metadata={"description": "without the password hash"})
    mail_preferences = fields.Dict(
        keys=fields.String(), metadata={"description": "notifications: kind -> settings as they apply; digest"}
    )
    sessions = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "bearer tokens, no secrets"})
    password_resets = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "times only"})
    posts = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "with their earlier revisions"})
    threads = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "threads the member opened"})
    reactions = fields.List(fields.Dict(keys=fields.String()))
    flags = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "flags the member raised"})
    follows = fields.List(fields.Dict(keys=fields.String()))
    notifications = fields.List(fields.Dict(keys=fields.String()))
    invitations = fields.Nested(InvitationsOut)
    partner_contact = fields.Dict(keys=fields.String(), allow_none=True)
    announcements_read = fields.List(fields.Dict(keys=fields.String()))
    mails = fields.List(fields.Dict(keys=fields.String()), metadata={"description": "mails to the member, no content"})


class ErasureRequest(Schema):
    """An admin's erasure of a member on their request."""

    posts = fields.String(
        required=True,
        validate=validate.OneOf(POSTS_CHOICES),
        metadata={"description": "erase: the member's posts become tombstones; keep: they stay as 'Former member'"},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "the request it answers (name the request, not the person: it is kept for audit)"},
    )


def member_export(session: Session, caller: Caller, member_id: int) -> dict[str, Any]:
    """Member `member_id`'s data from every service, as one document (each service checks the caller)."""
    identity = export_profile(session, caller, member_id)
    return {
        "exported_at": isoformat_z(utcnow()),
        "member_id": member_id,
        **identity,
        **export_forum(session, caller, member_id),
        **export_notifications(session, caller, member_id),
        **export_network(session, caller, member_id),
        **export_reads(session, caller, member_id),
        "mails": mails_to(session, email=identity["profile"]["email"], member_id=member_id),
    }


@blp.route("/me/export")
class MyExport(MethodView):
    """The calling member's data."""

    @blp.response(200, MemberExport)
    @members()
    def get(self) -> dict[str, Any]:
        """Everything stored about you, as one JSON document (DSGVO Art. 15 and 20)."""
        caller = require_member()
        with db.read() as session:
            return member_export(session, caller, caller.id or 0)


@blp.route("/members/<int:member_id>/export")
class MemberDataExport(MethodView):
    """A member's data, for an admin answering their Art. 15 request."""

    @blp.response(200, MemberExport)
    @roles(ADMIN)
    def get(self, member_id: int) -> dict[str, Any]:
        """Everything stored about a member (admins, on the member's request; members use /me/export)."""
        caller = current_caller()
        require_admin(caller)
        with db.read() as session:
            return member_export(session, caller, member_id)


@blp.route("/members/<int:member_id>/erasure")
class MemberErasure(MethodView):
    """Erasing a member's data, for an admin answering their Art. 17 request."""

    @blp.arguments(ErasureRequest)
    @blp.response(204)
    @roles(ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any], member_id: int) -> None:
        """Erase a member (admins, a reason required): sessions end at once, the profile, follows,
        notifications, reactions and pending mail go, and the posts are erased or kept as 'Former member'.

        Never the last active admin, never twice, never your own account here (409; use DELETE /me).
        """
        with db.write() as session:
            erase_account(session, current_caller(), member_id, posts=body["posts"], reason=body["reason"])
