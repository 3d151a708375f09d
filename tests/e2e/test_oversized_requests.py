"""Requests that the HTTP layer refuses before the application (too long a URL, too many or too large
headers, not HTTP at all) are answered in our JSON error shape: by gunicorn+gevent, and by nginx."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import LiveServer
from tests.support.servers import Nginx, start_nginx

pytestmark = pytest.mark.e2e

LONG_URL = b"GET /api/v1/news?tag=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: dialog\r\n\r\n"
LARGE_HEADER = b"GET /api/v1/news HTTP/1.1\r\nHost: dialog\r\nX-Large: " + b"a" * 9000 + b"\r\n\r\n"
HEADERS_120 = b"".join(b"X-H%d: 1\r\n" % n for n in range(120))
MANY_HEADERS = b"GET /api/v1/news HTTP/1.1\r\nHost: dialog\r\n" + HEADERS_120 + b"\r\n"
NOT_HTTP = b"HELLO THERE\r\n\r\n"
HUGE_BODY = b"POST /api/v1/news HTTP/1.1\r\nHost: dialog\r\nContent-Length: 3000000\r\n\r\n"


@pytest.fixture(scope="module")
def nginx(production: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    upstream = f"127.0.0.1:{production.port}"
    proxy = start_nginx(tmp_path_factory.mktemp("nginx"), [upstream, upstream])
    yield proxy
    proxy.stop()


def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], Any]:
    """Send raw bytes, read the answer to the end: (status, headers, parsed JSON body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (LONG_URL, 414, "uri_too_long"),
        (LARGE_HEADER, 431, "headers_too_large"),
        (MANY_HEADERS, 431, "headers_too_large"),
        (NOT_HTTP, 400, "bad_request"),
    ],
    ids=["long-url", "large-header", "many-headers", "not-http"],
)
def test_gunicorn_answers_in_our_shape(production: LiveServer, request_bytes: bytes, status: int, code: str) -> None:
    got, headers, body = exchange(production.port, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/json" and headers["x-content-type-options"] == "nosniff"
    assert body["error"]["code"] == code and body["error"]["message"] and body["error"]["details"] == {}


def test_a_url_of_6_kb_still_reaches_the_application(production: LiveServer) -> None:
    request = b"GET /api/v1/news?tag=" + b"a" * 6000 + b" HTTP/1.1\r\nHost: dialog\r\nConnection: close\r\n\r\n"
    status, _, body = exchange(production.port, request)
    assert status == 422 and body["error"]["code"] == "invalid_input"  # our answer, about the tag


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (LONG_URL, 414, "uri_too_long"),
        (LARGE_HEADER, 431, "headers_too_large"),
        (NOT_HTTP, 400, "bad_request"),
        (HUGE_BODY, 413, "payload_too_large"),
    ],
    ids=["long-url", "large-header", "not-http", "huge-body"],
)
def test_nginx_refuses_in_our_error_shape(nginx: Nginx, request_bytes: bytes, status: int, code: str) -> None:
    got, headers, body = exchange(nginx.port, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/json" and headers["x-content-type-options"] == "nosniff"
    assert body["error"]["code"] == code and body["error"]["message"]
