"""Access changes applied to the `/live` connections of this process, in the relay's order.

Called by the relay (under its lock) before the access-change event and anything after it is
pushed. A connection that lost topics leaves their rooms at once and is told `revoked`; one whose
session ended (token revoked, account deactivated) loses everything, is told, and is disconnected.

Order on the wire: a live connection is told at once (nothing it was sent after the change is
in its stream yet). A connection in the middle of a replay is told by its replay task when that
reaches the live hand-over, after every event it replays from before the change; a replay reads
each page with the topics as they are then, and a page read after the change cannot hold the
lost topics.
"""

from __future__ import annotations

from dialog.extensions import socketio
from dialog.realtime.access import Reviews
from dialog.realtime.clients import Clients, LiveClient
from dialog.realtime.presence import Presence
from dialog.realtime.protocol import NAMESPACE
from events import Event
from events.access import Revocation


class SocketRevoker:
    """Re-checks the connections an access change concerns and takes away what they lost."""

    def __init__(self, clients: Clients, presence: Presence, reviews: Reviews) -> None:
        self.clients = clients
        self.presence = presence
        self.reviews = reviews

    def revoke(self, event: Event) -> None:
        """Apply `event` to every connection it concerns (the caller holds the relay lock)."""
        review = self.reviews.of(event)
        for client in self.clients.all():
            if client.ending is not None:
                continue
            topics = client.topics | client.viewing
            if not review.affects(client.caller, topics):
                continue
            verdict = review.verdict(client.caller, topics)
            if verdict.caller is None:
                assert verdict.revocation is not None
                self._end(client, verdict.revocation)
                continue
            client.caller = verdict.caller  # a new role counts for later subscribes too
            if verdict.revocation is not None:
                self._take_away(client, verdict.revocation)

    def _take_away(self, client: LiveClient, revocation: Revocation) -> None:
        followed = [t for t in revocation.topics if t in client.topics]
        if client.live:
            self.clients.leave_rooms(client, followed)
        client.topics.difference_update(followed)
        message = revocation.message()
        if client.replaying:
            client.notices.append(message)  # told at the hand-over, after what it replays from before
        else:
            self.clients.send(client, "revoked", message)
        viewed = [t for t in revocation.topics if t in client.viewing]
        if viewed:
            # Presence tells the others through the message queue: not under the relay lock.
            socketio.start_background_task(self._stop_viewing, client, viewed)

    def _stop_viewing(self, client: LiveClient, topics: list[str]) -> None:
        for topic in topics:
            self.presence.leave(client, topic)

    def _end(self, client: LiveClient, revocation: Revocation) -> None:
        client.ending = revocation.reason
        if client.live:
            self.clients.leave_rooms(client, client.topics)
        client.live = False
        client.topics.clear()
        client.notices.clear()
        client.generation += 1  # a replay in progress stops at its next event
        socketio.start_background_task(self._close, client, revocation)

    def _close(self, client: LiveClient, revocation: Revocation) -> None:
        with client.busy:  # the replay (if any) has stopped and written what it had
            self.clients.send(client, "revoked", revocation.message())
        socketio.server.disconnect(client.sid, namespace=NAMESPACE)
