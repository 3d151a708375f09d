"""Marshmallow schemas and fields shared by several blueprints (ids, cursors, topic lists, times)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from events.topics import MAX_ID  # the largest id a row can have: SQLite cannot bind larger numbers

MAX_TOPICS = 100
__all__ = ["MAX_ID", "CursorFields", "Flag", "Id", "QueryFlag", "TimeInput", "TopicList", "flatten_errors"]


def Id(**kwargs: Any) -> fields.Integer:  # noqa: N802  (used like a field class)
    """An integer id of a stored thing: 1 .. 2^63-1."""
    kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID, error="an id between 1 and 2^63-1"))
    return fields.Integer(**kwargs)


class Flag(fields.Boolean):
    """A boolean in a JSON body: `true` or `false` only.

    Marshmallow's Boolean also takes 0, 1, "true", "on", "yes" and friends; a client sending those
    has a bug we would hide, and `1 in {True}` holds in Python, so the type itself is checked.
    """

    default_error_messages = {"invalid": "true or false (a JSON boolean)"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if type(value) is not bool:
            raise self.make_error("invalid")
        return value


class QueryFlag(fields.Boolean):
    """A boolean in a query string: `true` or `false` exactly."""

    default_error_messages = {"invalid": "true or false"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise self.make_error("invalid")
        return bool(value == "true")


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

    since = fields.Integer(
        strict=False, validate=validate.Range(min=0, max=MAX_ID, error="an event id between 0 and 2^63-1")
    )
    epoch = fields.String(validate=validate.Length(min=1, max=32))


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested error messages as `{"dotted.field.path": ["problem", ...]}`.

    Nested schemas, dict keys and list indexes become path segments (`title.fr`, `tags.0`);
    `_schema` names the value as a whole (a body that is not an object, say).
    """
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    problems = messages if isinstance(messages, list) else [messages]
    texts = [str(p) for p in problems if not isinstance(p, dict | list)]
    flat = {prefix or "_schema": texts} if texts else {}
    for nested in (p for p in problems if isinstance(p, dict | list)):
        flat.update(flatten_errors(nested, prefix))
    return flat


class TimeInput(fields.AwareDateTime):
    """A time with its offset (`2021-03-14T23:59:00+01:00` or `...Z`), loaded as naive UTC."""

    default_error_messages = {
        "invalid": "not a time like 2021-03-14T23:59:00+01:00 or 2021-03-14T22:59:00Z",
        "invalid_awareness": "give the time zone: 2021-03-14T23:59:00+01:00 or 2021-03-14T22:59:00Z",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from services.clock import to_utc

        return to_utc(super()._deserialize(value, attr, data, **kwargs))
