"""The visible registries of the bus: event types with their typed data, and handlers.

A redacted event (events/redaction.py) is the one exception to its type's schema: its `data`
keeps only the fields `EventType.kept` names and gains `"redacted": true`. `EventType.schema`
describes events as published, `EventType.redacted_schema` the redacted form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from events.payload import EventData, description_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from events.envelope import Event

Handler = Callable[["Session", "Event"], None]
ANY_TYPE = "*"
D = TypeVar("D", bound=EventData)
# The key a redacted event's data gains (always `true`).
REDACTED = "redacted"


def is_id_key(key: str) -> bool:
    """Fields every redacted event keeps: `id`, every `*_id`, and `space` (the space's slug)."""
    return key == "id" or key.endswith("_id") or key == "space"


class UnknownEventType(LookupError):
    """Raised when publishing data of a class no event type was declared with."""


@dataclass(frozen=True)
class EventType:
    """A documented event type: `<noun>.<past-tense verb>`, its data class, topics and description.

    `topics` names where it is published: exact topics (`news`) and families (`space.<slug>`).
    """

    name: str
    data: type[EventData]
    topics: tuple[str, ...]
    description: str
    # An access change (a membership ended, a role changed, a token revoked ...): every process's
    # relay re-checks the open subscriptions it affects before delivering anything after it.
    access_change: bool = False
    # Fields besides the ids that a redacted event of this type keeps (times, counts: never text).
    keep: tuple[str, ...] = ()
    # A withdrawal (a post hidden or deleted, news retracted): published in the transaction that
    # redacts earlier events, so that every process's relay knows to drop cached copies of the log.
    withdraws: bool = False

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the type's `data`, titled with the type's name (clients never see classes)."""
        return {**self.data.json_schema(), "title": self.name}

    def kept(self, key: str) -> bool:
        """True if a redacted event of this type keeps the field `key`."""
        return is_id_key(key) or key in self.keep

    def redacted(self, data: dict[str, Any]) -> dict[str, Any]:
        """`data` with only its kept fields, and `"redacted": true`."""
        return {**{k: v for k, v in data.items() if self.kept(k)}, REDACTED: True}

    @property
    def redacted_schema(self) -> dict[str, Any]:
        """The JSON Schema of a redacted event's `data`: the kept fields and `"redacted": true`."""
        schema = self.schema
        kept = {k: v for k, v in schema["properties"].items() if self.kept(k)}
        properties = {**kept, REDACTED: {"const": True}}
        return {
            **schema,
            "title": f"{self.name} (redacted)",
            "description": "Its content was withdrawn; only these fields are kept.",
            "properties": properties,
            "required": list(properties),
        }

    def routes_to(self, topic: str) -> bool:
        """True if `topic` is one of the declared topics or in a declared family (`space.<slug>`)."""
        for declared in self.topics:
            family, placeholder, _ = declared.partition("<")
            if topic == declared or (placeholder and topic.startswith(family) and len(topic) > len(family)):
                return True
        return False


@dataclass
class Registry:
    """Event types and the in-process handlers subscribed to them."""

    types: dict[str, EventType] = field(default_factory=dict)
    handlers: dict[str, list[Handler]] = field(default_factory=dict)
    _by_class: dict[type[EventData], EventType] = field(default_factory=dict)

    def event_type(
        self,
        name: str,
        *,
        topics: tuple[str, ...],
        access_change: bool = False,
        keep: tuple[str, ...] = (),
        withdraws: bool = False,
    ) -> Callable[[type[D]], type[D]]:
        """Class decorator: declare the event type `name` with the data class it decorates.

        The class docstring is the type's description; `topics` documents where it goes;
        `access_change` marks a change of who may read what (see EventType); `keep` names the
        fields besides ids that survive a redaction; `withdraws` marks the event published with
        redactions.
        """
        noun, _, verb = name.partition(".")
        if not noun or not verb:
            raise ValueError(f"event type {name!r} is not <noun>.<verb>")
        if not topics:
            raise ValueError(f"event type {name!r}: name the topics it is published on")

        def declare(cls: type[D]) -> type[D]:
            if not (isinstance(cls, type) and issubclass(cls, EventData)):
                raise TypeError(f"event type {name!r}: {cls!r} is not an EventData class")
            description = description_of(cls)
            if not description:
                raise ValueError(f"event type {name!r}: {cls.__name__} needs a docstring (its description)")
            existing, known = self.types.get(name), self._by_class.get(cls)
            if existing is not None and existing.data is not cls:
                raise ValueError(f"event type {name!r} declared twice")
            if known is not None and known.name != name:
                raise ValueError(f"{cls.__name__} is already the data of {known.name!r}")
            fields = cls.shape().schema["properties"]  # derived now: a field without a JSON form fails at import
            unknown = [key for key in keep if key not in fields]
            if unknown:
                raise ValueError(f"event type {name!r} keeps fields {cls.__name__} does not have: {unknown}")
            spec = EventType(name, cls, tuple(topics), description, access_change, tuple(keep), withdraws)
            self.types[name] = self._by_class[cls] = spec
            return cls

        return declare

    def of(self, data: EventData) -> EventType:
        """The event type declared with `data`'s class."""
        spec = self._by_class.get(type(data))
        if spec is None:
            raise UnknownEventType(type(data).__name__)
        return spec

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

    def withdraws(self, event_type: str) -> bool:
        """True if events of `event_type` come with redactions of earlier events (see EventType.withdraws)."""
        spec = self.types.get(event_type)
        return spec is not None and spec.withdraws

    def handlers_for(self, event_type: str) -> list[Handler]:
        """The handlers of `event_type`, then those of every type."""
        return [*self.handlers.get(event_type, ()), *self.handlers.get(ANY_TYPE, ())]


registry = Registry()
event_type = registry.event_type
