"""The event stream over plain HTTP: the log's state, long-poll pages, and SSE."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.realtime import realtime_of
from dialog.schemas import CursorFields, TopicList
from events import CursorCheck, check_cursor, follow_stream, log_state, policy, pull
from events.log import EncodedEvent
from events.streams import REPLAYED
from services.errors import InvalidInput, PermissionDenied

blp = Blueprint("stream", __name__, url_prefix="/api/v1", description="The event stream: pull, long-poll, SSE")


class LogStateOut(Schema):
    """Where the event log stands."""

    epoch = fields.String()
    head = fields.Integer()
    earliest = fields.Integer()


class StreamArgs(CursorFields):
    """Topics (comma-separated) and an optional cursor."""

    topics = TopicList(
        required=True, comma_separated=True, metadata={"description": "comma-separated, e.g. news,calls"}
    )


class PullArgs(StreamArgs):
    """Long-poll arguments."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    wait = fields.Float(load_default=0, validate=validate.Range(min=0, max=60), metadata={"description": "seconds"})


class DeniedTopic(Schema):
    """A topic that was refused, and why."""

    topic = fields.String()
    reason = fields.String()


class EventPage(Schema):
    """A page of envelopes and the cursor to ask with next."""

    events = fields.List(fields.Dict())
    next = fields.Integer(metadata={"description": "pass as `since` on the next request"})
    head = fields.Integer()
    epoch = fields.String()
    recovered = fields.Boolean()
    earliest = fields.Integer()
    reason = fields.String()
    topics = fields.List(fields.String())
    denied = fields.List(fields.Nested(DeniedTopic))


def _grant(topics: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    granted, denied = policy.authorize(current_caller(), topics)
    if not granted:
        raise PermissionDenied("none of the topics may be followed", details={"denied": denied})
    return granted, denied


def _cursor_fields(check: CursorCheck) -> dict[str, Any]:
    extra: dict[str, Any] = {"recovered": check.recovered, "head": check.state.head, "epoch": check.state.epoch}
    if not check.recovered:
        extra.update(earliest=check.state.earliest, reason=check.reason)
    return extra


@blp.route("/log")
class LogState(MethodView):
    """The log's epoch and head: the cursor to start from after loading state over REST."""

    @blp.response(200, LogStateOut)
    def get(self) -> dict[str, Any]:
        """Epoch, newest id and earliest id still kept."""
        with db.read() as session:
            state = log_state(session)
        return {"epoch": state.epoch, "head": state.head, "earliest": state.earliest}


@blp.route("/events")
class EventPull(MethodView):
    """Pull with a cursor; with `wait`, a long-poll."""

    @blp.arguments(PullArgs, location="query")
    @blp.response(200, EventPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Events after `since` on `topics`, oldest first; `recovered: false` means reload over REST."""
        granted, denied = _grant(args["topics"])
        wait = min(args["wait"], current_app.config["LONGPOLL_MAX_WAIT"])
        relay = realtime_of(current_app).relay
        result = pull(
            db, relay, granted, since=args.get("since"), epoch=args.get("epoch"), limit=args["limit"], wait=wait
        )
        return {
            "events": [event.envelope() for event in result.events],
            "next": result.next,
            "topics": granted,
            "denied": denied,
            **_cursor_fields(result.check),
        }


def _last_event_id() -> int | None:
    raw = request.headers.get("Last-Event-ID")
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit():
        raise InvalidInput("Last-Event-ID", "must be the id of the last event received (a whole number)")
    return int(raw)


def _frame(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@blp.route("/stream")
class EventStream(MethodView):
    """Server-sent events."""

    @blp.arguments(StreamArgs, location="query")
    @blp.response(200, content_type="text/event-stream")
    def get(self, args: dict[str, Any]) -> Response:
        """SSE: `id:`/`event:`/`data:` frames, a heartbeat comment every 15 s, `reset` if not recovered.

        The cursor is `Last-Event-ID` (sent by browsers on reconnect) or `?since=`.
        """
        granted, denied = _grant(args["topics"])
        since = _last_event_id()
        since = args.get("since") if since is None else since
        with db.read() as session:
            check = check_cursor(session, since, args.get("epoch"))
        realtime = realtime_of(current_app)
        heartbeat = current_app.config["SSE_HEARTBEAT_SECONDS"]

        def frames() -> Iterator[str]:
            yield "retry: 3000\n\n"
            yield _frame("subscribed", {"topics": granted, "denied": denied, **_cursor_fields(check)})
            if not check.recovered:
                yield _frame("reset", _cursor_fields(check))
            # Replayed frames go out in chunks (one write for up to 200 events); live ones at once.
            chunk: list[str] = []
            stream = follow_stream(
                realtime.relay, realtime.hub, check.start, granted, heartbeat=heartbeat, mark_replayed=True
            )
            for event in stream:
                if isinstance(event, EncodedEvent):
                    chunk.append(f"id: {event.id}\nevent: {event.type}\ndata: {event.json}\n\n")
                    if len(chunk) < 200:
                        continue
                    event = REPLAYED
                if chunk:
                    yield "".join(chunk)
                    chunk.clear()
                if event is None:
                    yield ": heartbeat\n\n"
                elif event is not REPLAYED:
                    yield _frame(event.type, event.envelope(), event.id)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(frames(), mimetype="text/event-stream", headers=headers)
