"""Webhooks API (admins): register partner endpoints, see every delivery and attempt, retry failures."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, errors, roles
from dialog.pagination import PageArgs, keyset_page, list_page, page_args, page_schema
from dialog.schemas import TopicList
from services.fields import UtcTimestamp
from services.identity import ADMIN
from services.webhooks import (
    CANCELLED,
    DELIVERED,
    FAILED,
    PENDING,
    WebhookSubscription,
    count_deliveries,
    create_subscription,
    deactivate_subscription,
    get_subscription,
    list_deliveries,
    list_subscriptions,
    retry_delivery,
    status_counts,
)

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Signed webhook deliveries")


class WebhookIn(Schema):
    """A new webhook subscription."""

    url = fields.Url(required=True, require_tld=False, schemes={"http", "https"}, validate=validate.Length(max=2000))
    topics = TopicList(required=True)
    secret = fields.String(validate=validate.Length(max=200), metadata={"description": "made for you if absent"})
    description = fields.String(validate=validate.Length(max=200))


class WebhookOut(Schema):
    """A webhook subscription (its secret is shown only when created)."""

    id = fields.Integer()
    url = fields.String()
    topics = fields.List(fields.String())
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = UtcTimestamp()
    deliveries = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "count by status"})


class WebhookCreated(WebhookOut):
    """A new subscription with its signing secret."""

    secret = fields.String()


class AttemptOut(Schema):
    """One HTTP attempt."""

    attempted_at = UtcTimestamp()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliveryOut(Schema):
    """One event's delivery to the endpoint, with its attempts."""

    id = fields.Integer()
    event_id = fields.Integer()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = UtcTimestamp()
    created_at = UtcTimestamp()
    finished_at = UtcTimestamp(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptOut))


class DeliveryArgs(page_args(50, 500)):  # type: ignore[misc]
    """Filter and page deliveries (newest first)."""

    status = fields.String(validate=validate.OneOf((PENDING, DELIVERED, FAILED, CANCELLED)))


def _out(session: Any, subscription: WebhookSubscription) -> dict[str, Any]:
    return {**WebhookOut().dump(subscription), "deliveries": status_counts(session, subscription.id)}


@blp.route("")
class Webhooks(MethodView):
    """All webhook subscriptions."""

    @blp.arguments(WebhookIn)
    @blp.response(201, WebhookCreated)
    @roles(ADMIN)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register an endpoint; each event on its topics is POSTed, signed with `X-Dialog-Signature`."""
        with db.write() as session:
            subscription = create_subscription(
                session,
                owner=current_caller(),
                url=body["url"],
                topics=body["topics"],
                secret=body.get("secret"),
                description=body.get("description"),
                allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"],
            )
            return {**_out(session, subscription), "secret": subscription.secret}

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(WebhookOut))
    @roles(ADMIN)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List subscriptions with delivery counts."""
        with db.read() as session:
            listed = list_page(list_subscriptions(session, current_caller()), args)
            return {**listed, "items": [_out(session, s) for s in listed["items"]]}


@blp.route("/<int:webhook_id>")
class Webhook(MethodView):
    """One subscription."""

    @blp.response(200, WebhookOut)
    @roles(ADMIN)
    def get(self, webhook_id: int) -> dict[str, Any]:
        """A subscription with delivery counts."""
        with db.read() as session:
            return _out(session, get_subscription(session, current_caller(), webhook_id))

    @blp.response(204)
    @roles(ADMIN)
    def delete(self, webhook_id: int) -> None:
        """Deactivate: no more deliveries; queued ones are cancelled (the history stays visible)."""
        caller = current_caller()
        with db.write() as session:
            deactivate_subscription(session, caller, get_subscription(session, caller, webhook_id))


@blp.route("/<int:webhook_id>/deliveries")
class Deliveries(MethodView):
    """Every delivery of a subscription and every attempt."""

    @blp.arguments(DeliveryArgs, location="query")
    @blp.response(200, page_schema(DeliveryOut))
    @roles(ADMIN)
    def get(self, args: dict[str, Any], webhook_id: int) -> dict[str, Any]:
        """Deliveries, newest first, each with its attempt log."""
        status, limit = args.get("status"), args["limit"]
        with db.read() as session:
            get_subscription(session, current_caller(), webhook_id)
            rows = list_deliveries(session, webhook_id, status=status, limit=limit + 1, before=args["cursor"])
            items = [{**DeliveryOut().dump(d), "attempt_log": AttemptOut(many=True).dump(a)} for d, a in rows[:limit]]
            last = items[-1]["id"] if len(rows) > limit else None
            return keyset_page(items, last, count_deliveries(session, webhook_id, status=status))


@blp.route("/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
class DeliveryRetry(MethodView):
    """Sending a failed delivery again."""

    @blp.response(200, DeliveryOut)
    @roles(ADMIN)
    @errors(409)
    def post(self, webhook_id: int, delivery_id: int) -> dict[str, Any]:
        """Queue a failed delivery again."""
        caller = current_caller()
        with db.write() as session:
            delivery = retry_delivery(session, caller, get_subscription(session, caller, webhook_id), delivery_id)
            return {**DeliveryOut().dump(delivery), "attempt_log": []}
