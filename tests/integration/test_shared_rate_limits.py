"""Rate limits hold across web processes: with Redis configured, two processes share the counters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import requests

from tests.support.live_client import connect_refusal
from tests.support.server import EDITOR, LiveServer
from tests.support.servers import Redis, start_redis

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer, Redis]]:
    queue = start_redis(tmp_path_factory.mktemp("redis"))
    instance = tmp_path_factory.mktemp("shared")  # one SQLite database behind both processes
    settings = {
        "DIALOG_REDIS_URL": queue.url,
        "DIALOG_RATELIMIT_LOGIN_PER_ADDRESS": "3/minute",
        "DIALOG_RATELIMIT_LIVE_CONNECT_PER_ADDRESS": "3/minute",
    }
    first, second = LiveServer(instance, dict(settings)), LiveServer(instance, dict(settings))
    first.prepare()
    first.start()
    second.start()
    yield first, second, queue
    first.stop()
    second.stop()
    queue.stop()


def test_login_attempts_on_two_processes_count_together(two_processes: tuple[LiveServer, LiveServer, Redis]) -> None:
    first, second, server = two_processes
    wrong = {"email": EDITOR, "password": "not the password"}

    def attempt(server: LiveServer) -> int:
        return requests.post(server.url + "/api/v1/auth/tokens", json=wrong, timeout=30).status_code

    assert [attempt(first), attempt(second), attempt(first)] == [401, 401, 401]
    assert attempt(second) == 429, "the second process knows the first one's attempts"
    assert any(b"dialog" in key for key in redis.Redis.from_url(server.url).keys("*")), "counted in Redis"


def test_live_connects_on_two_processes_count_together(two_processes: tuple[LiveServer, LiveServer, Redis]) -> None:
    first, second, server = two_processes
    assert [connect_refusal(first.url), connect_refusal(second.url), connect_refusal(first.url)] == [None] * 3
    refusal = connect_refusal(second.url)
    assert refusal is not None and refusal["data"]["code"] == "rate_limited", "the second process counts the first's"
    assert any(b"live-connect" in key for key in redis.Redis.from_url(server.url).keys("*")), "counted in Redis"
