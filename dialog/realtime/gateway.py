"""The `/live` Socket.IO namespace: thin handlers that check, load and hand over.

Auth at connect; `subscribe` with cursor replay (replay.py); `typing`, `view`, `leave`
(presence.py). Every message gets an ack: a failure of any kind is an error ack, never silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import has_request_context, request
from flask_socketio import ConnectionRefusedError, Namespace
from sqlalchemy.exc import SQLAlchemyError

from dialog import problem_texts, ratelimit
from dialog.auth import caller_from_token, same_origin, session_token
from dialog.errors import DATABASE_UNAVAILABLE
from dialog.extensions import db
from dialog.realtime.access import grant_stably
from dialog.realtime.clients import Clients, LiveClient
from dialog.realtime.engineio import SocketServer
from dialog.realtime.presence import Presence
from dialog.realtime.protocol import (
    INTERNAL,
    NAMESPACE,
    UNAVAILABLE,
    Rejected,
    check_name,
    error_ack,
    load,
    refusal,
)
from dialog.realtime.replay import Backfill, Replayer
from dialog.webapp.i18n import LIVE_MEMBER_LANGUAGE
from events import ANONYMOUS, Caller, Relay, check_cursor, policy
from services.database import one_reading
from services.errors import AuthenticationFailed

log = logging.getLogger(__name__)
T = TypeVar("T")


class LiveNamespace(Namespace):
    """Handlers of the `/live` namespace."""

    def __init__(
        self, relay: Relay, io: SocketServer, clients: Clients, replayer: Replayer, presence: Presence
    ) -> None:
        super().__init__(NAMESPACE)
        self.relay = relay
        self.io = io
        self.clients = clients
        self.replayer = replayer
        self.presence = presence

    # -- dispatch ----------------------------------------------------------------------------------
    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch a message to `on_<event>`; anything but success is answered with an error ack.

        `args` are the sid, then what the client sent. The real connect and disconnect come here
        too, under the same names as a client's `connect` / `disconnect` messages: the session's
        state tells them apart, and a client's are refused like any reserved name.
        """
        sid = args[0] if args else None
        if event == "connect" and isinstance(sid, str) and self.io.connecting(sid):
            return self._connect(*args)
        if event == "disconnect" and isinstance(sid, str) and self.io.disconnecting(sid):
            return self._disconnect(*args)
        try:
            check_name(event)
            return super().trigger_event(event, *args)
        except Rejected as rejected:
            return self._in_request(sid, error_ack, rejected.code, rejected.message)
        except DATABASE_UNAVAILABLE:
            return self._in_request(sid, error_ack, *UNAVAILABLE)
        except Exception:
            log.exception("/live %s from %s failed", event, sid)
            return self._in_request(sid, error_ack, *INTERNAL)
        finally:
            if event == "subscribe":
                # python-socketio queues the ack as soon as this returns; the replay may write after it.
                client = self.clients.get(sid) if isinstance(sid, str) else None
                if client is not None:
                    client.acking = False

    def _in_request(self, sid: Any, make: Callable[..., T], *args: Any) -> T:
        """`make(*args)` in the request context of connection `sid` (the language of its texts).

        Flask-SocketIO pushes one only around an `on_*` handler; what is answered outside one (an
        unknown message, a failure) needs its own.
        """
        environ = self.socketio.server.get_environ(sid, namespace=self.namespace) if isinstance(sid, str) else None
        if not environ or has_request_context():
            return make(*args)
        with environ["flask.app"].request_context(environ):
            return make(*args)

    def _connect(self, *args: Any) -> Any:
        try:
            return super().trigger_event("connect", *args)
        except ConnectionRefusedError:
            raise
        except DATABASE_UNAVAILABLE as exc:
            raise self._in_request(args[0], refusal, "unavailable", "the database is not reachable; retry") from exc
        except Exception as exc:
            log.exception("/live connect failed")
            failed = "the server failed to accept this connection"
            raise self._in_request(args[0], refusal, "internal_error", failed) from exc

    def _disconnect(self, *args: Any) -> None:
        try:
            super().trigger_event("disconnect", *args)
        except Exception:  # nobody is left to answer; the connection is gone either way
            log.exception("/live disconnect of %s failed", args[0])

    def _client(self) -> LiveClient:
        client = self.clients.get(request.sid)  # type: ignore[attr-defined]
        if client is None:
            raise Rejected("not_connected", "connect first")
        if client.ending is not None:
            raise Rejected("revoked", f"this connection is closing: {client.ending}")
        return client

    # -- connection ----------------------------------------------------------------------------------
    def on_connect(self, auth: Any = None) -> None:
        """Authenticate with `auth={"token": ...}`, else the browser's session cookie, else anonymously."""
        wait = ratelimit.live_connect_wait()
        if wait is not None:  # before any work: a flood of connects costs the flooder
            raise refusal(
                "rate_limited",
                f"too many connection attempts from this address; retry in {wait} s",
                {"code": "rate_limited", "retry_after": wait},
            )
        token = _token_of(auth)
        if token is None and same_origin():
            # The web app's pages: the HttpOnly cookie is all they have. Only from our own pages:
            # a WebSocket carries cookies whatever page opened it.
            token = session_token()
        sid: str = request.sid  # type: ignore[attr-defined]

        def authenticate() -> Caller:
            if token is None:
                return ANONYMOUS
            try:
                return caller_from_token(token)
            except AuthenticationFailed as exc:
                raise refusal(exc.code, exc.message) from exc

        # Registered only if no access change slipped in after the check (a token revoked meanwhile).
        caller = grant_stably(self.relay, authenticate, lambda caller: self.clients.add(LiveClient(sid, caller)))
        # Every later message's request context is built from this environ: the member's own language
        # setting counts for their error acks (after a `?lang=`, before Accept-Language).
        request.environ[LIVE_MEMBER_LANGUAGE] = caller.language

    def on_disconnect(self, *_reason: Any) -> None:
        """Forget the connection, stop its replay, and end its presence."""
        client = self.clients.pop(request.sid)  # type: ignore[attr-defined]
        if client is not None:
            client.generation += 1
            with self.relay.lock:
                client.live = False
                self.clients.fanout.forget(client.sid)
            self.presence.leave_all(client)

    # -- subscribe / unsubscribe -------------------------------------------------------------------
    def on_subscribe(self, *args: Any) -> dict[str, Any]:
        """Follow topics, optionally resuming after `since` (of `epoch`); see the contract."""
        message = load("subscribe", args)
        client = self._client()
        client.acking = True
        client.generation += 1
        generation = client.generation
        backfill: Backfill | None = None

        def authorize() -> tuple[list[str], list[dict[str, str]]]:
            # The rules read memberships: one session for all topics, a new one for each attempt
            # (a retry must see the access change that made it retry).
            with one_reading():
                return policy.authorize(client.caller, message["topics"])

        def register(result: tuple[list[str], list[dict[str, str]]]) -> None:
            # Under the relay lock, after the authorisation, with no access change in between.
            nonlocal backfill
            if client.ending is not None:
                raise Rejected("revoked", f"this connection is closing: {client.ending}")
            granted = result[0]
            self.replayer.pause(client)
            new_topics = [t for t in granted if t not in client.topics]
            if client.cursor is None:
                client.cursor = check.start
            elif check.recovered and "since" in message and check.start < client.cursor and new_topics:
                # Topics joining a running stream: their history since `since` comes first.
                backfill = (check.start, client.cursor, new_topics)
            client.topics.update(granted)

        registered = False
        with client.busy:  # wait for an older replay of this client to notice and stop
            try:
                try:
                    with db.read() as session:
                        check = check_cursor(session, message.get("since"), message.get("epoch"))
                except SQLAlchemyError:
                    raise Rejected(*UNAVAILABLE) from None
                granted, denied = grant_stably(self.relay, authorize, register)
                registered = True
            finally:
                if not registered and client.cursor is not None and not client.live and client.ending is None:
                    # We stopped this client's replay above: let it carry on where it was.
                    self.replayer.start(client, generation)
        self.replayer.start(client, generation, backfill)
        ack: dict[str, Any] = {
            "ok": True,
            "topics": granted,
            "denied": [{**refused, "reason": problem_texts.translate(refused["reason"])} for refused in denied],
            "recovered": check.recovered,
            "head": check.state.head,
            "epoch": check.state.epoch,
        }
        if not check.recovered:
            ack.update(earliest=check.state.earliest, reason=check.reason)
        return ack

    def on_unsubscribe(self, *args: Any) -> dict[str, Any]:
        """Stop following topics."""
        message = load("unsubscribe", args)
        client = self._client()
        with self.relay.lock:
            dropped = [t for t in message["topics"] if t in client.topics]
            if client.live:
                self.clients.leave_rooms(client, dropped)
            client.topics.difference_update(dropped)
        return {"ok": True, "topics": sorted(client.topics)}

    # -- ephemeral: typing and presence ------------------------------------------------------------
    def on_typing(self, *args: Any) -> dict[str, Any]:
        """`{"thread_id": 7}`: tell the others following thread.7 live that you are typing."""
        message = load("typing", args)
        client = self._client()
        member_id = _member_who_may_read(client.caller, f"thread.{message['thread_id']}", "type in a thread")
        self.presence.typing(client, member_id, message["thread_id"])
        return {"ok": True}

    def on_view(self, *args: Any) -> dict[str, Any]:
        """`{"topic": "thread.7"}`: you are viewing it; the ack lists who else is (members, once each)."""
        topic = load("view", args)["topic"]
        client = self._client()
        member_id = _member_who_may_read(client.caller, topic, "be seen viewing")
        return {"ok": True, "topic": topic, "viewers": self.presence.view(client, member_id, topic)}

    def on_leave(self, *args: Any) -> dict[str, Any]:
        """`{"topic": "thread.7"}`: you stopped viewing it."""
        topic = load("leave", args)["topic"]
        client = self._client()
        if topic not in client.viewing:
            raise Rejected("not_viewing", f"you are not viewing {topic}")
        self.presence.leave(client, topic)
        return {"ok": True, "topic": topic}


def _member_who_may_read(caller: Caller, topic: str, doing: str) -> int:
    """The caller's member id if logged in and allowed to read `topic`; Rejected otherwise."""
    if caller.id is None:
        raise Rejected("login_required", f"log in to {doing}")
    reason = policy.refusal(caller, topic)
    if reason is not None:
        raise Rejected("forbidden", f"{topic}: {problem_texts.translate(reason)}")
    return caller.id


def _token_of(auth: Any) -> str | None:
    """The bearer token in a connect's `auth`, None for an anonymous connect; refused if malformed."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if auth is None or (isinstance(auth, dict) and token is None):
        return None
    if not isinstance(token, str):
        raise refusal("invalid_auth", 'auth must be {"token": "<bearer token>"} or nothing')
    return token
