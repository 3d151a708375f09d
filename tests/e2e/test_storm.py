"""A reconnect storm against production serving (gunicorn + gevent): fair replay, bounded memory.

Scale: DIALOG_STORM_CLIENTS x DIALOG_STORM_EVENTS (default the issue's 100 x 10,000; converges in
about 4 s on a shared 2-core machine).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import start_server
from tests.e2e.test_replay_scale import append_history
from tests.support.rawlive import RawClient, open_raw, pump
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e
CLIENTS = int(os.environ.get("DIALOG_STORM_CLIENTS", "100"))
EVENTS = int(os.environ.get("DIALOG_STORM_EVENTS", "10000"))


@pytest.fixture(scope="module")
def gserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One gunicorn + gevent server (as in production) shared by this module's tests."""
    server = start_server(tmp_path_factory, gunicorn=True)
    yield server
    server.stop()


def worker_pid(server: LiveServer) -> int:
    """The gunicorn worker's pid (the one process that serves: workers = 1)."""
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def live_gauges(server: LiveServer) -> dict[str, float]:
    """The /live bookkeeping gauges from /metrics (connections and per-session maps)."""
    found: dict[str, float] = {}
    for line in requests.get(server.url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(("dialog_connected_clients{", "dialog_live_sessions{")):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


class Load:
    """A REST client timing every request, and an editor publishing news, until stopped."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.token = server.token(EDITOR)
        self.latencies: list[float] = []
        self.published = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._rest, daemon=True),
            threading.Thread(target=self._publish, daemon=True),
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _rest(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            began = time.monotonic()
            response = session.get(self.server.url + "/api/v1/news", timeout=30)
            self.latencies.append(time.monotonic() - began)
            if not response.ok:
                self.failures.append(f"GET /api/v1/news {response.status_code}")
            self.stop.wait(0.05)

    def _publish(self) -> None:
        while not self.stop.is_set():
            response = self.server.post_news(self.token, f"Sturm {self.published}")
            if response.ok:
                self.published += 1
            else:
                self.failures.append(f"POST /api/v1/news {response.status_code}")
            self.stop.wait(0.25)

    def p99(self) -> float:
        """The 99th percentile of the REST latencies, in seconds."""
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98] if len(self.latencies) >= 2 else 0.0


def test_a_reconnect_storm_replays_everything_fairly(gserver: LiveServer) -> None:
    append_history(f"sqlite:///{gserver.instance / 'dialog.sqlite3'}", EVENTS)
    host, port = "127.0.0.1", gserver.port
    clients = [open_raw(host, port) for _ in range(CLIENTS)]
    began = time.monotonic()
    with Load(gserver) as load:
        for client in clients:
            client.subscribe(["news"], since=0)
        # Everyone acked and replaying, then news goes on for a while during the replays.
        assert pump(clients, lambda: all(c.ack is not None for c in clients), timeout=60), "acks missing"
        acked = time.monotonic() - began
        pump(clients, lambda: False, timeout=3)
    head = gserver.head()
    assert pump(clients, lambda: all(c.ids and c.ids[-1] >= head for c in clients), timeout=90), (
        f"not converged: {sorted(len(c.ids) for c in clients)[:5]} ... of {head}"
    )
    converged = time.monotonic() - began
    expected = [e["id"] for e in gserver.log_events("news")]
    assert expected[-1] == head
    print(
        f"\n{CLIENTS} clients x {len(expected)} events: acks after {acked:.1f} s, converged after {converged:.1f} s;"
        f" REST p99 {load.p99() * 1000:.0f} ms, max {max(load.latencies) * 1000:.0f} ms over"
        f" {len(load.latencies)} requests; {load.published} news published meanwhile"
    )
    assert not load.failures, load.failures[:5]
    assert load.published > 0
    for client in clients:
        assert client.closed is None, client.closed  # no ping timeout, no disconnect
        assert client.ack is not None and client.ack["ok"] and client.ack["recovered"]
        assert client.events_before_ack == 0, "an event arrived before the subscribe ack"
        assert client.ids == expected  # in order, no gap, no duplicate
    assert load.p99() < 1.0
    for client in clients:
        client.close()


def _cycle(server: LiveServer, count: int) -> None:
    clients: list[RawClient] = []
    for _ in range(count):
        clients.append(open_raw("127.0.0.1", server.port))
    for client in clients:
        client.subscribe(["news"])
    assert pump(clients, lambda: all(c.ack is not None for c in clients), timeout=60)
    for client in clients:
        client.close()
    deadline = time.monotonic() + 30
    while live_gauges(server).get('dialog_connected_clients{namespace="/live"}', 1) > 0:
        assert time.monotonic() < deadline, live_gauges(server)
        time.sleep(0.2)


def test_connection_cycles_do_not_grow_memory(gserver: LiveServer) -> None:
    pid = worker_pid(gserver)
    rss: list[int] = []
    for _ in range(5):
        _cycle(gserver, 1000)
        gauges = live_gauges(gserver)
        assert len(gauges) > 5, gauges
        assert {name: value for name, value in gauges.items() if value} == {}
        rss.append(rss_kib(pid))
    print(f"\nworker RSS after each cycle of 1,000 connections (MiB): {[round(r / 1024, 1) for r in rss]}")
    assert rss[-1] <= rss[0] * 1.10
