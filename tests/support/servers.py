"""The throwaway servers of tools/servers.py, for tests: a server the machine cannot run skips the test.

Under CI=true it fails instead (tests/conftest.py turns `ServerUnavailable` into the outcome).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from tools.servers import (
    Nginx,
    Postgres,
    Redis,
    ServerUnavailable,
    free_port,
    render_nginx,
    start_postgres,
    start_redis,
)

IN_CI = os.environ.get("CI", "").lower() == "true"

__all__ = [
    "IN_CI",
    "Nginx",
    "Postgres",
    "Redis",
    "ServerUnavailable",
    "render_nginx",
    "start_postgres",
    "start_nginx",
    "start_redis",
    "unavailable",
]


def unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"CI needs this server: {reason}")
    pytest.skip(reason)


def start_nginx(directory: Path, upstreams: list[str]) -> Nginx:
    """deploy/nginx.conf.template in front of `upstreams`, checked (`nginx -t`) and running on a free port.

    The port is free when picked, not necessarily when nginx binds it: if something took it
    meanwhile, nginx starts again on another one.
    """
    for _ in range(5):
        port = free_port()
        nginx = Nginx(directory, render_nginx(directory, upstreams, port), port)
        checked = nginx.test_config()
        assert checked.returncode == 0, checked.stderr
        log = directory / "nginx.log"
        offset = log.stat().st_size if log.exists() else 0
        try:
            return nginx.start()
        except RuntimeError:
            with open(log, "rb") as out:
                out.seek(offset)
                if b"Address already in use" not in out.read():
                    raise
    raise RuntimeError(f"nginx found no free port: {(directory / 'nginx.log').read_text()[-2000:]}")
