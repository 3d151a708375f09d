"""The `/live` protocol: message names and schemas, acks, rooms, and the rules of dispatch."""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError
from marshmallow import Schema, ValidationError, fields, validate

from dialog import problem_texts
from dialog.schemas import CursorFields, TopicList
from events.topics import MAX_ID

NAMESPACE = "/live"

# Event names a Socket.IO client library keeps for itself: a client that sends one as a message
# is answered with an error, never dispatched (a `connect` message must not re-run the login).
RESERVED = frozenset({"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"})


def room_of(topic: str) -> str:
    """The Socket.IO room whose members follow `topic` live."""
    return "topic:" + topic


def error_ack(code: str, message: str) -> dict[str, Any]:
    """The ack of a message that could not be carried out, its message in the connection's language."""
    return {"ok": False, "error": {"code": code, "message": problem_texts.translate(message)}}


def refusal(code: str, message: str, data: Any = None) -> ConnectionRefusedError:
    """A refused connect: `code: message`, the message in the connecting request's language."""
    text = f"{code}: {problem_texts.translate(message)}"
    return ConnectionRefusedError(text) if data is None else ConnectionRefusedError(text, data)


def revoked_message(topics: list[str], reason: str) -> dict[str, Any]:
    """The `revoked` message: access to `topics` ended, and why."""
    return {"topics": sorted(topics), "reason": reason}


class Rejected(Exception):
    """Raised by a handler to answer its message with an error ack (the connection stays up)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


UNAVAILABLE = ("unavailable", "the database is not reachable right now; retry shortly")
INTERNAL = ("internal_error", "the server failed to carry out this message; it has been logged")


class SubscribeMessage(CursorFields):
    """The `subscribe` message: topics, and optionally the cursor to resume after."""

    topics = TopicList(required=True)


class UnsubscribeMessage(Schema):
    """The `unsubscribe` message."""

    topics = TopicList(required=True)


class TypingMessage(Schema):
    """The `typing` message."""

    thread_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID, error="not a thread id")
    )


class PresenceMessage(Schema):
    """The `view` and `leave` messages: a space or thread topic."""

    topic = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^(space\.[a-z0-9-]{1,60}|thread\.[1-9][0-9]{0,17})$", error="a space.<slug> or thread.<id>"
        ),
    )


# Every message a client may send, with the schema of its one argument.
MESSAGES: dict[str, type[Schema]] = {
    "subscribe": SubscribeMessage,
    "unsubscribe": UnsubscribeMessage,
    "typing": TypingMessage,
    "view": PresenceMessage,
    "leave": PresenceMessage,
}
_schemas: dict[str, Schema] = {}


def check_name(name: Any) -> None:
    """Raise Rejected unless `name` is a message clients may send."""
    if name in RESERVED:
        raise Rejected("reserved_message", f"{name!r} is reserved by Socket.IO and cannot be sent as a message")
    if name not in MESSAGES:
        raise Rejected("unknown_message", f"there is no message {name!r} in {NAMESPACE}")


def load(name: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """The one argument of message `name`, loaded with its schema; Rejected if malformed."""
    if len(args) > 1:
        raise Rejected("invalid_message", f"{name} takes one argument, an object; got {len(args)}")
    data = args[0] if args else None
    if not isinstance(data, dict):
        raise Rejected("invalid_message", f'{name} takes an object, like {{"topics": ["news"]}}')
    schema = _schemas.get(name)
    if schema is None:
        schema = _schemas[name] = MESSAGES[name]()
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        raise Rejected("invalid_message", first_error(exc.normalized_messages())) from exc
    return loaded


def first_error(errors: dict[str, Any]) -> str:
    """A one-line summary of marshmallow errors, for error acks."""
    field, problems = next(iter(errors.items()))
    text = problems[0] if isinstance(problems, list) and problems else problems
    return f"{field}: {problem_texts.translate(text) if isinstance(text, str) else text}"
