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


registry.event_type("news.published", NewsPublishedData, "a news item became public")
policy.topic(TOPIC, public)
