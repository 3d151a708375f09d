"""Configuration from the environment, with an embedded default that needs nothing installed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from services.identity import STRONG_HASHING

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


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
        "PASSWORD_RESET_TTL_MINUTES": _int("DIALOG_PASSWORD_RESET_TTL_MINUTES", 120),
        "EVENT_RETENTION_DAYS": _int("DIALOG_EVENT_RETENTION_DAYS", 30),
        "RETENTION_CHECK_SECONDS": _int("DIALOG_RETENTION_CHECK_SECONDS", 3600),
        "ASYNC_MODE": os.environ.get("DIALOG_ASYNC_MODE", "threading"),
        # Native threads that run argon2 under gevent: at most this many hashes at once (each uses 4 lanes).
        "HASHING_THREADS": _int("DIALOG_HASHING_THREADS", 1),
        # argon2 parameters of new password hashes: RFC 9106's low-memory profile. Test suites set
        # "insecure-test" (the cheapest argon2) so that thousands of fixture members cost nothing.
        "PASSWORD_HASHING": os.environ.get("DIALOG_PASSWORD_HASHING", STRONG_HASHING),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("DIALOG_REDIS_URL") or None,
        "RELAY_POLL_SECONDS": _float("DIALOG_RELAY_POLL_SECONDS", 0.5),
        "REPLAY_PAGE_SIZE": _int("DIALOG_REPLAY_PAGE_SIZE", 500),
        # A Socket.IO client with more packets than this waiting is not fed more replay yet.
        "REPLAY_MAX_QUEUED": _int("DIALOG_REPLAY_MAX_QUEUED", 1000),
        # Replay pages kept for clients resuming the same range at once (events/pages.py): at most
        # this many pages of REPLAY_PAGE_SIZE events (and their frames) are held, however many replay.
        "REPLAY_CACHED_PAGES": _int("DIALOG_REPLAY_CACHED_PAGES", 32),
        # Broadcast fast path (dialog/realtime/fanout.py): encode each event once, write the same frame
        # to every WebSocket. A live client with more than FANOUT_MAX_BUFFER_BYTES unwritten is
        # dropped back to replay-from-log mode (it resumes by cursor at its own pace).
        "FANOUT_FASTPATH": _bool("DIALOG_FANOUT_FASTPATH", True),
        "FANOUT_MAX_BUFFER_BYTES": _int("DIALOG_FANOUT_MAX_BUFFER_BYTES", 1024 * 1024),
        # SO_SNDBUF of fast-path WebSockets; 0 keeps the kernel's autotuning (up to tcp_wmem max).
        "FANOUT_SOCKET_SNDBUF": _int("DIALOG_FANOUT_SOCKET_SNDBUF", 0),
        "SSE_HEARTBEAT_SECONDS": _float("DIALOG_SSE_HEARTBEAT_SECONDS", 15.0),
        # Engine.IO's ping cycle (python-engineio's defaults): a client that does not answer a ping
        # within the timeout is disconnected. Tests of dead peers shorten both.
        "SOCKETIO_PING_INTERVAL": _float("DIALOG_SOCKETIO_PING_INTERVAL", 25.0),
        "SOCKETIO_PING_TIMEOUT": _float("DIALOG_SOCKETIO_PING_TIMEOUT", 20.0),
        # A `dialog_greenlets` gauge on /metrics (a scan of the heap per scrape: for diagnosis and tests).
        "METRICS_GREENLETS": _bool("DIALOG_METRICS_GREENLETS", False),
        "LONGPOLL_MAX_WAIT": _int("DIALOG_LONGPOLL_MAX_WAIT", 60),
        # Browser origins allowed to call the API, SSE and Socket.IO; none: same-origin only.
        "CORS_ORIGINS": [origin.rstrip("/") for origin in _list("DIALOG_CORS_ORIGINS")],
        # Rate limits (dialog/ratelimit.py), in flask-limiter's notation ("30/minute;300/hour").
        # Counters live in Redis when one is configured, so they hold across web processes.
        "RATELIMIT_ENABLED": _bool("DIALOG_RATELIMIT_ENABLED", True),
        "LIMIT_STORAGE_URL": os.environ.get("DIALOG_RATELIMIT_STORAGE_URL") or None,
        "LIMIT_LOGIN_PER_ADDRESS": os.environ.get("DIALOG_RATELIMIT_LOGIN_PER_ADDRESS", "30/minute"),
        "LIMIT_LOGIN_PER_EMAIL": os.environ.get("DIALOG_RATELIMIT_LOGIN_PER_EMAIL", "10/minute"),
        "LIMIT_ACCEPT_PER_ADDRESS": os.environ.get("DIALOG_RATELIMIT_ACCEPT_PER_ADDRESS", "10/minute"),
        "LIMIT_STREAM_PER_ADDRESS": os.environ.get("DIALOG_RATELIMIT_STREAM_PER_ADDRESS", "120/minute"),
        "LIMIT_LIVE_CONNECT_PER_ADDRESS": os.environ.get("DIALOG_RATELIMIT_LIVE_CONNECT_PER_ADDRESS", "300/minute"),
        # Bearer token a Prometheus scraper shows on /metrics; unset: only this machine, directly.
        "METRICS_TOKEN": os.environ.get("DIALOG_METRICS_TOKEN") or None,
        # Proxies in front that append to X-Forwarded-For (nginx: 1); their clients' addresses
        # are what rate limits count. 0 trusts no such header.
        "PROXY_COUNT": _int("DIALOG_PROXY_COUNT", 0),
        "LOG_LEVEL": os.environ.get("DIALOG_LOG_LEVEL", "INFO"),
        # Webhooks: delivery attempts, the first retry delay (doubling up to an hour), request
        # timeout, and whether endpoints may be loopback/private addresses (off: no SSRF by default).
        "WEBHOOK_MAX_ATTEMPTS": _int("DIALOG_WEBHOOK_MAX_ATTEMPTS", 8),
        "WEBHOOK_FIRST_RETRY_SECONDS": _float("DIALOG_WEBHOOK_FIRST_RETRY_SECONDS", 10.0),
        "WEBHOOK_TIMEOUT_SECONDS": _float("DIALOG_WEBHOOK_TIMEOUT_SECONDS", 10.0),
        "WEBHOOK_POLL_SECONDS": _float("DIALOG_WEBHOOK_POLL_SECONDS", 1.0),
        "WEBHOOK_ALLOW_PRIVATE": _bool("DIALOG_WEBHOOK_ALLOW_PRIVATE", False),
        # The scheduler: embedded in the web process (gunicorn worker, `flask dialog serve`) unless
        # this is false, and as its own process with `flask dialog scheduler`. Any number may run.
        "EMBEDDED_SCHEDULER": _bool("DIALOG_EMBEDDED_SCHEDULER", True),
        "SCHEDULER_TICK_SECONDS": _float("DIALOG_SCHEDULER_TICK_SECONDS", 10.0),
        # A reminder found due later than this is recorded as skipped instead of sent late.
        "REMINDER_WINDOW_HOURS": _float("DIALOG_REMINDER_WINDOW_HOURS", 12.0),
        # How often a web process writes the reach counts (pushes per broadcast) it collected.
        "REACH_FLUSH_SECONDS": _float("DIALOG_REACH_FLUSH_SECONDS", 0.5),
        # Mail (services/mail): smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465, or
        # the default: every message as an .eml file in instance/mail/. Links in mails start with
        # PUBLIC_BASE_URL. Queued mails are sent by the scheduler every MAIL_POLL_SECONDS.
        "MAIL_URL": os.environ.get("DIALOG_MAIL_URL") or (instance / "mail").as_uri(),
        "MAIL_SENDER": os.environ.get("DIALOG_MAIL_SENDER", "Smart City Dialog <noreply@smart-city-dialog.example>"),
        "MAIL_REPLY_TO": os.environ.get("DIALOG_MAIL_REPLY_TO") or None,
        "MAIL_POLL_SECONDS": _float("DIALOG_MAIL_POLL_SECONDS", 2.0),
        "MAIL_FIRST_RETRY_SECONDS": _float("DIALOG_MAIL_FIRST_RETRY_SECONDS", 30.0),
        "MAIL_MAX_ATTEMPTS": _int("DIALOG_MAIL_MAX_ATTEMPTS", 10),
        # A notification still unread this long after it was made is mailed (several in one mail).
        "MAIL_MISSED_DELAY_SECONDS": _float("DIALOG_MAIL_MISSED_DELAY_SECONDS", 600.0),
        "PUBLIC_BASE_URL": os.environ.get("DIALOG_PUBLIC_BASE_URL", "http://localhost:5000"),
        # flask-smorest / OpenAPI
        "API_TITLE": "Smart City Dialog",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
