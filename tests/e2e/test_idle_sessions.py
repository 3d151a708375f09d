"""Idle `/live` WebSocket sessions under production serving (gunicorn + gevent) hold no greenlet.

An event-loop watcher reads each session once its request has ended; a peer that stops answering
pings is still closed after Engine.IO's ping timeout, and a closed session leaves no watcher behind.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import start_server
from tests.e2e.test_storm import live_gauges
from tests.support.rawlive import RawClient, open_raw, pump
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e
IDLE = 100
CONNECTED = 'dialog_connected_clients{namespace="/live"}'
WATCHERS = 'dialog_live_sessions{map="engineio_watchers"}'


@pytest.fixture(scope="module")
def gserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn + gevent with the greenlet gauge and a short ping cycle (dead peers go in seconds)."""
    server = start_server(
        tmp_path_factory,
        gunicorn=True,
        DIALOG_METRICS_GREENLETS="1",
        DIALOG_SOCKETIO_PING_INTERVAL="1",
        DIALOG_SOCKETIO_PING_TIMEOUT="2",
    )
    yield server
    server.stop()


# `flask dialog serve` under gevent (its pywsgi server), patched as a gevent deployment is.
PYWSGI = (
    "from gevent import monkey; monkey.patch_all(); import sys; from flask.cli import main;"
    " sys.argv = ['flask', '--app', 'wsgi:app', 'dialog', 'serve', '--port', sys.argv[1]]; main()"
)


class PywsgiServer(LiveServer):
    """`flask dialog serve` on gevent's pywsgi, whose handler class lets sessions detach."""

    def command(self) -> list[str]:
        return [sys.executable, "-c", PYWSGI, str(self.port)]


@pytest.fixture(scope="module")
def pserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`flask dialog serve` on gevent's pywsgi, whose handler class lets sessions detach."""
    server = PywsgiServer(
        tmp_path_factory.mktemp("pywsgi"), {"DIALOG_ASYNC_MODE": "gevent", "DIALOG_METRICS_GREENLETS": "1"}
    )
    server.prepare()
    server.start()  # on another port if its port was taken meanwhile, as every live server
    yield server
    server.stop()


def greenlets(server: LiveServer) -> float:
    """Started, unfinished greenlets of the worker (the `dialog_greenlets` gauge)."""
    for line in requests.get(server.url + "/metrics", timeout=10).text.splitlines():
        if line.startswith("dialog_greenlets "):
            return float(line.split()[1])
    raise AssertionError("no dialog_greenlets gauge")


def connect(server: LiveServer, count: int) -> list[RawClient]:
    """`count` /live WebSocket clients subscribed to news (pings answered while pumped)."""
    clients = [open_raw("127.0.0.1", server.port) for _ in range(count)]
    for client in clients:
        client.subscribe(["news"])
    assert pump(clients, lambda: all(c.ack is not None for c in clients), timeout=60), "acks missing"
    return clients


def settled(server: LiveServer, clients: list[RawClient], until: object, timeout: float = 60) -> bool:
    """Pump `clients` (so they answer pings) until `until(gauges)` holds."""
    return pump(clients, lambda: until(live_gauges(server)), timeout=timeout)  # type: ignore[operator]


@pytest.mark.parametrize("served_by", ["gserver", "pserver"])
def test_idle_websocket_sessions_hold_no_greenlet(served_by: str, request: pytest.FixtureRequest) -> None:
    server: LiveServer = request.getfixturevalue(served_by)
    before = greenlets(server)
    clients = connect(server, IDLE)
    assert settled(server, clients, lambda g: g[CONNECTED] == IDLE and g[WATCHERS] == IDLE)
    # A greenlet per session would add IDLE; the few allowed are pings and handlers running now.
    assert pump(clients, lambda: greenlets(server) <= before + 5, timeout=30), (greenlets(server), before)
    # They still receive, and still talk: a publish reaches everyone; a second subscribe is acked.
    assert server.post_news(server.token(EDITOR), "Leerlauf").ok
    assert pump(clients, lambda: all(c.ids for c in clients), timeout=60), "an idle client missed the news"
    clients[0].ack = None
    clients[0].subscribe(["news"])
    assert pump(clients, lambda: clients[0].ack is not None, timeout=60)
    for client in clients:
        client.close()
    assert pump([], lambda: live_gauges(server)[CONNECTED] == 0, timeout=60)
    gauges = live_gauges(server)
    assert {name: value for name, value in gauges.items() if value} == {}, gauges
    assert greenlets(server) <= before + 5


def test_a_peer_that_stops_answering_is_closed_after_the_ping_timeout(gserver: LiveServer) -> None:
    healthy, silent = connect(gserver, 2)
    # `silent` is never read again: it answers no ping, but its connection stays open.
    assert settled(gserver, [healthy], lambda g: g[CONNECTED] == 1, timeout=60), live_gauges(gserver)
    gauges = live_gauges(gserver)
    assert gauges[WATCHERS] == 1 and gauges['dialog_live_sessions{map="engineio_sockets"}'] == 1, gauges
    assert healthy.closed is None, healthy.closed
    silent.sock.setblocking(True)
    silent.sock.settimeout(30)
    received = b""
    while chunk := silent.sock.recv(65536):  # what it missed, then the end: the server closed it
        received += chunk
    healthy.close()
    silent.close()
    assert pump([], lambda: live_gauges(gserver)[CONNECTED] == 0, timeout=60)
    assert {name: value for name, value in live_gauges(gserver).items() if value} == {}


def test_the_worker_keeps_its_start_up_heap_out_of_garbage_collection(gserver: LiveServer) -> None:
    # Full collections walked the app's ~185k start-up objects (a quarter of the CPU of connecting),
    # and ran every ~1,000 connects, each walking every connection so far.
    metrics = requests.get(gserver.url + "/metrics", timeout=10).text.splitlines()
    frozen = [float(line.split()[1]) for line in metrics if line.startswith("dialog_gc_frozen_objects ")]
    assert frozen and frozen[0] > 10_000, frozen
    full = [float(line.split()[1]) for line in metrics if line.startswith('dialog_gc_threshold{generation="2"}')]
    assert full == [100.0], full
