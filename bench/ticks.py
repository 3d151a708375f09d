"""The benchmark's one event type, `bench.tick` on `bench.<n>` (declared once for every bench module)."""

from __future__ import annotations

from events import EventData, described, event_type, policy
from events.topics import public


@event_type("bench.tick", topics=("bench.<n>",))
class BenchTick(EventData):
    """A benchmark event."""

    t: float = described("send time, ms since the epoch")
    s: int = described("the benchmark step")
    pad: str = described("makes the data ~100 bytes")


policy.family("bench", public)
