"""Search API: one search over news, calls, projects, threads and posts, showing only what the caller may read."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone
from dialog.pagination import Cursor, offset_of, offset_page, page_args, page_schema
from services.search import CANDIDATES, KINDS, LANGUAGES, MAX_QUERY_CHARS, Hit, matching_ids, search

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Full-text search")

# Where each kind of hit is read, and the name of its id there.
_ENDPOINTS = {
    "news": ("news.NewsResource", "news_id"),
    "calls": ("calls.CallResource", "call_id"),
    "projects": ("projects.ProjectResource", "project_id"),
    "threads": ("forum.OneThread", "thread_id"),
    "posts": ("forum.OnePost", "post_id"),
}
MAX_LIMIT = 50
# A search ranks its matches before paging: positions stay below a billion.
MAX_POSITION = 10**9 - 1


class KindList(fields.String):
    """`?kind=news,posts`: one or more kinds, comma-separated (the service names unknown ones)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        chosen = [k.strip() for k in text.split(",") if k.strip()]
        if not chosen or len(text) > 100:
            raise ValidationError(f"one or more of {', '.join(KINDS)}, comma-separated")
        return chosen


def query_field(**kwargs: Any) -> fields.String:
    """`?q=`: words, each a literal term (stemmed, umlauts folded), all of which must match."""
    return fields.String(
        validate=validate.Length(min=1, max=MAX_QUERY_CHARS),
        metadata={"description": "words, each matched as a literal term (stemmed, umlauts folded); all must match"},
        **kwargs,
    )


def text_filter(session: Session, kind: str, args: dict[str, Any], *, lang: str | None = None) -> dict[str, Any]:
    """Take `q` out of a list's arguments: `{"ids": <its matches>}` for the list query, `{}` without one."""
    q = args.pop("q", None)
    return {"ids": matching_ids(session, kind, q, lang=lang)} if q is not None else {}


class SearchArgs(page_args(20, MAX_LIMIT)):  # type: ignore[misc]
    """What to search for, where, and which page."""

    q = query_field(required=True)
    kind = KindList(metadata={"description": f"any of {', '.join(KINDS)}, comma-separated"})
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={"description": "only hits in this language"})
    cursor = Cursor(load_default=None, maximum=MAX_POSITION)


class HitOut(Schema):
    """One hit: `snippet` is escaped HTML with the matching words in `<mark>`; `url` reads the item."""

    kind = fields.String()
    id = fields.Integer()
    title = fields.String()
    snippet = fields.String()
    language = fields.String()
    score = fields.Float(metadata={"description": "higher is better; comparable within one search only"})
    ref = fields.Dict(
        metadata={"description": "ids to find the item: news_id, call_id, project_id, space, thread_id, post_id"}
    )
    url = fields.Function(lambda hit: _url_of(hit))


class SearchPage(page_schema(HitOut, "SearchPage")):  # type: ignore[misc]
    """A page of hits, with `total_is_lower_bound` beside the list's fields."""

    total_is_lower_bound = fields.Boolean(
        required=True,
        metadata={
            "description": f"true: more matched than the {CANDIDATES} newest a search ranks; `total` is then"
            f" {CANDIDATES} (show it as {CANDIDATES}+) and the pages end there"
        },
    )


def _url_of(hit: Hit) -> str:
    endpoint, key = _ENDPOINTS[hit.kind]
    values: dict[str, Any] = {key: hit.id}
    return url_for(endpoint, **values)


@blp.route("")
class Search(MethodView):
    """Search."""

    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchPage)
    @anyone()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Ranked hits for `q` in news, calls, projects, and the threads and posts of spaces you may read."""
        offset = offset_of(args)
        with db.read() as session:
            found = search(
                session,
                current_caller(),
                q=args["q"],
                kinds=args.get("kind"),
                lang=args.get("lang"),
                limit=args["limit"],
                offset=offset,
            )
        return {**offset_page(found.hits, found.total, args), "total_is_lower_bound": found.total_is_lower_bound}
