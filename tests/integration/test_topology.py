"""The scale-out topology without Docker: PostgreSQL, Redis, two gunicorn+gevent web processes
behind nginx. Clients on one process receive, in order and once, what the other commits."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.support.access import (
    change_while_publishing,
    check_lost_access,
    new_account,
    new_space,
    removal,
    second_token,
    token_revocation,
    unwatch,
    watch,
)
from tests.support.api import call, ok
from tests.support.live_client import Recorder
from tests.support.programme import call_body
from tests.support.server import ADMIN, EDITOR, LiveServer
from tests.support.servers import Nginx, Postgres, Redis, start_nginx, start_redis

pytestmark = pytest.mark.e2e


@dataclass
class Topology:
    """Everything the docker-compose file runs, started from this machine's binaries."""

    redis: Redis
    web: list[LiveServer]
    nginx: Nginx

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx.port}"

    def publish(self, web: LiveServer, count: int, label: str) -> list[int]:
        """POST `count` news items through `web`; return the news ids that were answered 201."""
        done: list[int] = []
        token = web.token(EDITOR)
        with requests.Session() as http:
            http.headers.update(web.headers(token))
            for n in range(count):
                body = {"title": {"de": f"{label} {n}"}, "body": {"de": "x"}, "publish": True}
                response = http.post(web.url + "/api/v1/news", json=body, timeout=20)
                assert response.status_code == 201, response.text
                done.append(response.json()["id"])
        return done


@pytest.fixture(scope="module")
def topology(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    url = postgres.create_database("topology")
    redis = start_redis(tmp_path_factory.mktemp("redis"))
    settings = {"DIALOG_DATABASE_URL": url, "DIALOG_REDIS_URL": redis.url, "DIALOG_RELAY_POLL_SECONDS": "0.5"}
    web = [LiveServer(tmp_path_factory.mktemp(f"web{n}"), dict(settings), gunicorn=True) for n in (1, 2)]
    web[0].prepare()
    for server in web:
        server.start()
    nginx = start_nginx(tmp_path_factory.mktemp("nginx"), [f"127.0.0.1:{w.port}" for w in web])
    yield Topology(redis, web, nginx)
    nginx.stop()
    for server in web:
        server.stop()
    redis.stop()


def test_nginx_proxies_rest_sse_and_websocket(topology: Topology) -> None:
    assert requests.get(topology.proxy_url + "/readyz", timeout=5).json()["checks"]["redis"]["ok"] is True
    assert requests.get(topology.proxy_url + "/metrics", timeout=5).status_code == 404
    client = Recorder(topology.proxy_url, transports=["websocket"]).connect()
    try:
        ack = client.subscribe(["news"])
        topology.publish(topology.web[1], 1, "durch nginx")
        assert client.wait_for_id(ack["head"] + 1)
    finally:
        client.disconnect()


def test_client_on_one_process_gets_events_committed_through_both_in_order_once(topology: Topology) -> None:
    on_first = Recorder(topology.web[0].url, transports=["websocket"]).connect()
    on_second = Recorder(topology.web[1].url).connect()  # polling, then upgrade
    start = on_first.subscribe(["news"])["head"]
    on_second.subscribe(["news"], since=start)
    results: dict[str, list[int]] = {}
    writers = [
        threading.Thread(target=lambda w=w, n=n: results.__setitem__(n, topology.publish(w, 80, n)))
        for w, n in ((topology.web[0], "eins"), (topology.web[1], "zwei"))
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    log = [e["id"] for e in topology.web[0].log_events("news", since=start)]
    assert len(log) == 160 and len(results["eins"]) == len(results["zwei"]) == 80
    for client in (on_first, on_second):
        assert client.wait_for_id(log[-1], timeout=30)
        assert client.ids == log
        client.disconnect()


def test_resuming_across_processes_never_skips_an_event(topology: Topology) -> None:
    start = topology.web[0].head()
    done = threading.Event()

    def storm() -> None:
        writers = [
            threading.Thread(target=topology.publish, args=(w, 60, f"sturm{n}")) for n, w in enumerate(topology.web)
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        done.set()

    threading.Thread(target=storm).start()
    received: list[int] = []
    cursor, hops = start, 0
    while not done.is_set() or hops < 4:
        client = Recorder(topology.web[hops % 2].url, transports=["websocket"]).connect()
        client.subscribe(["news"], since=cursor)
        time.sleep(0.4)
        client.disconnect()
        received.extend(client.ids)
        cursor = received[-1] if received else cursor
        hops += 1
    final = Recorder(topology.proxy_url).connect()
    ack = final.subscribe(["news"], since=cursor)
    final.wait_for_id(ack["head"])
    final.disconnect()
    received.extend(final.ids)
    assert received == [e["id"] for e in topology.web[1].log_events("news", since=start)]


def test_redis_restart_during_a_publish_storm_loses_nothing(topology: Topology) -> None:
    """While Redis is down a connected client keeps receiving (relays poll the log); nothing is lost."""
    connected = Recorder(topology.web[0].url, transports=["websocket"]).connect()
    start = connected.subscribe(["news"])["head"]
    published: list[int] = []
    writer = threading.Thread(target=lambda: published.extend(topology.publish(topology.web[1], 150, "redis")))
    writer.start()
    time.sleep(0.5)
    topology.redis.stop()
    ready = requests.get(topology.web[0].url + "/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["checks"]["redis"]["ok"] is False
    time.sleep(1.5)
    topology.redis.start()
    writer.join()
    log = [e["id"] for e in topology.web[0].log_events("news", since=start)]
    assert len(log) == 150 == len(published)
    assert connected.wait_for_id(log[-1], timeout=30)
    assert connected.ids == log
    connected.disconnect()
    resumed = Recorder(topology.web[1].url).connect()
    ack = resumed.subscribe(["news"], since=start)
    assert resumed.wait_for_id(ack["head"])
    assert resumed.ids == log
    resumed.disconnect()
    assert requests.get(topology.web[0].url + "/readyz", timeout=10).status_code == 200


def test_killed_scheduler_is_replaced_and_the_opening_is_pushed_once(topology: Topology) -> None:
    """Two scheduler processes, one holding the lock; SIGKILL it just before a call opens."""
    web = topology.web[0]
    first = web.start_scheduler("--tick-seconds", "0.3")
    log = web.instance / "scheduler.log"
    deadline = time.monotonic() + 30
    while "scheduler lock acquired" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    second = web.start_scheduler("--tick-seconds", "0.3")
    listener = Recorder(topology.web[1].url).connect()
    try:
        ack = listener.subscribe(["calls"])
        now = datetime.now(UTC)
        body = call_body(9, {"de": "Übernahme"}, timedelta(seconds=4), timedelta(days=30), announce=True)
        created = requests.post(
            web.url + "/api/v1/calls", json=body, headers=web.headers(web.token(EDITOR)), timeout=10
        )
        assert created.status_code == 201, created.text
        call_id = created.json()["id"]
        time.sleep(max(0.0, (now + timedelta(seconds=3) - datetime.now(UTC)).total_seconds()))
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        # The opening itself (ack["head"] + 2 is that only if nothing else was logged since the subscribe).
        assert listener.wait_until(lambda r: any(e["data"]["call_id"] == call_id for e in r.of_type("call.opened")), 60)
        listener.quiet_for(1.5)  # more ticks of the surviving scheduler
        mine = [e["type"] for e in listener.events if e["data"].get("call_id") == call_id]
        assert mine == ["call.announced", "call.opened"]
        logged = [e["type"] for e in web.log_events("calls", since=ack["head"]) if e["data"].get("call_id") == call_id]
        assert logged == ["call.announced", "call.opened"]
        assert second.poll() is None
    finally:
        listener.disconnect()
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                process.wait(10)


def test_access_removed_and_token_revoked_reach_readers_on_both_processes(topology: Topology) -> None:
    """Each process's relay applies the change from the log on its own: readers on either one lose access."""
    first, second = topology.web
    admin = first.token(ADMIN)
    thread = new_space(first, admin, "topo-closed", "invited")
    removed, revoked = (new_account(first, admin, "member", who) for who in ("topo-rm", "topo-tok"))
    for account in (removed, revoked):
        ok(call(first, "PUT", f"/spaces/topo-closed/members/{account.id}", admin), 204)
    topics = ["space.topo-closed", f"thread.{thread}", "news"]
    scenarios = [removal(second, admin, removed, "topo-closed", topics), token_revocation(first, revoked, topics)]
    # Each reader has a socket on one process and an SSE stream on the other.
    watch(scenarios[0], first, second, ["websocket"])
    watch(scenarios[1], second, first, ["websocket"])
    change_while_publishing([(first, [thread]), (second, [thread])], admin, scenarios, rounds=3)
    for scenario in scenarios:
        check_lost_access(first, admin, scenario, topology.web)
        unwatch(scenario)


def test_presence_and_typing_reach_members_on_the_other_process(topology: Topology) -> None:
    """Viewers are counted across processes, and typing and presence are heard on both."""
    first, second = topology.web
    admin = first.token(ADMIN)
    thread = new_space(first, admin, "topo-presence", "public")
    topic = f"thread.{thread}"
    anna, ben = (new_account(first, admin, "member", who) for who in ("topo-anna", "topo-ben"))
    watcher = Recorder(first.url, admin, transports=["websocket"]).connect()  # hears everything, on web 1
    anna_here = Recorder(first.url, anna.token, transports=["websocket"]).connect()
    anna_there = Recorder(second.url, second_token(second, anna), transports=["websocket"]).connect()
    ben_there = Recorder(second.url, ben.token, transports=["websocket"]).connect()
    clients = [watcher, anna_here, anna_there, ben_there]
    try:
        for client in clients:
            assert client.subscribe([topic])["denied"] == []
        assert [v["id"] for v in anna_here.call("view", {"topic": topic})["viewers"]] == [anna.id]
        # Anna's second tab, on the other process: she is counted once, and nobody is told twice.
        assert [v["id"] for v in anna_there.call("view", {"topic": topic})["viewers"]] == [anna.id]
        # Ben, on web 2, sees Anna, whose tab that joined first is on web 1.
        assert [v["id"] for v in ben_there.call("view", {"topic": topic})["viewers"]] == sorted([anna.id, ben.id])
        assert ben_there.call("typing", {"thread_id": thread}) == {"ok": True}  # typed on web 2
        assert anna_here.call("typing", {"thread_id": thread}) == {"ok": True}  # typed on web 1
        anna_here.disconnect()  # her tab on web 2 still views: no leave
        assert ben_there.call("leave", {"topic": topic}) == {"ok": True, "topic": topic}

        who = {anna.id: {"id": anna.id, "name": "Topo-Anna"}, ben.id: {"id": ben.id, "name": "Topo-Ben"}}

        def presence(action: str, member: int, viewers: int) -> tuple[str, dict[str, Any]]:
            return "presence", {"topic": topic, "action": action, "member": who[member], "viewers": viewers}

        expected = [
            presence("join", anna.id, 1),
            presence("join", ben.id, 2),
            ("typing", {"thread_id": thread, "member": who[ben.id]}),
            ("typing", {"thread_id": thread, "member": who[anna.id]}),
            presence("leave", ben.id, 1),
        ]
        assert watcher.wait_until(lambda r: len(r.messages) >= len(expected)), watcher.messages
        assert watcher.messages == expected
        # Anna's tab on web 2 hears Ben but never her own typing or joining (sent from web 1).
        assert anna_there.wait_until(lambda r: len(r.messages) >= 3), anna_there.messages
        assert [(name, data["member"]["id"]) for name, data in anna_there.messages] == [
            ("presence", ben.id),
            ("typing", ben.id),
            ("presence", ben.id),
        ]
    finally:
        for client in clients:
            client.disconnect()
