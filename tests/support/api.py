"""Small HTTP helpers: against a live server (requests) or the app's Flask test client."""

from __future__ import annotations

from typing import Any

import requests
from flask.testing import FlaskClient

from tests.support.server import DEMO_PASSWORD, LiveServer


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


def bearer(token: str | None) -> dict[str, str]:
    """The Authorization header for `token` (none for None)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def login(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> str:
    """A bearer token for `email`, through the test client."""
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["token"])


def every_page(client: FlaskClient, path: str, token: str | None = None, **params: Any) -> list[Any]:
    """Every item of a list, following `next` cursors page by page."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get(path, query_string=query, headers=bearer(token)).get_json()
        items.extend(body["items"])
        cursor = body["next"]
        if cursor is None:
            return items
