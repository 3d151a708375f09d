"""The event bus: the event log (transactional outbox), commit-order cursors, handlers, relay."""

from events.caller import ANONYMOUS, Caller, system
from events.db import Base, Database
from events.envelope import Event, isoformat_z, utcnow
from events.log import CursorCheck, LogState, check_cursor, init_log, log_state, prune, read_page
from events.models import event_ids_on
from events.outbox import on_commit, on_redaction, once_after_handlers, publish
from events.payload import Constraints, EventData, described, field_values
from events.redaction import acted_by, forget_actor, redact
from events.registry import EventType, UnknownEventType, event_type, registry
from events.relay import CatchUp, Relay
from events.streams import Listener, PullResult, StreamHub, follow_stream, pull
from events.topics import policy

__all__ = [
    "ANONYMOUS",
    "Base",
    "Caller",
    "CatchUp",
    "Constraints",
    "CursorCheck",
    "Database",
    "Event",
    "EventData",
    "EventType",
    "Listener",
    "LogState",
    "PullResult",
    "Relay",
    "StreamHub",
    "UnknownEventType",
    "acted_by",
    "check_cursor",
    "described",
    "event_ids_on",
    "event_type",
    "field_values",
    "follow_stream",
    "forget_actor",
    "init_log",
    "isoformat_z",
    "log_state",
    "on_commit",
    "on_redaction",
    "once_after_handlers",
    "policy",
    "prune",
    "publish",
    "pull",
    "read_page",
    "redact",
    "system",
    "registry",
    "utcnow",
]
