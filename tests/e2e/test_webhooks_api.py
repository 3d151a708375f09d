"""Webhooks end to end: an admin registers an endpoint, the scheduler process delivers signed POSTs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import start_server
from tests.support.receiver import receiver
from tests.support.server import ADMIN, EDITOR, MEMBER, LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory, DIALOG_WEBHOOK_ALLOW_PRIVATE="1", DIALOG_WEBHOOK_POLL_SECONDS="0.2")
    scheduler = live.start_scheduler("--tick-seconds", "0.5")
    yield live
    scheduler.terminate()
    scheduler.wait(10)
    live.stop()


def test_partner_endpoint_receives_signed_events_and_admins_see_each_attempt(hook_server: LiveServer) -> None:
    admin = hook_server.headers(hook_server.token(ADMIN))
    with receiver(script=[502]) as endpoint:
        created = requests.post(
            hook_server.url + "/api/v1/webhooks",
            json={"url": endpoint.url, "topics": ["news"], "description": "Stadtportal"},
            headers=admin,
            timeout=10,
        )
        assert created.status_code == 201, created.text
        hook = created.json()
        assert len(hook["secret"]) >= 16 and hook["topics"] == ["news"]
        posted = hook_server.post_news(hook_server.token(EDITOR), "an das Stadtportal").json()
        assert endpoint.wait_for(1), "first attempt (answered 502)"
        # The retry comes after the configured first delay (10 s by default): ask for it now instead.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            page = requests.get(f"{hook_server.url}/api/v1/webhooks/{hook['id']}/deliveries", headers=admin, timeout=10)
            if page.json()["items"] and page.json()["items"][0]["attempt_log"]:
                break
            time.sleep(0.2)
        first = page.json()["items"][0]
        assert first["status"] == "pending" and first["attempt_log"][0]["status_code"] == 502
    listed = requests.get(hook_server.url + "/api/v1/webhooks", headers=admin, timeout=10).json()["items"]
    assert listed[0]["deliveries"] == {"pending": 1} and "secret" not in listed[0]
    request = endpoint.received[0]
    expected = "sha256=" + hmac.new(hook["secret"].encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Dialog-Signature"] == expected
    assert json.loads(request.body)["data"]["news_id"] == posted["id"]


def test_a_failed_delivery_can_be_retried_after_the_partner_fixed_its_endpoint(hook_server: LiveServer) -> None:
    admin = hook_server.headers(hook_server.token(ADMIN))
    with receiver() as endpoint:
        hook = requests.post(
            hook_server.url + "/api/v1/webhooks", json={"url": endpoint.url + "/x", "topics": ["calls"]}, headers=admin,
            timeout=10,
        ).json()  # fmt: skip
        retry = requests.post(
            f"{hook_server.url}/api/v1/webhooks/{hook['id']}/deliveries/999/retry", headers=admin, timeout=10
        )
        assert retry.status_code == 404 and retry.json()["error"]["code"] == "not_found"
        gone = requests.delete(f"{hook_server.url}/api/v1/webhooks/{hook['id']}", headers=admin, timeout=10)
        assert gone.status_code == 204
        assert (
            requests.get(f"{hook_server.url}/api/v1/webhooks/{hook['id']}", headers=admin, timeout=10).json()["active"]
            is False
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x", "topics": ["news"]}, "url"),
        ({"url": "not a url", "topics": ["news"]}, "url"),
        ({"url": "https://example.org/x", "topics": []}, "topics"),
        ({"url": "https://example.org/x", "topics": ["nonsense"]}, "topics"),
        ({"url": "https://example.org/x", "topics": ["news"], "secret": "short"}, "secret"),
        ({"url": "https://example.org/x", "topics": ["news"], "colour": "red"}, "colour"),
    ],
)
def test_bad_webhook_requests_get_a_clear_error_naming_the_field(
    hook_server: LiveServer, body: dict, field: str
) -> None:
    admin = hook_server.headers(hook_server.token(ADMIN))
    before = requests.get(hook_server.url + "/api/v1/webhooks", headers=admin, timeout=10).json()
    response = requests.post(hook_server.url + "/api/v1/webhooks", json=body, headers=admin, timeout=10)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["details"]["json"]
    assert requests.get(hook_server.url + "/api/v1/webhooks", headers=admin, timeout=10).json() == before


def test_only_admins_manage_webhooks(hook_server: LiveServer) -> None:
    member = hook_server.headers(hook_server.token(MEMBER))
    denied = requests.post(
        hook_server.url + "/api/v1/webhooks",
        json={"url": "https://example.org", "topics": ["news"]},
        headers=member,
        timeout=10,
    )
    assert denied.status_code == 403
    assert requests.get(hook_server.url + "/api/v1/webhooks", timeout=10).status_code == 401
