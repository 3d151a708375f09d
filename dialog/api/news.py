"""News API: everyone reads published news; editors write, schedule, publish, update and retract."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.api.search import query_field, text_filter
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, roles
from dialog.pagination import PageArgs, offset_page, page_schema, with_offset
from dialog.schemas import Flag, Id, TimeInput
from services.fields import LANGUAGES, UtcTimestamp, localized_text
from services.identity import ADMIN, EDITOR
from services.news import (
    STATUSES,
    NewsItem,
    create_news,
    get_news,
    publish_news,
    published_news,
    retract_news,
    update_news,
)

blp = Blueprint("news", __name__, url_prefix="/api/v1/news", description="News items")


class NewsIn(Schema):
    """A new news item: a draft, scheduled (`publish_at`), or published at once (`publish`)."""

    title = localized_text(required=True, max_length=300)
    body = localized_text(required=True, max_length=100_000)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), load_default=list, validate=validate.Length(max=20)
    )
    space = fields.String(load_default="national", validate=validate.Length(min=1, max=80))
    project_id = Id(allow_none=True, load_default=None)
    publish_at = TimeInput(allow_none=True, load_default=None, metadata={"description": "publish at this time"})
    publish = Flag(load_default=False, metadata={"description": "publish at once"})


class NewsPatch(Schema):
    """Changes to a news item (only the fields given)."""

    title = localized_text(max_length=300)
    body = localized_text(max_length=100_000)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=20))
    space = fields.String(validate=validate.Length(min=1, max=80))
    project_id = Id(allow_none=True)
    publish_at = TimeInput(allow_none=True, metadata={"description": "null turns a scheduled item back into a draft"})


class RetractIn(Schema):
    """Why an item is withdrawn."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class NewsOut(Schema):
    """A news item."""

    id = fields.Integer()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    body = fields.Dict(keys=fields.String(), values=fields.String())
    tags = fields.List(fields.String())
    space = fields.String()
    project_id = Id(allow_none=True)
    status = fields.String()
    created_at = UtcTimestamp()
    publish_at = UtcTimestamp(allow_none=True)
    published_at = UtcTimestamp(allow_none=True)
    updated_at = UtcTimestamp(allow_none=True)
    retracted_at = UtcTimestamp(allow_none=True)
    retraction_reason = fields.String(allow_none=True)


class NewsListArgs(PageArgs):
    """Filters of the news list."""

    q = query_field()
    tag = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "a tag; case and umlauts folded (foerderung finds Förderung)"},
    )
    project_id = Id()
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    space = fields.String(validate=validate.Length(min=1, max=80))
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "editors and admins only"})


NewsPage = page_schema(NewsOut)


@blp.route("")
class NewsCollection(MethodView):
    """Published news, newest first."""

    @blp.arguments(NewsListArgs, location="query")
    @blp.response(200, NewsPage)
    @anyone()
    @errors(403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List published news (search `q`; filter by tag, project, language, space); editors may ask for a status."""
        caller = current_caller()
        with db.read() as session:
            matches = text_filter(session, "news", args, lang=args.get("language"))
            items, total = published_news(session, caller, **with_offset(args), **matches)
            return offset_page(items, total, args)

    @blp.arguments(NewsIn)
    @blp.response(201, NewsOut)
    @roles(EDITOR, ADMIN)
    def post(self, body: dict[str, Any]) -> NewsItem:
        """Write a news item (editors and admins): a draft, scheduled with `publish_at`, or `publish: true`."""
        with db.write() as session:
            return create_news(session, caller=current_caller(), publish_now=body.pop("publish"), **body)


@blp.route("/<int:news_id>")
class NewsResource(MethodView):
    """One news item."""

    @blp.response(200, NewsOut)
    @anyone()
    def get(self, news_id: int) -> NewsItem:
        """Read a news item (unpublished ones only for editors and admins)."""
        with db.read() as session:
            return get_news(session, current_caller(), news_id)

    @blp.arguments(NewsPatch)
    @blp.response(200, NewsOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def patch(self, changes: dict[str, Any], news_id: int) -> NewsItem:
        """Edit an item; a published item's edit is announced as `news.updated`."""
        caller = current_caller()
        with db.write() as session:
            item = get_news(session, caller, news_id)
            return update_news(session, item, caller=caller, changes=changes)


@blp.route("/<int:news_id>/publish")
class NewsPublication(MethodView):
    """Publishing a draft or scheduled item now."""

    @blp.response(200, NewsOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def post(self, news_id: int) -> NewsItem:
        """Publish now (409 for a published or retracted item)."""
        caller = current_caller()
        with db.write() as session:
            return publish_news(session, get_news(session, caller, news_id), caller=caller)


@blp.route("/<int:news_id>/retract")
class NewsRetraction(MethodView):
    """Withdrawing a published item."""

    @blp.arguments(RetractIn)
    @blp.response(200, NewsOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any], news_id: int) -> NewsItem:
        """Retract a published item: `news.retracted`; it can never be published again."""
        caller = current_caller()
        with db.write() as session:
            item = get_news(session, caller, news_id)
            return retract_news(session, item, caller=caller, reason=body["reason"])
