"""The `/live` Socket.IO namespace: auth at connect, subscribe with cursor replay, live events.

Each connection has one ordered stream. `subscribe` pauses live delivery, replays what the
client missed from the event log in pages (in a background task, with back-pressure), then
joins the topic rooms at exactly the relay's position, so the hand-over has no gap and no
duplicate. The relay emits each committed event once to the rooms of its topics; an event on
several topics reaches a client in several of those rooms once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from dialog.auth import caller_from_token
from dialog.extensions import db, socketio
from dialog.fastpath import FanOut
from dialog.metrics import REPLAYED
from dialog.schemas import PresenceMessage, SubscribeMessage, TypingMessage, UnsubscribeMessage, first_error
from events import ANONYMOUS, Caller, Event, Relay, check_cursor, policy, read_page
from events.log import read_page_json
from services.errors import AuthenticationFailed

NAMESPACE = "/live"
# Replayed frames written to a fast-path socket at once.
FAST_REPLAY_CHUNK = 100
log = logging.getLogger(__name__)


def room_of(topic: str) -> str:
    """The Socket.IO room whose members follow `topic` live."""
    return "topic:" + topic


def error_ack(code: str, message: str) -> dict[str, Any]:
    """The ack of a message that could not be carried out."""
    return {"ok": False, "error": {"code": code, "message": message}}


class Rejected(Exception):
    """Raised by a handler to answer its message with an error ack (the connection stays up)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.ack = error_ack(code, message)


UNAVAILABLE = ("unavailable", "the database is not reachable right now; retry shortly")


@dataclass
class LiveClient:
    """One connection's stream: its topics, the last id it was given, and whether it is live."""

    sid: str
    caller: Caller
    topics: set[str] = field(default_factory=set)
    cursor: int | None = None
    live: bool = False
    # Bumped by every subscribe and by disconnect; a replay task of an older generation stops.
    generation: int = 0
    busy: threading.Lock = field(default_factory=threading.Lock)
    # Topics (space.<slug> / thread.<id>) this connection says it is viewing, for presence.
    viewing: set[str] = field(default_factory=set)


class SocketIOSink:
    """Relay sink: emit each event once to the rooms of its topics, in this process only.

    Every web process runs its own relay over the shared log, so events are emitted locally
    (`ignore_queue`): they never depend on the Redis message queue, and a Redis outage cannot
    drop them. Redis still carries what has no log (typing, presence) between processes.

    With the fast path on, runs of events on the same topics are encoded once and written as
    one frame string to every WebSocket in their rooms (see dialog/fastpath.py).
    """

    def __init__(self, fanout: FanOut | None = None) -> None:
        self.fanout = fanout

    def push(self, events: list[Event]) -> None:
        """Emit `events` in order."""
        fanout = self.fanout
        if fanout is not None and fanout.enabled:
            runs: list[tuple[tuple[str, ...], list[tuple[int, Any]]]] = []
            for event in events:
                rooms = tuple(room_of(t) for t in event.topics)
                if runs and runs[-1][0] == rooms:
                    runs[-1][1].append((event.id or 0, event.envelope()))
                else:
                    runs.append((rooms, [(event.id or 0, event.envelope())]))
            fanout.broadcast(runs)
            return
        server = socketio.server
        for event in events:
            server.emit(
                "event", event.envelope(), to=[room_of(t) for t in event.topics], namespace=NAMESPACE, ignore_queue=True
            )


class LiveNamespace(Namespace):
    """Handlers of the `/live` namespace."""

    def __init__(self, relay: Relay, *, max_queued: int, fanout: FanOut | None = None) -> None:
        super().__init__(NAMESPACE)
        self.relay = relay
        self.max_queued = max_queued
        self.fanout = fanout
        if fanout is not None:
            fanout.on_overflow = self._demote
        self.clients: dict[str, LiveClient] = {}
        # Presence, in this process only: topic -> member id -> the sids viewing it (tabs count once).
        self.viewers: dict[str, dict[int, set[str]]] = {}
        self.viewer_names: dict[int, str] = {}
        self.presence_lock = threading.Lock()

    # -- connection ----------------------------------------------------------------------------
    def on_connect(self, auth: Any = None) -> None:
        """Authenticate with `auth={"token": ...}`, or connect anonymously with no auth."""
        caller = ANONYMOUS
        if auth is not None:
            token = auth.get("token") if isinstance(auth, dict) else None
            if token is not None or not isinstance(auth, dict):
                try:
                    caller = caller_from_token(token) if isinstance(token, str) else _bad_auth()
                except AuthenticationFailed as exc:
                    raise ConnectionRefusedError(f"{exc.code}: {exc.message}") from exc
                except SQLAlchemyError as exc:
                    raise ConnectionRefusedError("unavailable: the database is not reachable; retry") from exc
        sid: str = request.sid  # type: ignore[attr-defined]
        self.clients[sid] = LiveClient(sid, caller)

    def on_disconnect(self, *_reason: Any) -> None:
        """Forget the connection, stop its replay, and end its presence."""
        client = self.clients.pop(request.sid, None)  # type: ignore[attr-defined]
        if client is not None:
            client.generation += 1
            with self.relay.lock:
                client.live = False
                if self.fanout is not None:
                    self.fanout.forget(client.sid)
            for topic in list(client.viewing):
                self._stop_viewing(client, topic)

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch to `on_<event>`; unknown messages and rejected ones get an error ack."""
        if event not in ("connect", "disconnect") and not hasattr(self, "on_" + event):
            return error_ack("unknown_message", f"there is no message {event!r} in {NAMESPACE}")
        try:
            return super().trigger_event(event, *args)
        except Rejected as rejected:
            return rejected.ack
        except SQLAlchemyError:
            if event == "connect":
                raise
            return error_ack(*UNAVAILABLE)

    def _accept(self, schema: type[Schema], data: Any) -> tuple[LiveClient, dict[str, Any]]:
        """The sender's client and its message loaded with `schema`; Rejected otherwise."""
        client = self.clients.get(request.sid)  # type: ignore[attr-defined]
        if client is None:
            raise Rejected("not_connected", "connect first")
        try:
            return client, schema().load(_as_object(data))
        except ValidationError as exc:
            raise Rejected("invalid_message", first_error(exc.normalized_messages())) from exc

    def _member_who_may_read(self, client: LiveClient, topic: str, doing: str) -> int:
        """The sender's member id if logged in and allowed to read `topic`; Rejected otherwise."""
        caller = client.caller
        if caller.id is None:
            raise Rejected("login_required", f"log in to {doing}")
        reason = policy.refusal(caller, topic)
        if reason is not None:
            raise Rejected("forbidden", f"{topic}: {reason}")
        return caller.id

    # -- subscribe / unsubscribe ---------------------------------------------------------------
    def on_subscribe(self, data: Any = None) -> dict[str, Any]:
        """Follow topics, optionally resuming after `since` (of `epoch`); see the contract."""
        client, message = self._accept(SubscribeMessage, data)
        granted, denied = policy.authorize(client.caller, message["topics"])  # may read memberships
        client.generation += 1
        generation = client.generation
        with client.busy:  # wait for an older replay of this client to notice and stop
            try:
                with db.read() as session:
                    check = check_cursor(session, message.get("since"), message.get("epoch"))
            except SQLAlchemyError:
                if client.cursor is not None and not client.live:
                    # We stopped this client's replay above: let it carry on where it was.
                    socketio.start_background_task(self._stream, client, generation, None)
                raise Rejected(*UNAVAILABLE) from None
            with self.relay.lock:
                if client.live:
                    # Everything up to the relay's position has been emitted to this client.
                    self._leave_rooms(client, client.topics)
                    client.live = False
                    client.cursor = self.relay.position
            new_topics = [t for t in granted if t not in client.topics]
            backfill = None
            if client.cursor is None:
                client.cursor = check.start
            elif check.recovered and "since" in message and check.start < client.cursor and new_topics:
                # Topics joining a running stream: their history since `since` comes first.
                backfill = (check.start, client.cursor, new_topics)
            client.topics.update(granted)
        socketio.start_background_task(self._stream, client, generation, backfill)
        ack: dict[str, Any] = {
            "ok": True,
            "topics": granted,
            "denied": denied,
            "recovered": check.recovered,
            "head": check.state.head,
            "epoch": check.state.epoch,
        }
        if not check.recovered:
            ack.update(earliest=check.state.earliest, reason=check.reason)
        return ack

    def on_unsubscribe(self, data: Any = None) -> dict[str, Any]:
        """Stop following topics."""
        client, message = self._accept(UnsubscribeMessage, data)
        with self.relay.lock:
            dropped = [t for t in message["topics"] if t in client.topics]
            if client.live:
                self._leave_rooms(client, dropped)
            client.topics.difference_update(dropped)
        return {"ok": True, "topics": sorted(client.topics)}

    # -- ephemeral: typing and presence (never stored, no id) ---------------------------------
    def on_typing(self, data: Any = None) -> dict[str, Any]:
        """`{"thread_id": 7}`: tell the others following thread.7 live that you are typing."""
        client, message = self._accept(TypingMessage, data)
        topic = f"thread.{message['thread_id']}"
        member_id = self._member_who_may_read(client, topic, "type in a thread")
        payload = {"thread_id": message["thread_id"], "member": {"id": member_id, "name": client.caller.name}}
        # The typist's own tabs do not need to hear it.
        own = self._sids_of(member_id)
        socketio.server.emit("typing", payload, to=room_of(topic), skip_sid=own, namespace=NAMESPACE)
        return {"ok": True}

    def on_view(self, data: Any = None) -> dict[str, Any]:
        """`{"topic": "thread.7"}`: you are viewing it; the ack lists who else is (members, once each)."""
        client, message = self._accept(PresenceMessage, data)
        topic = message["topic"]
        member_id = self._member_who_may_read(client, topic, "be seen viewing")
        with self.presence_lock:
            members = self.viewers.setdefault(topic, {})
            sids = members.setdefault(member_id, set())
            first = not sids
            sids.add(client.sid)
            client.viewing.add(topic)
            self.viewer_names[member_id] = client.caller.name or ""
            viewers = self._viewer_list(topic)
        if first:
            self._announce(topic, "join", member_id, client.caller.name)
        return {"ok": True, "topic": topic, "viewers": viewers}

    def on_leave(self, data: Any = None) -> dict[str, Any]:
        """`{"topic": "thread.7"}`: you stopped viewing it."""
        client, message = self._accept(PresenceMessage, data)
        topic = message["topic"]
        if topic not in client.viewing:
            return error_ack("not_viewing", f"you are not viewing {topic}")
        self._stop_viewing(client, topic)
        return {"ok": True, "topic": topic}

    def _stop_viewing(self, client: LiveClient, topic: str) -> None:
        member_id = client.caller.id
        with self.presence_lock:
            client.viewing.discard(topic)
            members = self.viewers.get(topic, {})
            sids = members.get(member_id or 0, set())
            sids.discard(client.sid)
            last = member_id is not None and member_id in members and not sids
            if last:
                del members[member_id]  # type: ignore[arg-type]
                if not members:
                    self.viewers.pop(topic, None)
        if last:
            self._announce(topic, "leave", member_id, client.caller.name)

    def _viewer_list(self, topic: str) -> list[dict[str, Any]]:
        return [{"id": m, "name": self.viewer_names.get(m)} for m in sorted(self.viewers.get(topic, {}))]

    def _sids_of(self, member_id: int | None) -> list[str]:
        return [c.sid for c in list(self.clients.values()) if c.caller.id == member_id]

    def _announce(self, topic: str, action: str, member_id: int | None, name: str | None) -> None:
        # Told to the topic's live followers, except the member's own connections.
        with self.presence_lock:
            count = len(self.viewers.get(topic, {}))
        payload = {"topic": topic, "action": action, "member": {"id": member_id, "name": name}, "viewers": count}
        skip = self._sids_of(member_id)
        socketio.server.emit("presence", payload, to=room_of(topic), skip_sid=skip, namespace=NAMESPACE)

    # -- streaming -----------------------------------------------------------------------------
    def _stream(self, client: LiveClient, generation: int, backfill: tuple[int, int, list[str]] | None) -> None:
        def cancelled() -> bool:
            return client.generation != generation

        with client.busy:
            if cancelled() or client.cursor is None:
                return
            fast = self._fast_outbox(client.sid)
            pending: list[bytes] = []

            def flush() -> None:
                # Replay frames of a fast-path client go out in chunks, in order, before it goes live.
                if pending and fast is not None:
                    fast.write(b"".join(pending), len(pending))
                    pending.clear()

            def go_live(_cursor: int) -> None:
                flush()
                self._go_live(client)

            try:
                if backfill is not None:
                    after, upto, topics = backfill
                    while after < upto and not cancelled():
                        with db.read() as session:
                            page = read_page(session, after, topics, limit=self.relay.page_size, upto=upto)
                        for event in page:
                            self._send(client, event, cancelled)
                        after = page[-1].id if len(page) == self.relay.page_size and page[-1].id else upto
                reader = read_page_json if fast is not None else None
                catch_up = self.relay.follow(client.cursor, lambda: tuple(client.topics), go_live, cancelled, reader)
                try:
                    for event in catch_up:
                        if fast is None:
                            self._send(client, event, cancelled)
                            continue
                        pending.append(self.fanout.frame_of_json("event", event.json))  # type: ignore[union-attr]
                        if len(pending) >= FAST_REPLAY_CHUNK:
                            flush()
                            # Back-pressure: a slow reader is not given the next chunk until it drains.
                            while fast.backlog_frames() > self.max_queued and not cancelled():
                                socketio.sleep(0.02)
                finally:
                    flush()  # what the cursor below claims was sent, is sent
                    client.cursor = catch_up.cursor
                    REPLAYED.observe(catch_up.replayed)
            except Exception:
                log.exception("replay for %s failed", client.sid)
                socketio.server.disconnect(client.sid, namespace=NAMESPACE)

    def _fast_outbox(self, sid: str) -> Any:
        fanout = self.fanout
        if fanout is None or not fanout.enabled:
            return None
        target = fanout.target(sid)
        return target.outbox if target is not None else None

    def _go_live(self, client: LiveClient) -> None:
        # Called under the relay lock when the client's cursor equals the relay's position.
        client.live = True
        for topic in client.topics:
            socketio.server.enter_room(client.sid, room_of(topic), namespace=NAMESPACE)
        if self.fanout is not None:
            self.fanout.join(client.sid, [room_of(t) for t in client.topics])

    def _leave_rooms(self, client: LiveClient, topics: Iterable[str]) -> None:
        topics = list(topics)
        for topic in topics:
            socketio.server.leave_room(client.sid, room_of(topic), namespace=NAMESPACE)
        if self.fanout is not None:
            self.fanout.leave(client.sid, [room_of(t) for t in topics])

    def _demote(self, sid: str, cursor: int) -> None:
        # Called by the fast path, under the relay lock, when a live client's socket backs up
        # past its limit: everything up to `cursor` was handed to its socket; it catches up from
        # the log at its own pace (with back-pressure) and goes live again when it has.
        client = self.clients.get(sid)
        if client is None or not client.live:
            return
        self._leave_rooms(client, client.topics)
        client.live = False
        client.cursor = cursor
        client.generation += 1
        socketio.start_background_task(self._stream, client, client.generation, None)

    def _send(self, client: LiveClient, event: Event, cancelled: Any) -> None:
        # Back-pressure: a client that reads slowly is not sent the next page until it drains,
        # so a client far behind never holds more than about `max_queued` packets in memory.
        while self._queued(client.sid) > self.max_queued and not cancelled():
            socketio.sleep(0.02)
        if cancelled():
            return
        # A WebSocket client of the fast path gets replay through the same ordered outbox as
        # live broadcasts; everyone else through Engine.IO's queue, as before.
        fanout = self.fanout
        if fanout is not None and fanout.enabled and fanout.send_one(client.sid, "event", event.envelope()):
            return
        socketio.server.emit("event", event.envelope(), to=client.sid, namespace=NAMESPACE, ignore_queue=True)

    def _queued(self, sid: str) -> int:
        server = socketio.server
        try:
            eio_sid = server.manager.eio_sid_from_sid(sid, NAMESPACE)
            sock = server.eio.sockets.get(eio_sid)
        except KeyError:
            return 0
        backlog = self.fanout.backlog(sid) if self.fanout is not None else 0
        return backlog + (sock.queue.qsize() if sock is not None else 0)

    def connected_clients(self) -> int:
        """How many connections this process holds on `/live`."""
        return len(self.clients)

    def subscription_count(self) -> int:
        """How many topics the connections of this process follow, added up."""
        return sum(len(client.topics) for client in list(self.clients.values()))


def _as_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError({"message": ['must be an object like {"topics": ["news"]}']})
    return data


def _bad_auth() -> Caller:
    raise AuthenticationFailed('auth must be {"token": "<bearer token>"} or nothing', code="invalid_auth")
