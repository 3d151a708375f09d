"""CPU-bound work off the gevent hub: argon2 runs in a small pool of native threads under gevent.

argon2-cffi releases the GIL while it hashes, so a native thread lets the hub keep serving
other requests meanwhile; the pool's size bounds how many hashes compete for the CPU at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from services.identity import run_hashing_in

COOPERATIVE_MODES = ("gevent", "gevent_uwsgi")


class ThreadPoolRunner:
    """Runs work in a gevent thread pool created on first use (in the worker, after the fork)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._pool: Any = None

    def __call__(self, work: Callable[[], Any]) -> Any:
        """Run `work` in a native thread; only the calling greenlet waits."""
        if self._pool is None:
            from gevent.threadpool import ThreadPool  # only under gevent

            self._pool = ThreadPool(maxsize=self.threads)
        return self._pool.apply(work)


def init_app(app: Flask) -> None:
    """Send password hashing to native threads when the server runs on gevent (inline otherwise)."""
    if app.config["ASYNC_MODE"] in COOPERATIVE_MODES:
        run_hashing_in(ThreadPoolRunner(app.config["HASHING_THREADS"]))
    else:
        run_hashing_in(None)
