"""A client far behind replays in pages without holding up live clients.

20k events (40 replay pages) keep the suite fast; `bench/` measures catch-up at 100k.
"""

from __future__ import annotations

import time

import pytest

from events import Caller, Database, publish
from tests.conftest import start_server
from tests.support.live_client import Recorder
from tests.support.news import news_published
from tests.support.server import EDITOR

pytestmark = pytest.mark.e2e
BEHIND = 20_000


def append_history(database_url: str, count: int, batch: int = 5000) -> None:
    """Commit `count` news events from this process, as another writer (scheduler, CLI) would."""
    db = Database()
    db.configure(database_url)
    data = news_published(title="Archiv")
    try:
        for start in range(0, count, batch):
            with db.write() as session:
                for _ in range(min(batch, count - start)):
                    publish(session, data, topic="news", actor=Caller(None, "Archiv"))
    finally:
        db.dispose()


def test_client_far_behind_replays_everything_while_a_live_client_is_served(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = start_server(tmp_path_factory)
    try:
        start = server.head()
        began = time.monotonic()
        append_history(f"sqlite:///{server.instance / 'dialog.sqlite3'}", BEHIND)
        print(f"appended {BEHIND} events in {time.monotonic() - began:.1f} s")
        live = Recorder(server.url, transports=["websocket"]).connect()
        behind = Recorder(server.url, transports=["websocket"]).connect()
        live_ack = live.subscribe(["news"])
        assert live_ack["head"] == start + BEHIND
        behind.subscribe(["news"], since=start)
        posted = server.post_news(server.token(EDITOR), "während der Aufholjagd").json()["id"]
        assert live.wait_for_id(live_ack["head"] + 1, timeout=60)
        replayed_when_live_arrived = len(behind.ids)
        assert live.events[-1]["data"]["news_id"] == posted
        assert replayed_when_live_arrived < BEHIND, "the live client waited for the whole replay"
        began = time.monotonic()
        assert behind.wait_for_id(live_ack["head"] + 1, timeout=240)
        print(f"replayed {BEHIND} events in {time.monotonic() - began:.1f} s")
        assert behind.ids == list(range(start + 1, start + BEHIND + 2))
        live.disconnect()
        behind.disconnect()
    finally:
        server.stop()
