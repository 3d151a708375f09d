"""News API: read published news; editors write and publish."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller, require_role
from dialog.extensions import db
from services.fields import UtcTimestamp, localized_text
from services.news import NewsItem, create_news, get_news, publish_news, published_news

blp = Blueprint("news", __name__, url_prefix="/api/v1/news", description="News items")
WRITERS = ("editor", "admin")


class NewsIn(Schema):
    """A new news item."""

    title = localized_text(required=True, max_length=300)
    body = localized_text(required=True, max_length=100_000)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), load_default=list, validate=validate.Length(max=20)
    )
    publish = fields.Boolean(load_default=False, metadata={"description": "publish at once"})


class NewsOut(Schema):
    """A news item."""

    id = fields.Integer()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    body = fields.Dict(keys=fields.String(), values=fields.String())
    tags = fields.List(fields.String())
    status = fields.String()
    created_at = UtcTimestamp()
    published_at = UtcTimestamp(allow_none=True)


class PageArgs(Schema):
    """Offset pagination."""

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class NewsPage(Schema):
    """A page of news items."""

    items = fields.List(fields.Nested(NewsOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


@blp.route("")
class NewsCollection(MethodView):
    """Published news, newest first."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, NewsPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List published news."""
        with db.read() as session:
            items, total = published_news(session, **args)
            return {"items": items, "total": total, **args}

    @blp.arguments(NewsIn)
    @blp.response(201, NewsOut)
    def post(self, body: dict[str, Any]) -> NewsItem:
        """Write a news item (editors and admins); `publish: true` publishes it at once."""
        caller = require_role(*WRITERS)
        with db.write() as session:
            return create_news(session, actor=caller.actor, publish_now=body.pop("publish"), **body)


@blp.route("/<int:news_id>")
class NewsResource(MethodView):
    """One news item."""

    @blp.response(200, NewsOut)
    def get(self, news_id: int) -> NewsItem:
        """Read a news item (drafts only for editors and admins)."""
        include_drafts = current_caller().principal.role in WRITERS
        with db.read() as session:
            return get_news(session, news_id, include_drafts=include_drafts)


@blp.route("/<int:news_id>/publish")
class NewsPublication(MethodView):
    """Publishing a draft."""

    @blp.response(200, NewsOut)
    def post(self, news_id: int) -> NewsItem:
        """Publish a draft now."""
        caller = require_role(*WRITERS)
        with db.write() as session:
            return publish_news(session, get_news(session, news_id, include_drafts=True), actor=caller.actor)
