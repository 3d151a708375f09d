"""Mail API: one-click unsubscribe (RFC 8058, no login) and the outbox with every attempt (admins)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, roles
from dialog.pagination import PageArgs, offset_page, page_schema, with_offset
from services.fields import UtcTimestamp
from services.identity import ADMIN, mail_preferences, unsubscribe
from services.mail import CANCELLED, FAILED, PENDING, SENT, get_mail, list_mails

blp = Blueprint("mail", __name__, url_prefix="/api/v1/mail", description="Mail: unsubscribe links and the outbox")


class UnsubscribeArgs(Schema):
    """The signed token from the mail's List-Unsubscribe URL."""

    # Not required by the schema: a link without its token is refused like a wrong one (403).
    token = fields.String(load_default="", validate=validate.Length(max=200))


class UnsubscribedOut(Schema):
    """What the link turned off, and the member's mail settings now."""

    member_id = fields.Integer()
    unsubscribed = fields.List(fields.String())
    digest = fields.String()
    notification_preferences = fields.Dict(keys=fields.String())


class MailArgs(PageArgs):
    """Filter of the outbox."""

    status = fields.String(validate=validate.OneOf((PENDING, SENT, FAILED, CANCELLED)))


class MailAttemptOut(Schema):
    """One attempt to hand a mail to the SMTP server."""

    attempted_at = UtcTimestamp()
    outcome = fields.String(metadata={"description": "sent, retry or failed"})
    smtp_code = fields.Integer(allow_none=True, metadata={"description": "the server's reply code, if it gave one"})
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class MailOut(Schema):
    """A queued mail (never its text: that can hold a one-time token)."""

    id = fields.Integer()
    recipient = fields.String()
    kind = fields.String()
    language = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    created_at = UtcTimestamp()
    next_attempt_at = UtcTimestamp()
    sent_at = UtcTimestamp(allow_none=True)
    last_error = fields.String(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    list_kind = fields.String(allow_none=True)


class MailDetailOut(MailOut):
    """A mail with every attempt, oldest first."""

    attempt_log = fields.List(fields.Nested(MailAttemptOut))


@blp.route("/unsubscribe/<int:member_id>/<kinds>")
class Unsubscribe(MethodView):
    """The List-Unsubscribe URL of a member's list mails."""

    @blp.arguments(UnsubscribeArgs, location="query")
    @blp.response(200, UnsubscribedOut)
    @anyone()
    @errors(403, 404)
    def post(self, args: dict[str, Any], member_id: int, kinds: str) -> dict[str, Any]:
        """One-click unsubscribe (RFC 8058): turn these kinds of mail off; a wrong token changes nothing (403).

        A GET of this URL (a person clicking the link in a mail) answers an HTML page that names the
        mails and asks to confirm; its button posts the same token (dialog/webapp/unsubscribe.py).
        """
        with db.write() as session:
            member = unsubscribe(
                session, secret=current_app.config["SECRET_KEY"], member_id=member_id, kinds=kinds, token=args["token"]
            )
            return {
                "member_id": member.id,
                "unsubscribed": kinds.split(","),
                "digest": member.digest,
                "notification_preferences": mail_preferences(member),
            }


@blp.route("")
class Outbox(MethodView):
    """Every mail, newest first."""

    @blp.arguments(MailArgs, location="query")
    @blp.response(200, page_schema(MailOut))
    @roles(ADMIN)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The outbox (admins): pending, sent, failed and cancelled mails."""
        with db.read() as session:
            items, total = list_mails(session, current_caller(), **with_offset(args))
            return offset_page(items, total, args)


@blp.route("/<int:mail_id>")
class OneMail(MethodView):
    """One mail."""

    @blp.response(200, MailDetailOut)
    @roles(ADMIN)
    def get(self, mail_id: int) -> dict[str, Any]:
        """A mail and every attempt to send it (admins)."""
        with db.read() as session:
            mail, attempts = get_mail(session, current_caller(), mail_id)
            return {**MailOut().dump(mail), "attempt_log": MailAttemptOut(many=True).dump(attempts)}
