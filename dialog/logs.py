"""Structured JSON logs, each line of a request carrying its request id."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("dialog.access")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to records logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the id (or nothing outside requests)."""
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


def configure(level: str) -> None:
    """Send every log record to stderr as one JSON object per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"})
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are step-by-step chatter
    # APScheduler logs two INFO lines per job run (every second for the scheduler's tick); its
    # warnings and errors (a missed or failed run) still show. Our own tick logs what it did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Give each request an id (the caller's `X-Request-ID` if sane) and log one access line."""
    configure(app.config["LOG_LEVEL"])

    @app.before_request
    def _assign_request_id() -> None:
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        g.access_started = time.perf_counter()

    @app.after_request
    def _log_access(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("access_started", time.perf_counter())) * 1000, 2),
            },
        )
        return response
