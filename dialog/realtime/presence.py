"""Ephemeral messages, never stored and without id: who is viewing a thread or space, who is typing.

Each process keeps the tabs of its own connections (topic -> member -> sids). Who views a topic
across all processes, and the `typing` / `presence` messages themselves, go through a `Board`:
in-process without Redis, through Redis (board.py) with it, so a member on one web process
sees and hears members on the others.
"""

from __future__ import annotations

import threading
from typing import Any

from dialog.extensions import socketio
from dialog.realtime.board import Board, LocalBoard
from dialog.realtime.clients import Clients, LiveClient
from dialog.realtime.protocol import NAMESPACE, room_of


class Presence:
    """Viewers per topic in this process: topic -> member id -> the sids viewing it (tabs count once)."""

    def __init__(self, clients: Clients, board: Board | None = None) -> None:
        self.clients = clients
        self.viewers: dict[str, dict[int, set[str]]] = {}
        self.lock = threading.Lock()
        self.board: Board = board or LocalBoard()
        self.board.bind(self._deliver, self.local_views)

    def session_count(self) -> int:
        """How many (topic, connection) viewing entries are held."""
        with self.lock:
            return sum(len(sids) for members in self.viewers.values() for sids in members.values())

    def local_views(self) -> list[tuple[str, int]]:
        """(topic, member id) of everyone this process's connections view (the board refreshes them)."""
        with self.lock:
            return [(topic, member) for topic, members in self.viewers.items() for member in members]

    def typing(self, client: LiveClient, member_id: int, thread_id: int) -> None:
        """Tell the others following thread.<thread_id> live that `member_id` is typing."""
        payload = {"thread_id": thread_id, "member": {"id": member_id, "name": client.caller.name}}
        self.board.tell("typing", payload, f"thread.{thread_id}", member_id)

    def view(self, client: LiveClient, member_id: int, topic: str) -> list[dict[str, Any]]:
        """The client's member views `topic`; return who views it (members, once each)."""
        with self.lock:
            members = self.viewers.setdefault(topic, {})
            sids = members.setdefault(member_id, set())
            first_here = not sids
            sids.add(client.sid)
            client.viewing.add(topic)
        name = client.caller.name or ""
        first = self.board.join(topic, member_id, name) if first_here else False
        viewers = self.board.viewers(topic)
        if first:
            self._announce(topic, "join", member_id, name, len(viewers))
        return viewers

    def leave(self, client: LiveClient, topic: str) -> None:
        """The client stopped viewing `topic` (its member leaves when its last tab, on any process, does)."""
        member_id = client.caller.id
        with self.lock:
            client.viewing.discard(topic)
            members = self.viewers.get(topic, {})
            sids = members.get(member_id or 0, set())
            sids.discard(client.sid)
            last_here = member_id is not None and member_id in members and not sids
            if last_here:
                del members[member_id]  # type: ignore[arg-type]
                if not members:
                    self.viewers.pop(topic, None)
        if last_here and member_id is not None and self.board.leave(topic, member_id):
            self._announce(topic, "leave", member_id, client.caller.name, len(self.board.viewers(topic)))

    def leave_all(self, client: LiveClient) -> None:
        """The client stops viewing everything (it disconnected)."""
        for topic in list(client.viewing):
            self.leave(client, topic)

    def _announce(self, topic: str, action: str, member_id: int, name: str | None, count: int) -> None:
        payload = {"topic": topic, "action": action, "member": {"id": member_id, "name": name}, "viewers": count}
        self.board.tell("presence", payload, topic, member_id)

    def _deliver(self, message: str, payload: dict[str, Any], topic: str, member_id: int) -> None:
        # To the topic's live followers in this process, except the member's own connections.
        skip = self.clients.sids_of(member_id)
        socketio.server.emit(message, payload, to=room_of(topic), skip_sid=skip, namespace=NAMESPACE, ignore_queue=True)
