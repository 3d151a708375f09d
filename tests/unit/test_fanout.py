"""The broadcast fast path's batching (dialog/realtime/fanout.py): what each connection's outbox is given."""

from __future__ import annotations

import json
from typing import Any

from dialog.realtime.fanout import FanOut, Outbox, Target


class RecordingOutbox(Outbox):
    """An outbox that keeps each write (on gevent, a write to an idle socket is one `send`)."""

    def __init__(self, limit_reached: bool = False) -> None:  # noqa: D107 - no socket behind it
        self.writes: list[bytes] = []
        self.limit_reached = limit_reached

    def write(self, data: bytes, frames: int = 1, limit: int = 0) -> bool:
        if self.limit_reached:
            return False
        self.writes.append(data)
        return True


class FakeIO:
    """The little of SocketServer that FanOut reads when it is not hooked into a server."""

    namespace = "/live"
    server = type("Server", (), {"async_mode": "gevent"})()


def fanout_with(members: dict[str, list[str]], slow: tuple[str, ...] = ()) -> tuple[FanOut, dict[str, RecordingOutbox]]:
    """A FanOut whose sessions (sid -> rooms) each have a recording outbox; `slow` ones are over their limit."""
    fanout = FanOut(FakeIO(), enabled=False, max_bytes=1 << 20)  # type: ignore[arg-type]
    outboxes: dict[str, RecordingOutbox] = {}
    for sid, rooms in members.items():
        outboxes[sid] = RecordingOutbox(limit_reached=sid in slow)
        fanout.targets[sid] = Target(sid, f"eio-{sid}", outboxes[sid])
        fanout.join(sid, rooms)
    return fanout, outboxes


def ids_in(data: bytes) -> list[int]:
    """The event ids in a run of WebSocket text frames (all shorter than 126 bytes here)."""
    found = []
    while data:
        length = data[1]
        text = data[2 : 2 + length].decode()
        found.append(json.loads(text[text.index(",") + 1 :])[1]["id"])
        data = data[2 + length :]
    return found


def batch(*events: tuple[str, int]) -> list[tuple[tuple[str, ...], list[tuple[int, Any]]]]:
    return [((room,), [(event_id, {"id": event_id})]) for room, event_id in events]


def test_each_connection_gets_its_share_of_a_batch_in_one_write_in_id_order() -> None:
    fanout, outboxes = fanout_with({"a": ["A"], "b": ["B"], "both": ["A", "B"], "none": ["C"]})

    delivered = fanout.broadcast(batch(("A", 1), ("B", 2), ("A", 3), ("B", 4)))

    assert delivered == 2 + 2 + 4
    assert [ids_in(w) for w in outboxes["a"].writes] == [[1, 3]]
    assert [ids_in(w) for w in outboxes["b"].writes] == [[2, 4]]
    assert [ids_in(w) for w in outboxes["both"].writes] == [[1, 2, 3, 4]]
    assert outboxes["none"].writes == []


def test_a_connection_over_its_limit_is_handed_back_at_its_first_event_of_the_batch() -> None:
    fanout, outboxes = fanout_with({"slow": ["A", "B"], "fast": ["B"]}, slow=("slow",))
    handed: list[tuple[str, int]] = []
    fanout.on_overflow = lambda sid, cursor: handed.append((sid, cursor))

    delivered = fanout.broadcast(batch(("B", 7), ("A", 8)))

    assert delivered == 1
    assert handed == [("slow", 6)]
    assert [ids_in(w) for w in outboxes["fast"].writes] == [[7]]
    assert fanout.broadcast(batch(("A", 9))) == 0  # demoted until it rejoins from the log
