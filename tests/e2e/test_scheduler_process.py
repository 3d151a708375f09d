"""`flask dialog scheduler` as real processes: they open a call at its time, exactly once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from tests.support.live_client import Recorder
from tests.support.programme import call_body
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e


def test_two_scheduler_processes_open_a_call_at_its_time_exactly_once(server: LiveServer) -> None:
    headers = server.headers(server.token(EDITOR))
    listener = Recorder(server.url).connect()
    schedulers = [server.start_scheduler("--tick-seconds", "0.3") for _ in range(2)]
    try:
        assert listener.subscribe(["calls"])["ok"]
        body = call_body(5, {"de": "Bald offen"}, timedelta(seconds=4), timedelta(days=30), announce=True)
        response = requests.post(server.url + "/api/v1/calls", json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text
        call_id = response.json()["id"]
        # The opening itself (the head + 2 at the subscribe is that only if nothing else was logged since:
        # the schedulers start meanwhile).
        assert listener.wait_until(lambda r: any(e["data"]["call_id"] == call_id for e in r.of_type("call.opened")), 60)
        listener.quiet_for(1.5)  # several more ticks of both schedulers
        mine = [e for e in listener.events if e["data"]["call_id"] == call_id]
        assert [e["type"] for e in mine] == ["call.announced", "call.opened"]
        assert mine[1]["data"]["broadcast"] is False and mine[1]["actor"]["name"] == "Scheduler"
        call = requests.get(f"{server.url}/api/v1/calls/{call_id}", timeout=10).json()
        assert call["status"] == "open" and call["opened_at"] >= body["opens_at"]
        assert all(process.poll() is None for process in schedulers)
    finally:
        listener.disconnect()
        for process in schedulers:
            process.terminate()
            process.wait(10)


def test_scheduler_once_catches_up_after_downtime(server: LiveServer) -> None:
    headers = server.headers(server.token(EDITOR))
    body = call_body(6, {"de": "Verpasst"}, timedelta(seconds=1), timedelta(days=3), announce=True)
    call_id = requests.post(server.url + "/api/v1/calls", json=body, headers=headers, timeout=10).json()["id"]
    start = server.head()
    time.sleep(1.5)  # nobody is running a scheduler while the opening time passes
    assert "handled 1" in server.cli("scheduler", "--once")
    assert "handled 0" in server.cli("scheduler", "--once")
    opened = [e for e in server.log_events("calls", start) if e["type"] == "call.opened"]
    assert [e["data"]["call_id"] for e in opened] == [call_id]
