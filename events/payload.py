"""The typed data of an event: one frozen dataclass per event type, and what is derived from it.

A subclass of `EventData` is a frozen, keyword-only dataclass (no decorator needed; mypy knows
through `dataclass_transform`), so a publish with a missing, misspelt or mistyped field fails
the type check instead of a runtime validation. From the class's fields come:

- `to_data()`: the JSON `data` of the envelope, keys in field order; datetimes become UTC ISO
  8601 strings with `Z`, tuples become lists and mappings become plain dicts;
- `json_schema()`: the JSON Schema (draft 2020-12) of that `data`, with the class docstring
  and the fields' `described(...)` texts as descriptions, for the docs and the tests.

Field types with a JSON form: `bool`, `int`, `float`, `str`, `datetime`, `Literal[...]`,
`X | None`, `tuple[X, ...]`, `Mapping[str, X]`, `Any`, and `Annotated[X, Constraints(...)]` to
add JSON Schema keywords. Immutable containers only (the data is frozen once published);
anything else is refused when the type is registered.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Union,
    cast,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

from events.envelope import isoformat_z

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DESCRIPTION = "description"
# What isoformat_z writes: whole seconds, UTC, `Z`.
UTC_TIMESTAMP = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"}
_SCALARS: dict[Any, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
}
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}

Convert = Callable[[Any], Any]


def described(text: str) -> Any:
    """A required field with a description for the documented schema."""
    return dataclasses.field(metadata={DESCRIPTION: text})


@dataclasses.dataclass(frozen=True)
class Constraints:
    """Extra JSON Schema keywords for a field type: `Annotated[str, Constraints(minLength=1)]`."""

    keywords: dict[str, Any]

    def __init__(self, **keywords: Any) -> None:
        object.__setattr__(self, "keywords", keywords)


@dataclasses.dataclass(frozen=True)
class Shape:
    """What a class's fields give: the `data` schema and how each field becomes JSON."""

    schema: dict[str, Any]
    plan: tuple[tuple[str, Convert | None], ...]


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field, described))
class EventData:
    """Base of the typed data of events; each subclass is a frozen keyword-only dataclass."""

    _own_doc: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Before dataclass() writes a generated signature into a missing docstring.
        cls._own_doc = cls.__dict__.get("__doc__")
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    @classmethod
    def shape(cls) -> Shape:
        """The derived schema and JSON plan of this class (computed once)."""
        shape = cls.__dict__.get("_shape")
        if shape is None:
            shape = derive(cls)
            # Read from the class's own __dict__ above, so a subclass never takes its base's shape.
            cls._shape = shape  # type: ignore[attr-defined]
        return shape

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of `to_data()`'s output."""
        return cls.shape().schema

    def to_data(self) -> dict[str, Any]:
        """The event's `data` as clients get it (JSON primitives only)."""
        data: dict[str, Any] = {}
        for name, convert in self.shape().plan:
            value = getattr(self, name)
            data[name] = value if convert is None else convert(value)
        return data


def field_values(data: EventData) -> dict[str, Any]:
    """`data`'s fields by name, as they are: to build a subclass's data from a base's (`**`)."""
    return {field.name: getattr(data, field.name) for field in dataclasses.fields(cast(Any, data))}


def description_of(cls: type[EventData]) -> str:
    """The class's own docstring, cleaned; empty if it has none."""
    return inspect.cleandoc(cls._own_doc) if cls._own_doc else ""


def derive(cls: type[EventData]) -> Shape:
    """Build the JSON Schema and the conversion plan of `cls` from its type hints."""
    hints = get_type_hints(cls, include_extras=True)
    properties: dict[str, Any] = {}
    plan: list[tuple[str, Convert | None]] = []
    for field in dataclasses.fields(cast(Any, cls)):  # every subclass is a dataclass (see EventData)
        try:
            schema, convert = _of_type(hints[field.name])
        except TypeError as exc:
            raise TypeError(f"{cls.__name__}.{field.name}: {exc}") from None
        if DESCRIPTION in field.metadata:
            schema = {DESCRIPTION: field.metadata[DESCRIPTION], **schema}
        properties[field.name] = schema
        plan.append((field.name, convert))
    schema = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": cls.__name__,
        DESCRIPTION: description_of(cls),
        "type": "object",
        "properties": properties,
        # Every field is always sent, null where its type allows.
        "required": list(properties),
        "additionalProperties": False,
    }
    return Shape(schema, tuple(plan))


def _of_type(tp: Any) -> tuple[dict[str, Any], Convert | None]:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        schema, convert = _of_type(args[0])
        for extra in args[1:]:
            if isinstance(extra, Constraints):
                schema = {**schema, **extra.keywords}
        return schema, convert
    if origin in (Union, types.UnionType):
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            raise TypeError(f"{tp} has no JSON form (only `X | None` unions)")
        schema, convert = _of_type(others[0])
        return _nullable(schema), None if convert is None else _none_or(convert)
    if origin is Literal:
        kinds = {_JSON_TYPES.get(type(a)) for a in args}
        if None in kinds or len(kinds) != 1:
            raise TypeError(f"{tp}: literals of one JSON type only")
        return {"type": kinds.pop(), "enum": list(args)}, None
    if origin is tuple:  # immutable, and unlike Sequence[str] it does not accept a str
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"{tp}: use tuple[X, ...]")
        items, convert = _of_type(args[0])
        return {"type": "array", "items": items}, list if convert is None else _each(convert)
    if origin is Mapping:
        if args[0] is not str:
            raise TypeError(f"{tp}: JSON objects have string keys")
        values, convert = _of_type(args[1])
        return {"type": "object", "additionalProperties": values}, dict if convert is None else _each_value(convert)
    if tp is Any:
        return {}, None
    if tp is datetime:
        return dict(UTC_TIMESTAMP), isoformat_z
    if tp in _SCALARS:
        return dict(_SCALARS[tp]), None
    raise TypeError(f"{tp!r} has no JSON form")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        nullable = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            nullable["enum"] = [*schema["enum"], None]
        return nullable
    return {"anyOf": [schema, {"type": "null"}]}


def _none_or(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _each(convert: Convert) -> Convert:
    return lambda values: [convert(v) for v in values]


def _each_value(convert: Convert) -> Convert:
    return lambda values: {k: convert(v) for k, v in values.items()}
