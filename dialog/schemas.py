"""Marshmallow schemas shared by several blueprints (cursors and topic lists)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

MAX_TOPICS = 100


class TopicList(fields.Field):
    """Topics as a list, or (with `comma_separated`, for query strings) as `a,b,c`."""

    def __init__(self, *, comma_separated: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.comma_separated = comma_separated

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = value.split(",") if self.comma_separated and isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
            raise ValidationError("a list of topic names")
        topics = [t.strip() for t in items if t.strip()]
        if not topics:
            raise ValidationError("name at least one topic")
        if len(topics) > MAX_TOPICS:
            raise ValidationError(f"at most {MAX_TOPICS} topics")
        if any(len(t) > 120 for t in topics):
            raise ValidationError("a topic name has at most 120 characters")
        return list(dict.fromkeys(topics))


class CursorFields(Schema):
    """`since` and `epoch`, as every transport takes them."""

    since = fields.Integer(strict=False, validate=validate.Range(min=0, error="a cursor is never negative"))
    epoch = fields.String(validate=validate.Length(min=1, max=32))


class PageArgs(Schema):
    """Offset pagination."""

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class TimeInput(fields.AwareDateTime):
    """A time with its offset (`2021-03-14T23:59:00+01:00` or `...Z`), loaded as naive UTC."""

    default_error_messages = {
        "invalid": "not a time like 2021-03-14T23:59:00+01:00 or 2021-03-14T22:59:00Z",
        "invalid_awareness": "give the time zone: 2021-03-14T23:59:00+01:00 or 2021-03-14T22:59:00Z",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from services.clock import to_utc

        return to_utc(super()._deserialize(value, attr, data, **kwargs))


def page(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    """The body of a page of a list: items, total, limit, offset."""
    return {"items": items, "total": total, "limit": args["limit"], "offset": args["offset"]}
