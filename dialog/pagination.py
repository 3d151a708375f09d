"""One list envelope for every list: `{"items", "next", "total"}`, paged with `?limit=&cursor=`.

A cursor is opaque to clients: the `next` of the previous page, passed back as `?cursor=`.
Inside it is a position in that list: an offset for lists sorted by several columns, or the
last id seen for lists paged by id (posts, the inbox, webhook deliveries).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, fields, validate

from dialog.schemas import MAX_ID

_POSITION = re.compile(r"^p([0-9]{1,19})$")
_PAGE_SCHEMAS: dict[str, type[Schema]] = {}


def encode_cursor(position: int) -> str:
    """The opaque cursor naming `position` of a list."""
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, maximum: int = MAX_ID) -> int:
    """The position a cursor names; ValueError for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(cursor) from exc
    match = _POSITION.match(raw)
    if match is None or int(match.group(1)) > maximum:
        raise ValueError(cursor)
    return int(match.group(1))


class Cursor(fields.String):
    """`?cursor=`: the `next` of the previous page, loaded as the position it names."""

    default_error_messages = {"invalid_cursor": "not a cursor of this list: pass the `next` of the previous page"}

    def __init__(self, *, maximum: int = MAX_ID, **kwargs: Any) -> None:
        # Lengths are checked by decoding (a validator would see the decoded int); documented here.
        description = "the `next` of the previous page (opaque)"
        kwargs.setdefault("metadata", {"description": description, "minLength": 1, "maxLength": 40})
        super().__init__(**kwargs)
        self.maximum = maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:  # type: ignore[override]
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            if len(text) > 40:
                raise ValueError(text)
            return decode_cursor(text, self.maximum)
        except ValueError as exc:
            raise self.make_error("invalid_cursor") from exc


def _limit(default: int, maximum: int) -> fields.Integer:
    return fields.Integer(
        load_default=default,
        validate=validate.Range(min=1, max=maximum),
        metadata={"description": f"items per page (default {default}, at most {maximum})"},
    )


class PageArgs(Schema):
    """`?limit=` and `?cursor=`: the one way every list pages."""

    limit = _limit(20, 100)
    cursor = Cursor(load_default=None)


def page_args(default: int, maximum: int) -> type[PageArgs]:
    """PageArgs with another default and maximum page size (subclass it to add filters)."""
    return type(f"PageArgs{default}x{maximum}", (PageArgs,), {"limit": _limit(default, maximum)})


def page_schema(item: type[Schema] | Schema, name: str | None = None) -> type[Schema]:
    """The schema of a page of `item`s (one class per item schema, so OpenAPI names it once)."""
    item_class = item if isinstance(item, type) else type(item)
    name = name or item_class.__name__.removesuffix("Out") + "Page"
    if name not in _PAGE_SCHEMAS:
        _PAGE_SCHEMAS[name] = type(
            name,
            (Schema,),
            {
                "__doc__": f"A page of {item_class.__name__.removesuffix('Out')} items.",
                "items": fields.List(fields.Nested(item), required=True),
                "next": fields.String(
                    required=True,
                    allow_none=True,
                    metadata={"description": "pass as `cursor` for the next page; null: this is the last page"},
                ),
                "total": fields.Integer(required=True, metadata={"description": "items in the whole list"}),
            },
        )
    return _PAGE_SCHEMAS[name]


def offset_page(items: Sequence[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    """A page of a list paged by position (`args["offset"]` from `offset_of`)."""
    end = offset_of(args) + len(items)
    return {"items": list(items), "next": encode_cursor(end) if items and end < total else None, "total": total}


def offset_of(args: dict[str, Any]) -> int:
    """The offset the request's cursor names (0: the first page)."""
    position: int | None = args.get("cursor")
    return position or 0


def keyset_page(items: Sequence[Any], next_key: int | None, total: int) -> dict[str, Any]:
    """A page of a list paged by id: `next_key` is the last id of this page if more follow."""
    return {"items": list(items), "next": None if next_key is None else encode_cursor(next_key), "total": total}


def list_page(items: Sequence[Any], args: dict[str, Any]) -> dict[str, Any]:
    """A page of a short list the service returns whole (tokens, countries, follows ...)."""
    start = offset_of(args)
    return offset_page(items[start : start + args["limit"]], len(items), args)


def with_offset(args: dict[str, Any]) -> dict[str, Any]:
    """The request's arguments for a service that pages by offset: `cursor` becomes `offset`."""
    rest = {key: value for key, value in args.items() if key != "cursor"}
    return {**rest, "offset": offset_of(args)}
