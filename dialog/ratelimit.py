"""Rate limits on the costly endpoints anyone can call: logging in, accepting an invitation, SSE,
and connecting to /live.

flask-limiter counts in memory in the embedded default and in Redis when one is configured
(`DIALOG_RATELIMIT_STORAGE_URL`, else a redis:// `DIALOG_REDIS_URL`), so the limits hold across
web processes. A breach answers 429 with `Retry-After` in our error shape. The limits are
settings (`DIALOG_RATELIMIT_*`), read on every request.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from limits import parse
from limits.storage import MemoryStorage

from dialog.errors import error_response
from services.identity import normalise_email

F = TypeVar("F", bound=Callable[..., Any])
KEY_PREFIX = "dialog"  # of every counter in the storage


def client_address() -> str:
    """The caller's IP address (the proxy's unless DIALOG_PROXY_COUNT says how many to look through)."""
    return request.remote_addr or "unknown"


def login_email() -> str:
    """The email a login is for: guesses at one account count together from any address."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "email:" + (normalise_email(email) if isinstance(email, str) else "")


def _too_many(limit: RequestLimit) -> Response:
    # The storage's reset time is a whole second rounded up, so the wait can come out one second
    # longer than the window itself; never ask for more than the window.
    retry_after = max(1, min(limit.limit.get_expiry(), math.ceil(limit.reset_at - time.time())))
    message = f"too many requests: at most {limit.limit}; retry in {retry_after} s"
    details = {"limit": str(limit.limit), "retry_after": retry_after}
    return error_response(429, message, details=details, headers={"Retry-After": str(retry_after)})


limiter = Limiter(
    key_func=client_address,
    strategy="moving-window",  # no double burst at a window's edge, as a fixed window allows
    on_breach=_too_many,
    headers_enabled=False,  # X-RateLimit-* on every answer would cost a storage round trip each
    key_prefix=KEY_PREFIX,
)


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _failed_login(response: Response) -> bool:
    return response.status_code == 401


def login(view: F) -> F:
    """Every attempt counts per address; failed ones also per target email."""
    per_email = limiter.limit(_setting("LIMIT_LOGIN_PER_EMAIL"), key_func=login_email, deduct_when=_failed_login)
    return cast(F, limiter.limit(_setting("LIMIT_LOGIN_PER_ADDRESS"))(per_email(view)))


def accept_invitation(view: F) -> F:
    """Accepting an invitation hashes a password: counted per address."""
    return cast(F, limiter.limit(_setting("LIMIT_ACCEPT_PER_ADDRESS"))(view))


def open_stream(view: F) -> F:
    """Opening an SSE stream may replay much of the log: counted per address."""
    return cast(F, limiter.limit(_setting("LIMIT_STREAM_PER_ADDRESS"))(view))


def live_connect_wait() -> int | None:
    """Count a /live connect from the caller's address: None if allowed, else the seconds to wait.

    Socket.IO connects are no Flask view, so the limiter's decorator cannot count them; this counts
    in the same storage (Redis in the scale-out, so it holds across processes) with the same strategy.
    """
    if not limiter.enabled:
        return None
    item = parse(str(current_app.config["LIMIT_LIVE_CONNECT_PER_ADDRESS"]))
    keys = (KEY_PREFIX, "live-connect", client_address())
    try:
        if limiter.limiter.hit(item, *keys):
            return None
        reset_at = limiter.limiter.get_window_stats(item, *keys).reset_time
    except Exception:  # the storage is away: never refuse a connection because of it
        logging.getLogger(__name__).warning("rate-limit storage failed; /live connect not counted", exc_info=True)
        return None
    return max(1, min(item.get_expiry(), math.ceil(reset_at - time.time())))


# The two private methods of limits' MemoryStorage the subclass below replaces and calls: if a
# version of limits renames them, fail at import rather than count nothing (or start Timers again).
for _private in ("_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events"):
    if not callable(getattr(MemoryStorage, _private, None)):
        raise ImportError(f"limits.storage.MemoryStorage.{_private} is gone: check dialog.ratelimit.SweptMemoryStorage")


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory storage, its expired entries swept at most once a second by the counting caller.

    limits' own starts a `threading.Timer` 10 ms after nearly every hit to sweep them: a thread
    (under gevent a greenlet, plus a dummy Thread for the connect's greenlet, which asks for
    `current_thread()`) per burst of connects, ~0.35 ms of CPU per /live connect in a reconnect
    storm. Counting is unchanged: a hit decides on the entries of its own key, whether or not the
    sweep (which only frees memory) has run.
    """

    STORAGE_SCHEME = ["dialog-memory"]  # limits finds storage classes by their scheme
    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802  # replaces limits' private Timer start
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def storage_uri(config: dict[str, Any]) -> str:
    """Where the counters live: the configured URL, else the Socket.IO Redis, else this process."""
    if config["LIMIT_STORAGE_URL"]:
        return str(config["LIMIT_STORAGE_URL"])
    queue = config["SOCKETIO_MESSAGE_QUEUE"]
    if queue and str(queue).startswith(("redis://", "rediss://", "redis+unix://")):
        return str(queue)
    return f"{SweptMemoryStorage.STORAGE_SCHEME[0]}://"


def init_app(app: Flask) -> None:
    """Bind the limiter with its storage; a storage outage falls back to counting in memory."""
    uri = storage_uri(app.config)
    app.config.update(
        RATELIMIT_STORAGE_URI=uri,
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 1, "socket_connect_timeout": 1} if uri.startswith("redis") else {},
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        # Redis away: count in memory, and never turn a storage error into a failed request.
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    limiter.init_app(app)
    # A refusal is in the access log as a 429 already; flask-limiter's INFO line would name the email.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
