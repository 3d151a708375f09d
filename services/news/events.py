"""Event types the news service publishes, with their data schemas."""

from __future__ import annotations

from marshmallow import Schema, fields

from events.registry import registry
from events.topics import policy, public
from services.fields import UtcTimestamp, localized_text

TOPIC = "news"


class NewsPublishedData(Schema):
    """`news.published`: a news item became public."""

    news_id = fields.Integer(required=True, strict=True)
    title = localized_text(required=True)
    summary = localized_text(required=True)
    tags = fields.List(fields.String(), required=True)
    published_at = UtcTimestamp(required=True)
    space = fields.String()
    project_id = fields.Integer(strict=True, allow_none=True)


class NewsUpdatedData(NewsPublishedData):
    """`news.updated`: a published item changed; `changed` names the fields."""

    changed = fields.List(fields.String(), required=True)
    updated_at = UtcTimestamp(required=True)


class NewsRetractedData(Schema):
    """`news.retracted`: a published item was withdrawn (clients should hide it)."""

    news_id = fields.Integer(required=True, strict=True)
    reason = fields.String(allow_none=True)
    retracted_at = UtcTimestamp(required=True)
    project_id = fields.Integer(strict=True, allow_none=True)


registry.event_type("news.published", NewsPublishedData, "a news item became public")
registry.event_type("news.updated", NewsUpdatedData, "a published news item changed")
registry.event_type("news.retracted", NewsRetractedData, "a published news item was withdrawn")
policy.topic(TOPIC, public)
