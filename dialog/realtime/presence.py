"""Ephemeral messages, never stored and without id: who is viewing a thread or space, who is typing.

They go to a topic's live followers through Socket.IO rooms (and so through Redis to the other
processes); the viewer lists are kept per process.
"""

from __future__ import annotations

import threading
from typing import Any

from dialog.extensions import socketio
from dialog.realtime.clients import Clients, LiveClient
from dialog.realtime.protocol import NAMESPACE, room_of


class Presence:
    """Viewers per topic in this process: topic -> member id -> the sids viewing it (tabs count once)."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self.viewers: dict[str, dict[int, set[str]]] = {}
        self.names: dict[int, str] = {}
        self.lock = threading.Lock()

    def session_count(self) -> int:
        """How many (topic, connection) viewing entries are held."""
        with self.lock:
            return sum(len(sids) for members in self.viewers.values() for sids in members.values())

    def typing(self, client: LiveClient, member_id: int, thread_id: int) -> None:
        """Tell the others following thread.<thread_id> live that `member_id` is typing."""
        payload = {"thread_id": thread_id, "member": {"id": member_id, "name": client.caller.name}}
        # The typist's own tabs do not need to hear it.
        own = self.clients.sids_of(member_id)
        socketio.server.emit("typing", payload, to=room_of(f"thread.{thread_id}"), skip_sid=own, namespace=NAMESPACE)

    def view(self, client: LiveClient, member_id: int, topic: str) -> list[dict[str, Any]]:
        """The client's member views `topic`; return who views it (members, once each)."""
        with self.lock:
            members = self.viewers.setdefault(topic, {})
            sids = members.setdefault(member_id, set())
            first = not sids
            sids.add(client.sid)
            client.viewing.add(topic)
            self.names[member_id] = client.caller.name or ""
            viewers = [{"id": m, "name": self.names.get(m)} for m in sorted(self.viewers.get(topic, {}))]
        if first:
            self._announce(topic, "join", member_id, client.caller.name)
        return viewers

    def leave(self, client: LiveClient, topic: str) -> None:
        """The client stopped viewing `topic` (its member leaves when its last tab does)."""
        member_id = client.caller.id
        with self.lock:
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

    def leave_all(self, client: LiveClient) -> None:
        """The client stops viewing everything (it disconnected)."""
        for topic in list(client.viewing):
            self.leave(client, topic)

    def _announce(self, topic: str, action: str, member_id: int | None, name: str | None) -> None:
        # Told to the topic's live followers, except the member's own connections.
        with self.lock:
            count = len(self.viewers.get(topic, {}))
        payload = {"topic": topic, "action": action, "member": {"id": member_id, "name": name}, "viewers": count}
        skip = self.clients.sids_of(member_id)
        socketio.server.emit("presence", payload, to=room_of(topic), skip_sid=skip, namespace=NAMESPACE)
