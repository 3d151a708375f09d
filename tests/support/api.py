"""Small HTTP helpers for the forum end-to-end tests."""

from __future__ import annotations

from typing import Any

import requests

from tests.support.server import LiveServer


def call(server: LiveServer, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
    """`method` `/api/v1<path>` as the holder of `token` (anonymous without)."""
    headers = server.headers(token) if token else {}
    return requests.request(method, server.url + "/api/v1" + path, headers=headers, timeout=15, **kwargs)


def ok(response: requests.Response, status: int = 200) -> Any:
    """The JSON body, after checking the status."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def me(server: LiveServer, token: str) -> int:
    """The id of the member holding `token`."""
    return int(ok(call(server, "GET", "/me", token))["id"])
