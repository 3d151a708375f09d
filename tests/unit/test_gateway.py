"""The `/live` gateway's dispatch, in process (Flask-SocketIO's test client, the real app and database).

The end-to-end tests (tests/e2e/test_live_hardening.py) send real malformed messages; here a
handler is made to fail in a way no client input can reach any more, to show that even an
unforeseen failure is answered with an error ack.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import event

from dialog import create_app, ratelimit
from dialog.extensions import db, socketio
from events import init_log, policy


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'gw.sqlite3'}"})
    db.create_all()
    with db.write() as session:
        init_log(session)
    yield app
    db.dispose()


def test_an_unexpected_failure_in_a_handler_is_an_error_ack_and_the_connection_stays(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = socketio.test_client(app, namespace="/live")
    assert client.is_connected("/live")

    def broken(*_args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(policy, "authorize", broken)
    ack = client.emit("subscribe", {"topics": ["news"]}, namespace="/live", callback=True)
    assert ack == {"ok": False, "error": {"code": "internal_error", "message": ack["error"]["message"]}}
    assert "logged" in ack["error"]["message"]
    monkeypatch.undo()
    assert client.emit("subscribe", {"topics": ["news"]}, namespace="/live", callback=True)["ok"] is True
    assert client.is_connected("/live")
    client.disconnect(namespace="/live")


@pytest.mark.parametrize(
    "headers", [{}, {"Upgrade": "websocket", "Connection": "Upgrade"}], ids=["polling", "websocket"]
)
def test_the_request_context_of_a_socketio_event_matches_a_route(app: Flask, headers: dict[str, str]) -> None:
    # Flask-SocketIO builds each event's request context from the session's handshake request: a
    # URL no route matched kept a NotFound and its traceback in a reference cycle for every event.
    query = "EIO=4&transport=" + ("websocket" if headers else "polling")
    with app.test_request_context("/socket.io/", query_string=query, headers=headers):
        assert request.routing_exception is None
    # Engine.IO still answers the path itself (an Engine.IO OPEN packet), never the Flask view.
    opened = app.test_client().get("/socket.io/", query_string={"EIO": "4", "transport": "polling"})
    assert opened.status_code == 200 and opened.get_data(as_text=True).startswith("0{")


def test_counting_live_connects_in_memory_starts_no_timer_and_still_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # limits' MemoryStorage started a threading.Timer (a greenlet and a dummy Thread under gevent)
    # after nearly every hit to sweep expired entries: ~0.35 ms of CPU per /live connect.
    started: list[object] = []

    class CountingTimer(threading.Timer):
        def start(self) -> None:
            started.append(self)  # never runs: a dead timer, as one whose 10 ms had passed

        def is_alive(self) -> bool:
            return False

    monkeypatch.setattr(threading, "Timer", CountingTimer)
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'rl.sqlite3'}",
            "LIMIT_LIVE_CONNECT_PER_ADDRESS": "5/minute",
        }
    )
    at_start = len(started)  # the storage's own, made once
    with app.test_request_context("/socket.io/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        waits = [ratelimit.live_connect_wait() for _ in range(6)]
    assert len(started) == at_start
    assert waits[:5] == [None] * 5 and isinstance(waits[5], int) and 1 <= waits[5] <= 60, waits
    db.dispose()


def test_a_subscribe_reads_all_its_topics_in_one_session(app: Flask) -> None:
    # project.<id> reads the database (does it exist?), as space.<slug> and thread.<id> do: a
    # session (a pool checkout, a transaction) per topic before; now the cursor check's and one.
    client = socketio.test_client(app, namespace="/live")
    checkouts: list[object] = []

    def count(*_args: object) -> None:
        checkouts.append(_args)

    assert db.engine is not None
    event.listen(db.engine, "checkout", count)
    try:
        ack = client.emit(
            "subscribe", {"topics": ["project.1", "project.2", "project.3", "news"]}, namespace="/live", callback=True
        )
    finally:
        event.remove(db.engine, "checkout", count)
    assert ack["ok"] is True and ack["topics"] == ["news"] and len(ack["denied"]) == 3, ack
    assert len(checkouts) == 2, len(checkouts)
    client.disconnect(namespace="/live")
