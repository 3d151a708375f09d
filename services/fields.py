"""Field types shared by the services: typed event fields, and marshmallow fields of the API schemas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, TypeGuard, TypeVar, get_args

from marshmallow import fields, validate

from events import Constraints

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
# Text in one or more languages, `{"de": "...", "en": "..."}`, in event data.
LocalizedText = Annotated[
    Mapping[str, str],
    Constraints(
        propertyNames={"enum": list(LANGUAGES)},
        additionalProperties={"type": "string", "minLength": 1},
        minProperties=1,
    ),
]
# The same, where a text may be empty: the excerpt of a body that is only images has no text.
LocalizedExcerpt = Annotated[
    Mapping[str, str],
    Constraints(propertyNames={"enum": list(LANGUAGES)}, additionalProperties={"type": "string"}, minProperties=1),
]
S = TypeVar("S", bound=str)


def is_one_of(value: str, options: tuple[S, ...]) -> TypeGuard[S]:
    """True if `value` is one of `options` (narrowing a str to their Literal type)."""
    return value in options


def localized_text(*, max_length: int | None = None, **kwargs: Any) -> fields.Dict:
    """Text in one or more languages: `{"de": "...", "en": "..."}`, at least one non-empty."""
    value_rules = [validate.Length(min=1, max=max_length)]
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(LANGUAGES, error="unknown language {input!r}")),
        values=fields.String(validate=value_rules),
        validate=validate.Length(min=1, error="give the text in at least one language"),
        **kwargs,
    )


class UtcTimestamp(fields.Field):
    """A UTC time on the wire as ISO 8601 with `Z` (`2021-03-14T22:59:59Z`)."""

    default_error_messages = {"invalid": "not a UTC time like 2021-03-14T22:59:59Z"}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        from events.envelope import isoformat_z

        return isoformat_z(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or not value.endswith("Z"):
            raise self.make_error("invalid")
        try:
            datetime.fromisoformat(value[:-1])
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        return value
