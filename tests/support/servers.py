"""The throwaway servers of tools/servers.py, for tests: a server the machine cannot run skips the test.

Under CI=true it fails instead (tests/conftest.py turns `ServerUnavailable` into the outcome).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from tools.servers import Nginx, Postgres, Redis, ServerUnavailable, render_nginx, start_postgres, start_redis

IN_CI = os.environ.get("CI", "").lower() == "true"

__all__ = [
    "IN_CI",
    "Nginx",
    "Postgres",
    "Redis",
    "ServerUnavailable",
    "render_nginx",
    "start_postgres",
    "start_redis",
    "unavailable",
]


def unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"CI needs this server: {reason}")
    pytest.skip(reason)
