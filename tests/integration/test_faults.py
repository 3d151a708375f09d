"""Database faults: unreachable at start, lost during operation, back again."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from tests.support.live_client import Recorder
from tests.support.server import EDITOR, ROOT, LiveServer
from tests.support.servers import Postgres, start_postgres

pytestmark = pytest.mark.e2e


def wait_ready(server: LiveServer, status: int, timeout: float = 30) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(server.url + "/readyz", timeout=5)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


@pytest.fixture
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """A PostgreSQL server this test may stop and restart."""
    server = start_postgres(tmp_path_factory.mktemp("pg-fault"))
    yield server
    server.remove()


def test_database_lost_during_operation_fails_cleanly_and_recovers(
    own_postgres: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = own_postgres.create_database("faults")
    web = LiveServer(tmp_path_factory.mktemp("web"), {"DIALOG_DATABASE_URL": url}, gunicorn=True)
    web.prepare()
    web.start()
    client = Recorder(web.url, transports=["websocket"]).connect()
    try:
        head = client.subscribe(["news"])["head"]
        token = web.token(EDITOR)
        own_postgres.stop()
        down = requests.get(web.url + "/api/v1/news", timeout=10)
        assert down.status_code == 503 and down.json()["error"]["code"] == "unavailable"
        assert down.headers["Retry-After"] == "5"
        failed_write = web.post_news(token, "geht nicht")
        assert failed_write.status_code == 503
        assert requests.get(web.url + "/healthz", timeout=5).status_code == 200
        not_ready = requests.get(web.url + "/readyz", timeout=10)
        assert not_ready.status_code == 503 and not_ready.json()["checks"]["database"]["ok"] is False
        assert client.call("subscribe", {"topics": ["calls"]})["error"]["code"] == "unavailable"
        assert client.client.connected, "live clients stay connected while the database is away"
        own_postgres.start()
        assert wait_ready(web, 200).status_code == 200
        created = web.post_news(token, "wieder da")
        assert created.status_code == 201
        assert client.wait_for_id(head + 1), "the relay recovered and pushes again"
        assert [e["data"]["title"]["de"] for e in client.events] == ["wieder da"]
    finally:
        client.disconnect()
        web.stop()


def test_database_unreachable_at_start(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The port stays bound (not listening: connecting is refused) until PostgreSQL starts on it, so
    # nothing else on the machine takes it during the seconds in between.
    reserved = socket.socket()
    reserved.bind(("127.0.0.1", 0))
    port = int(reserved.getsockname()[1])
    url = f"postgresql+psycopg://dialog@127.0.0.1:{port}/dialog"
    web = LiveServer(tmp_path_factory.mktemp("web-nodb"), {"DIALOG_DATABASE_URL": url}, gunicorn=True)
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "dialog", "migrate"],
        cwd=ROOT,
        env=web.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode != 0 and "cannot reach the database" in migrate.stderr
    assert "Traceback" not in migrate.stderr
    web.start()  # serves /healthz; not ready until the database is there
    pg = None
    try:
        not_ready = requests.get(web.url + "/readyz", timeout=10)
        assert not_ready.status_code == 503
        pg = start_postgres(tmp_path_factory.mktemp("pg-late"), port=port, held=reserved)
        pg.create_database("dialog")
        web.prepare()
        assert wait_ready(web, 200).status_code == 200
        client = Recorder(web.url).connect()
        head = client.subscribe(["news"])["head"]
        web.post_news(web.token(EDITOR), "spät, aber da")
        assert client.wait_for_id(head + 1)
        client.disconnect()
    finally:
        reserved.close()
        web.stop()
        if pg is not None:
            pg.remove()
