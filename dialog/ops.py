"""Operations endpoints: /healthz (the process lives) and /readyz (it can serve: database, Redis)."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from dialog.extensions import db

blp = Blueprint("ops", __name__)


@blp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: answers as long as the process serves requests."""
    return jsonify(status="ok")


def _check_database() -> dict[str, Any]:
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # any driver error means "not ready"
        return {"ok": False, "error": type(exc).__name__}


def _check_redis(url: str | None) -> dict[str, Any]:
    if not url:
        return {"ok": True, "configured": False}
    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True, "configured": True}
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}


@blp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: 200 when the database (and Redis, if configured) answer, else 503."""
    checks = {
        "database": _check_database(),
        "redis": _check_redis(current_app.config["SOCKETIO_MESSAGE_QUEUE"]),
    }
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503
