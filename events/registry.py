"""The visible registries of the bus: event types with their data schemas, and handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marshmallow import Schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from events.envelope import Event

Handler = Callable[["Session", "Event"], None]
ANY_TYPE = "*"


class UnknownEventType(LookupError):
    """Raised when publishing a type nobody registered."""


class InvalidEventData(ValueError):
    """Raised when an event's data does not match its type's schema."""

    def __init__(self, event_type: str, errors: dict[str, Any]) -> None:
        super().__init__(f"{event_type}: {errors}")
        self.errors = errors


@dataclass(frozen=True)
class EventType:
    """A documented event type: `<noun>.<past-tense verb>`, its topic family and data schema."""

    name: str
    schema: type[Schema]
    description: str = ""
    # An access change (a membership ended, a role changed, a token revoked ...): every process's
    # relay re-checks the open subscriptions it affects before delivering anything after it.
    access_change: bool = False


@dataclass
class Registry:
    """Event types and the in-process handlers subscribed to them."""

    types: dict[str, EventType] = field(default_factory=dict)
    handlers: dict[str, list[Handler]] = field(default_factory=dict)
    # One schema instance per type: building a marshmallow Schema costs more than validating.
    _schemas: dict[str, Schema] = field(default_factory=dict)

    def event_type(
        self, name: str, schema: type[Schema], description: str = "", *, access_change: bool = False
    ) -> None:
        """Declare an event type and its data schema (each type declared once)."""
        noun, _, verb = name.partition(".")
        if not noun or not verb:
            raise ValueError(f"event type {name!r} is not <noun>.<verb>")
        existing = self.types.get(name)
        if existing is not None and existing.schema is not schema:
            raise ValueError(f"event type {name!r} declared twice")
        self.types[name] = EventType(name, schema, description, access_change)

    def handler(self, event_type: str) -> Callable[[Handler], Handler]:
        """Decorator: run `fn(session, event)` in the publishing transaction for `event_type`.

        `event_type` may name a type no loaded service declares yet (it simply never fires), or
        be `"*"` for every event (for reactions that depend on topics rather than types).
        """

        def register(fn: Handler) -> Handler:
            bucket = self.handlers.setdefault(event_type, [])
            if fn not in bucket:
                bucket.append(fn)
            return fn

        return register

    def is_access_change(self, event_type: str) -> bool:
        """True if events of `event_type` change who may read what (see EventType.access_change)."""
        spec = self.types.get(event_type)
        return spec is not None and spec.access_change

    def handlers_for(self, event_type: str) -> list[Handler]:
        """The handlers of `event_type`, then those of every type."""
        return [*self.handlers.get(event_type, ()), *self.handlers.get(ANY_TYPE, ())]

    def validate(self, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Check `data` (JSON primitives, exactly as clients will see it) against its schema."""
        spec = self.types.get(event_type)
        if spec is None:
            raise UnknownEventType(event_type)
        schema = self._schemas.get(event_type)
        if schema is None or not isinstance(schema, spec.schema):
            schema = self._schemas[event_type] = spec.schema()
        errors = schema.validate(data)
        if errors:
            raise InvalidEventData(event_type, errors)
        return data


registry = Registry()
