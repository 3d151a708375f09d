"""Search API: one search over news, calls, projects, threads and posts, showing only what the caller may read."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session

from dialog.auth import current_caller
from dialog.extensions import db
from services.search import KINDS, LANGUAGES, MAX_QUERY_CHARS, Hit, matching_ids, search

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Full-text search")

# Where each kind of hit is read, and the name of its id there.
_ENDPOINTS = {
    "news": ("news.NewsResource", "news_id"),
    "calls": ("calls.CallResource", "call_id"),
    "projects": ("projects.ProjectResource", "project_id"),
    "threads": ("forum.OneThread", "thread_id"),
    "posts": ("forum.OnePost", "post_id"),
}
_POSITION = re.compile(r"^p([0-9]{1,9})$")
MAX_LIMIT = 50


def encode_cursor(position: int) -> str:
    """The opaque cursor naming `position` in the hit list."""
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor names; ValueError for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(cursor) from exc
    found = _POSITION.match(raw)
    if found is None:
        raise ValueError(cursor)
    return int(found.group(1))


class Cursor(fields.String):
    """`?cursor=`: the `next` of the previous page, loaded as the position it names."""

    default_error_messages = {"invalid_cursor": "not a cursor of this search: pass the `next` of the previous page"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            if len(text) > 40:
                raise ValueError(text)
            return decode_cursor(text)
        except ValueError as exc:
            raise self.make_error("invalid_cursor") from exc


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


class SearchArgs(Schema):
    """What to search for, where, and which page."""

    q = query_field(required=True)
    kind = KindList(metadata={"description": f"any of {', '.join(KINDS)}, comma-separated"})
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={"description": "only hits in this language"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = Cursor(load_default=None, metadata={"description": "the `next` of the previous page (opaque)"})


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


class SearchPage(Schema):
    """A page of hits, best first."""

    items = fields.List(fields.Nested(HitOut), required=True)
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "pass as `cursor` for the next page; null: last page"}
    )
    total = fields.Integer(required=True, metadata={"description": "hits in the whole result"})


def _url_of(hit: Hit) -> str:
    endpoint, key = _ENDPOINTS[hit.kind]
    values: dict[str, Any] = {key: hit.id}
    return url_for(endpoint, **values)


@blp.route("")
class Search(MethodView):
    """Search."""

    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Ranked hits for `q` in news, calls, projects, and the threads and posts of spaces you may read."""
        offset = args["cursor"] or 0
        with db.read() as session:
            hits, total = search(
                session,
                current_caller(),
                q=args["q"],
                kinds=args.get("kind"),
                lang=args.get("lang"),
                limit=args["limit"],
                offset=offset,
            )
        end = offset + len(hits)
        return {"items": hits, "next": encode_cursor(end) if hits and end < total else None, "total": total}
