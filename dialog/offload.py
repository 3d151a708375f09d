"""CPU-bound work off the gevent hub: argon2 runs in a small pool of native threads under gevent.

argon2-cffi releases the GIL while it hashes, so a native thread lets the hub keep serving
other requests meanwhile; the pool's size bounds how many hashes compete for the CPU at once,
and on Linux the pool's threads (and the lane threads argon2 starts from them) run at a lower
priority, so a burst of logins cannot starve the hub of CPU.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from services.identity import STRONG_HASHING, run_hashing_in, use_hashing

COOPERATIVE_MODES = ("gevent", "gevent_uwsgi")
HASHING_NICENESS = 19  # the lowest priority: hashing gets the CPU that serving leaves over
_lowered = threading.local()


def _at_low_priority(work: Callable[[], Any]) -> Any:
    if sys.platform == "linux" and not getattr(_lowered, "done", False):
        # On Linux a thread id is a valid PRIO_PROCESS target and changes that thread only;
        # threads it starts later inherit the value. Raising niceness needs no privilege.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
        _lowered.done = True
    return work()


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
        return self._pool.apply(_at_low_priority, (work,))


def init_app(app: Flask) -> None:
    """Set the argon2 profile; send hashing to native threads under gevent (inline otherwise)."""
    profile = app.config["PASSWORD_HASHING"]
    use_hashing(profile)
    if profile != STRONG_HASHING:
        app.logger.warning("password hashing profile %s: for tests only, never in production", profile)
    if app.config["ASYNC_MODE"] in COOPERATIVE_MODES:
        run_hashing_in(ThreadPoolRunner(app.config["HASHING_THREADS"]))
    else:
        run_hashing_in(None)
