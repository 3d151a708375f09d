"""Configuration from the environment, with an embedded default that needs nothing installed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


def from_env() -> dict[str, Any]:
    """Settings read from `DIALOG_*` variables; see README for each."""
    instance = Path(os.environ.get("DIALOG_INSTANCE_PATH", DEFAULT_INSTANCE))
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": os.environ.get("DIALOG_DATABASE_URL", f"sqlite:///{instance / 'dialog.sqlite3'}"),
        "SECRET_KEY": os.environ.get("DIALOG_SECRET_KEY", "dev-only-secret-change-me"),
        # Request bodies above this get 413 before any parsing.
        "MAX_CONTENT_LENGTH": _int("DIALOG_MAX_BODY_BYTES", 1024 * 1024),
        "TOKEN_TTL_HOURS": _int("DIALOG_TOKEN_TTL_HOURS", 24 * 30),
        "INVITATION_TTL_HOURS": _int("DIALOG_INVITATION_TTL_HOURS", 24 * 14),
        "EVENT_RETENTION_DAYS": _int("DIALOG_EVENT_RETENTION_DAYS", 30),
        "RETENTION_CHECK_SECONDS": _int("DIALOG_RETENTION_CHECK_SECONDS", 3600),
        "ASYNC_MODE": os.environ.get("DIALOG_ASYNC_MODE", "threading"),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("DIALOG_REDIS_URL") or None,
        "RELAY_POLL_SECONDS": _float("DIALOG_RELAY_POLL_SECONDS", 0.5),
        "REPLAY_PAGE_SIZE": _int("DIALOG_REPLAY_PAGE_SIZE", 500),
        # A Socket.IO client with more packets than this waiting is not fed more replay yet.
        "REPLAY_MAX_QUEUED": _int("DIALOG_REPLAY_MAX_QUEUED", 1000),
        "SSE_HEARTBEAT_SECONDS": _float("DIALOG_SSE_HEARTBEAT_SECONDS", 15.0),
        "LONGPOLL_MAX_WAIT": _int("DIALOG_LONGPOLL_MAX_WAIT", 60),
        "CORS_ORIGINS": os.environ.get("DIALOG_CORS_ORIGINS", "*"),
        # flask-smorest / OpenAPI
        "API_TITLE": "Smart City Dialog",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
