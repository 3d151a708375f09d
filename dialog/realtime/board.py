"""Where the viewers of each topic are counted and ephemeral messages are told: one process, or all.

`LocalBoard` serves a single process. `RedisBoard` serves several web processes: each viewing
member is an entry `<member>@<process>` in a sorted set per topic, scored with its expiry and
refreshed by its process, so a process that dies without saying goodbye drops out within
`ttl` seconds; `typing` and `presence` go to every process through one pub/sub channel, and
each delivers them to its own connections (skipping the member's own tabs there).
A Redis outage degrades to this process's view, and is logged; nothing waits for Redis to return.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import redis

from dialog.extensions import socketio

log = logging.getLogger(__name__)
CHANNEL = "dialog:ephemeral"
Deliver = Callable[[str, dict[str, Any], str, int], None]


class Board(Protocol):
    """Viewers per topic and the delivery of ephemeral messages."""

    def bind(self, deliver: Deliver, local_views: Callable[[], list[tuple[str, int]]]) -> None:
        """Attach this process's delivery and the views it holds (what a shared board refreshes)."""

    def join(self, topic: str, member_id: int, name: str) -> bool:
        """This process now has `member_id` viewing `topic`; True if no process had before."""

    def leave(self, topic: str, member_id: int) -> bool:
        """This process no longer has `member_id` viewing `topic`; True if no process has now."""

    def viewers(self, topic: str) -> list[dict[str, Any]]:
        """Who views `topic` anywhere: `{"id", "name"}` once per member, by id."""

    def tell(self, message: str, payload: dict[str, Any], topic: str, member_id: int) -> None:
        """Deliver an ephemeral message to the followers of `topic` on every process (not to `member_id`)."""


class LocalBoard:
    """One process: the viewers it holds are all there are."""

    def __init__(self) -> None:
        self.members: dict[str, dict[int, str]] = {}
        self.lock = threading.Lock()
        self.deliver: Deliver | None = None

    def bind(self, deliver: Deliver, local_views: Callable[[], list[tuple[str, int]]]) -> None:
        """Attach this process's delivery."""
        self.deliver = deliver

    def join(self, topic: str, member_id: int, name: str) -> bool:
        """Record the view; True (this process is the only one)."""
        with self.lock:
            self.members.setdefault(topic, {})[member_id] = name
        return True

    def leave(self, topic: str, member_id: int) -> bool:
        """Drop the view; True."""
        with self.lock:
            members = self.members.get(topic, {})
            members.pop(member_id, None)
            if not members:
                self.members.pop(topic, None)
        return True

    def viewers(self, topic: str) -> list[dict[str, Any]]:
        """The members viewing `topic` in this process."""
        with self.lock:
            members = dict(self.members.get(topic, {}))
        return [{"id": m, "name": members[m]} for m in sorted(members)]

    def tell(self, message: str, payload: dict[str, Any], topic: str, member_id: int) -> None:
        """Deliver in this process."""
        assert self.deliver is not None
        self.deliver(message, payload, topic, member_id)


class RedisBoard:
    """Every web process: views in Redis sorted sets with expiring entries, messages on one channel."""

    def __init__(self, url: str, *, ttl: float = 30.0) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=15)
        self.ttl = ttl
        self.process = uuid.uuid4().hex[:12]
        self.local = LocalBoard()  # what this process holds: the answer while Redis is away
        self.deliver: Deliver | None = None
        self.local_views: Callable[[], list[tuple[str, int]]] = list
        self._last_warning = 0.0

    def bind(self, deliver: Deliver, local_views: Callable[[], list[tuple[str, int]]]) -> None:
        """Attach this process's delivery and views; start refreshing them and listening."""
        self.deliver = deliver
        self.local.bind(deliver, local_views)
        self.local_views = local_views

    def start(self) -> None:
        """Run the refresher and the listener as background tasks."""
        socketio.start_background_task(self._refresh_forever)
        socketio.start_background_task(self._listen_forever)

    @staticmethod
    def _key(topic: str) -> str:
        return f"dialog:viewers:{topic}"

    def _entry(self, member_id: int) -> str:
        return f"{member_id}@{self.process}"

    def _warn(self, doing: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning > 30:
            self._last_warning = now
            log.warning("presence: cannot %s through Redis (this process's view only): %s", doing, exc)

    def _live_entries(self, topic: str) -> list[str]:
        now = time.time()
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(self._key(topic), "-inf", now)  # processes that stopped refreshing
        pipe.zrangebyscore(self._key(topic), now, "+inf")
        return [e.decode() for e in pipe.execute()[1]]

    def join(self, topic: str, member_id: int, name: str) -> bool:
        """Add this process's entry; True if the member had none on any process."""
        self.local.join(topic, member_id, name)
        try:
            pipe = self.client.pipeline()
            pipe.hset("dialog:viewer-names", str(member_id), name)
            pipe.zadd(self._key(topic), {self._entry(member_id): time.time() + self.ttl})
            pipe.expire(self._key(topic), int(self.ttl * 2))
            pipe.execute()
            others = [e for e in self._live_entries(topic) if e.split("@")[0] == str(member_id)]
        except redis.RedisError as exc:
            self._warn("record a viewer", exc)
            return True
        return others == [self._entry(member_id)]

    def leave(self, topic: str, member_id: int) -> bool:
        """Remove this process's entry; True if the member has none left on any process."""
        self.local.leave(topic, member_id)
        try:
            self.client.zrem(self._key(topic), self._entry(member_id))
            return not any(e.split("@")[0] == str(member_id) for e in self._live_entries(topic))
        except redis.RedisError as exc:
            self._warn("drop a viewer", exc)
            return True

    def viewers(self, topic: str) -> list[dict[str, Any]]:
        """Who views `topic` on any process (only this one's while Redis is away)."""
        try:
            ids = sorted({int(e.split("@")[0]) for e in self._live_entries(topic)})
            names: list[Any] = list(self.client.hmget("dialog:viewer-names", [str(i) for i in ids])) if ids else []  # type: ignore[arg-type]
        except redis.RedisError as exc:
            self._warn("read the viewers", exc)
            return self.local.viewers(topic)
        return [{"id": i, "name": n.decode() if n is not None else None} for i, n in zip(ids, names, strict=True)]

    def tell(self, message: str, payload: dict[str, Any], topic: str, member_id: int) -> None:
        """Publish to every process (this one hears it on the channel too)."""
        body = json.dumps({"message": message, "payload": payload, "topic": topic, "member": member_id})
        try:
            self.client.publish(CHANNEL, body)
        except redis.RedisError as exc:
            self._warn(f"tell {message}", exc)
            self.local.tell(message, payload, topic, member_id)

    def _refresh_forever(self) -> None:
        while True:
            socketio.sleep(self.ttl / 3)
            views = self.local_views()
            if not views:
                continue
            try:
                pipe = self.client.pipeline()
                expiry = time.time() + self.ttl
                for topic, member_id in views:
                    pipe.zadd(self._key(topic), {self._entry(member_id): expiry})
                    pipe.expire(self._key(topic), int(self.ttl * 2))
                pipe.execute()
            except redis.RedisError as exc:
                self._warn("refresh the viewers", exc)

    def _listen_forever(self) -> None:
        while True:
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                for item in pubsub.listen():
                    self._heard(item["data"])
            except redis.RedisError as exc:
                self._warn("hear typing and presence", exc)
                socketio.sleep(1)

    def _heard(self, data: bytes) -> None:
        try:
            body = json.loads(data)
            assert self.deliver is not None
            self.deliver(body["message"], body["payload"], body["topic"], int(body["member"]))
        except Exception:  # one bad message must not end the listener
            log.exception("presence: cannot deliver an ephemeral message")
