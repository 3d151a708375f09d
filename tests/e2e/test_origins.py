"""Browser origins, checked with raw HTTP: same-origin only by default; DIALOG_CORS_ORIGINS opens the
REST API, SSE and the Engine.IO handshake to the listed origins, never with credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.conftest import start_server
from tests.support.server import LiveServer

pytestmark = pytest.mark.e2e

PARTNER_SITE = "https://partner.example"
EVIL = "https://evil.example"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def open_to_partner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory, DIALOG_CORS_ORIGINS=f" {PARTNER_SITE}/ , https://other.example")
    yield live
    live.stop()


def get(server: LiveServer, path: str, origin: str, **headers: str) -> requests.Response:
    with requests.get(server.url + path, headers={"Origin": origin, **headers}, stream=True, timeout=10) as response:
        return response  # headers only: the SSE stream is closed at once


def test_by_default_no_other_origin_is_allowed(server: LiveServer) -> None:
    for path in ("/api/v1/news", "/api/v1/stream?topics=news"):
        response = get(server, path, EVIL)
        assert response.status_code == 200  # a bearer-token API: the browser refuses to show it, we need not
        assert "Access-Control-Allow-Origin" not in response.headers, path
        assert "Access-Control-Allow-Credentials" not in response.headers, path
    preflight = requests.options(
        server.url + "/api/v1/news",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    refused = get(server, HANDSHAKE, EVIL)
    assert refused.status_code == 400 and "Access-Control-Allow-Origin" not in refused.headers
    same = get(server, HANDSHAKE, server.url)  # the page's own origin
    assert same.status_code == 200 and "Access-Control-Allow-Credentials" not in same.headers


def test_listed_origins_are_allowed_without_credentials_and_others_are_not(open_to_partner: LiveServer) -> None:
    server = open_to_partner
    for path in ("/api/v1/news", "/api/v1/stream?topics=news", HANDSHAKE):
        allowed = get(server, path, PARTNER_SITE)
        assert allowed.status_code == 200, path
        assert allowed.headers["Access-Control-Allow-Origin"] == PARTNER_SITE, path
        assert "Access-Control-Allow-Credentials" not in allowed.headers, path
        other = get(server, path, EVIL)
        assert "Access-Control-Allow-Origin" not in other.headers, path
    assert get(server, HANDSHAKE, EVIL).status_code == 400
    preflight = requests.options(
        server.url + "/api/v1/news",
        headers={
            "Origin": PARTNER_SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == PARTNER_SITE
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
