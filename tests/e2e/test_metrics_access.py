"""Who may scrape /metrics: with DIALOG_METRICS_TOKEN, whoever shows it; without, only this machine,
directly (not through a proxy, and not from another address)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from dialog import create_app
from tests.conftest import start_server
from tests.support.server import LiveServer

pytestmark = pytest.mark.e2e

TOKEN = "a-long-random-scrape-token"


@pytest.fixture(scope="module")
def with_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory, DIALOG_METRICS_TOKEN=TOKEN)
    yield live
    live.stop()


def scrape(server: LiveServer, **headers: str) -> requests.Response:
    return requests.get(server.url + "/metrics", headers=headers, timeout=10)


def test_without_a_token_only_direct_local_scrapes_are_answered(server: LiveServer) -> None:
    local = scrape(server)
    assert local.status_code == 200 and "dialog_http_request_duration_seconds" in local.text
    forwarded = scrape(server, **{"X-Forwarded-For": "203.0.113.9"})  # what a proxy on this machine sends
    assert forwarded.status_code == 404 and forwarded.json()["error"]["code"] == "not_found"


def test_without_a_token_other_addresses_get_404(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_with_a_token_every_scrape_shows_it(with_token: LiveServer) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = scrape(with_token, **headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized", headers
    allowed = scrape(with_token, Authorization=f"Bearer {TOKEN}")
    assert allowed.status_code == 200 and "dialog_events_committed" in allowed.text
