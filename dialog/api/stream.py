"""The event stream over plain HTTP: the log's state, long-poll pages, and SSE.

Access follows every change here too: an SSE stream is registered with its caller and topics
for as long as it runs, and an access change that takes topics from it (or ends the caller's
session) sends an `event: revoked` frame and ends the stream. A long-poll checks access again
after reading each page, so a wait that spans a change returns nothing published after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog import ratelimit
from dialog.auth import current_caller, refresh_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors
from dialog.realtime import Realtime, realtime_of
from dialog.realtime.access import grant_stably
from dialog.schemas import MAX_ID, CursorFields, TopicList
from events import Caller, CursorCheck, check_cursor, follow_stream, log_state, policy, pull
from events.access import Revocation
from events.log import EncodedEvent
from events.streams import REPLAYED, Follower
from services.errors import AuthenticationFailed, InvalidInput, PermissionDenied

LAST_EVENT_ID = re.compile(r"^[0-9]{1,19}$")
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
    """A page of envelopes (`items`, oldest first) and the event id to ask with next.

    Unlike other lists, the log pages by event id, as on every transport of the stream:
    `next` is an event id, passed back as `since`.
    """

    items = fields.List(fields.Dict(), required=True, metadata={"description": "event envelopes"})
    next = fields.Integer(required=True, metadata={"description": "pass as `since` on the next request"})
    head = fields.Integer(required=True)
    epoch = fields.String(required=True)
    recovered = fields.Boolean(required=True)
    earliest = fields.Integer(metadata={"description": "only when not recovered"})
    reason = fields.String(metadata={"description": "only when not recovered"})
    topics = fields.List(fields.String(), required=True)
    denied = fields.List(fields.Nested(DeniedTopic), required=True)


def _grant(caller: Caller, topics: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    granted, denied = policy.authorize(caller, topics)
    if not granted:
        raise PermissionDenied("none of the topics may be followed", details={"denied": denied})
    return granted, denied


def _still_granted(caller: Caller, topics: list[str]) -> list[str]:
    """The topics `caller` may still read now; 401 if their session ended, 403 if none is left."""
    return _grant(refresh_caller(caller), topics)[0]


def _follower(realtime: Realtime, caller: Caller, topics: list[str], version: int) -> Follower:
    """Register an SSE stream for access changes, as authorised when the relay stood at `version`."""
    relay, hub = realtime.relay, realtime.hub
    follower = Follower(caller, topics)
    with relay.lock:
        if relay.access_version == version:
            hub.register(follower)
            return follower
    # An access change was applied after the request was authorised and before the stream was
    # registered: check again, as the relay would have done, and start from what is left.
    return grant_stably(relay, lambda: _rechecked(caller, topics), hub.register)


def _rechecked(caller: Caller, topics: list[str]) -> Follower:
    try:
        fresh = refresh_caller(caller)
    except AuthenticationFailed as exc:
        ended = Follower(caller, ())
        ended.revocation = Revocation(tuple(topics), exc.code, final=True)
        return ended
    allowed, _denied = policy.authorize(fresh, topics)
    follower = Follower(fresh, allowed)
    lost = tuple(t for t in topics if t not in allowed)
    if lost:
        follower.revocation = Revocation(lost, "access_changed")
    return follower


def _cursor_fields(check: CursorCheck) -> dict[str, Any]:
    extra: dict[str, Any] = {"recovered": check.recovered, "head": check.state.head, "epoch": check.state.epoch}
    if not check.recovered:
        extra.update(earliest=check.state.earliest, reason=check.reason)
    return extra


@blp.route("/log")
class LogState(MethodView):
    """The log's epoch and head: the cursor to start from after loading state over REST."""

    @blp.response(200, LogStateOut)
    @anyone()
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
    @anyone()
    @errors(403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Events after `since` on `topics`, oldest first; `recovered: false` means reload over REST."""
        caller = current_caller()
        granted, denied = _grant(caller, args["topics"])
        wait = min(args["wait"], current_app.config["LONGPOLL_MAX_WAIT"])
        relay = realtime_of(current_app).relay
        result = pull(
            db,
            relay,
            granted,
            since=args.get("since"),
            epoch=args.get("epoch"),
            limit=args["limit"],
            wait=wait,
            recheck=lambda: _still_granted(caller, granted),
        )
        return {
            "items": [event.envelope() for event in result.events],
            "next": result.next,
            "topics": granted,
            "denied": denied,
            **_cursor_fields(result.check),
        }


def _last_event_id() -> int | None:
    raw = request.headers.get("Last-Event-ID")
    if raw is None or raw.strip() == "":
        return None
    if not LAST_EVENT_ID.match(raw.strip()) or int(raw) > MAX_ID:
        raise InvalidInput("Last-Event-ID", "must be the id of the last event received (a whole number)")
    return int(raw)


def _frame(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@blp.route("/stream")
class EventStream(MethodView):
    """Server-sent events."""

    @ratelimit.open_stream
    @blp.arguments(StreamArgs, location="query")
    @blp.response(200, content_type="text/event-stream")
    @anyone()
    @errors(403, 429)
    def get(self, args: dict[str, Any]) -> Response:
        """SSE: `id:`/`event:`/`data:` frames, a heartbeat comment every 15 s, `reset` if not recovered.

        The cursor is `Last-Event-ID` (sent by browsers on reconnect) or `?since=`.
        """
        caller = current_caller()
        realtime = realtime_of(current_app)
        version = realtime.relay.access_version  # before the check: a change after it is caught at registration
        granted, denied = _grant(caller, args["topics"])
        since = _last_event_id()
        since = args.get("since") if since is None else since
        with db.read() as session:
            check = check_cursor(session, since, args.get("epoch"))
        heartbeat = current_app.config["SSE_HEARTBEAT_SECONDS"]

        def frames() -> Iterator[str]:
            yield "retry: 3000\n\n"
            yield _frame("subscribed", {"topics": granted, "denied": denied, **_cursor_fields(check)})
            if not check.recovered:
                yield _frame("reset", _cursor_fields(check))
            follower = _follower(realtime, caller, granted, version)
            try:
                # Replayed frames go out in chunks (one write for up to 200 events); live ones at once.
                chunk: list[str] = []
                stream = follow_stream(
                    realtime.relay, realtime.hub, check.start, follower, heartbeat=heartbeat, mark_replayed=True
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
                    if isinstance(event, Revocation):
                        yield _frame("revoked", event.message())
                        return  # access ended: so does the stream
                    if event is None:
                        yield ": heartbeat\n\n"
                    elif event is not REPLAYED:
                        yield _frame(event.type, event.envelope(), event.id)
            finally:
                realtime.hub.unregister(follower)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(frames(), mimetype="text/event-stream", headers=headers)
