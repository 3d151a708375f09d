"""Which browser origins may call us: one setting for the REST API, SSE and Engine.IO.

`DIALOG_CORS_ORIGINS` lists origins (comma-separated); empty means same-origin only. Credentials
are never allowed: clients authenticate with bearer tokens, not cookies, so no origin needs them,
and "*" therefore never comes with them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_cors import CORS


def init_app(app: Flask) -> None:
    """CORS headers on /api/* for the configured origins only (none: the browser's same-origin rule)."""
    origins = app.config["CORS_ORIGINS"]
    if origins:
        CORS(app, resources={r"/api/*": {"origins": origins}}, supports_credentials=False)


def engineio_options(origins: list[str]) -> dict[str, Any]:
    """Engine.IO's origin check for the same list (None: the request's own host only)."""
    allowed: str | list[str] | None = "*" if "*" in origins else (origins or None)
    return {"cors_allowed_origins": allowed, "cors_credentials": False}
