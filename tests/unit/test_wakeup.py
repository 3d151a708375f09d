"""Cross-process relay wake-ups (dialog/realtime/wakeup.py): a process ignores its own hints."""

from __future__ import annotations

import contextlib
from typing import Any

from dialog.realtime.wakeup import CHANNEL, RedisWakeup


class CountingRelay:
    """Stands in for the relay: counts wake-ups."""

    def __init__(self) -> None:
        self.woken = 0

    def notify(self, _events: object = None) -> None:
        self.woken += 1


class RecordingClient:
    """Stands in for the Redis client: records what is published (and stops the announcer loop)."""

    def __init__(self) -> None:
        self.published: list[tuple[str, Any]] = []

    def publish(self, channel: str, data: Any) -> None:
        self.published.append((channel, data))
        raise SystemExit  # one round of the announcer is enough


def wakeup() -> tuple[RedisWakeup, CountingRelay]:
    relay = CountingRelay()
    # from_url does not connect: nothing here talks to a Redis server.
    return RedisWakeup("redis://127.0.0.1:1/0", relay), relay  # type: ignore[arg-type]


def test_a_hint_from_another_process_wakes_the_relay() -> None:
    mine, relay = wakeup()
    theirs, _ = wakeup()
    mine.on_hint({"type": "message", "channel": CHANNEL.encode(), "data": theirs.token})
    mine.on_hint({"type": "message", "channel": CHANNEL.encode(), "data": b"1"})  # a process without tokens
    assert relay.woken == 2


def test_a_process_is_not_woken_by_its_own_hint() -> None:
    # Its commit woke its relay already; the echo would cost one more read of the log per commit.
    mine, relay = wakeup()
    mine.on_hint({"type": "message", "channel": CHANNEL.encode(), "data": mine.token})
    assert relay.woken == 0


def test_the_announcer_sends_this_process_token() -> None:
    mine, _ = wakeup()
    client = RecordingClient()
    mine.client = client  # type: ignore[assignment]
    mine._committed.set()
    with contextlib.suppress(SystemExit):
        mine._announce_forever()
    assert client.published == [(CHANNEL, mine.token)]
    other, _ = wakeup()
    assert other.token != mine.token
