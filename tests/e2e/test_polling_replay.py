"""A deep replay reaches python-socketio's `Client` over long-polling (no websocket-client installed).

python-engineio's client refuses a polling response of more than 16 packets ("Too many packets in
payload") and drops the connection; a replay of a few hundred events used to queue them all into
one response. The README's first example is exactly this client.
"""

from __future__ import annotations

import pytest

from tests.support.live_client import Recorder
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e

EVENTS = 100  # six long-poll answers at most 16 packets each, and more


def test_a_polling_client_follows_a_deep_replay(server: LiveServer) -> None:
    token = server.token(EDITOR)
    for n in range(EVENTS):
        assert server.post_news(token, f"Nachholen {n}").status_code == 201
    head = server.head()
    expected = [e["id"] for e in server.log_events("news", since=0)]
    polling = Recorder(server.url, transports=["polling"]).connect()
    try:
        ack = polling.subscribe(["news"], since=0)
        assert ack["ok"] and ack["head"] == head
        assert polling.wait_for_id(expected[-1], timeout=60), f"got {len(polling.ids)} of {len(expected)}"
        assert polling.ids == expected and polling.client.connected
        assert ("disconnect", "transport error") not in polling.timeline
    finally:
        polling.disconnect()
