"""gevent + SQLite: a write waiting for another process's lock must not stall the rest of the worker."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e
# Bounds a failure only: a worker blocked inside SQLite answers nothing until the lock is released.
RELEASE_AFTER_SECONDS = 20.0


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Served like production: gunicorn with one gevent worker, on the default SQLite file."""
    live = LiveServer(tmp_path_factory.mktemp("gunicorn"), gunicorn=True)
    live.prepare()
    live.start()
    yield live
    live.stop()


def test_requests_are_answered_while_a_write_waits_for_another_process_lock(production: LiveServer) -> None:
    token = production.token(EDITOR)
    # Another process writing (the scheduler, the CLI, a second web worker) holds the write lock.
    holder = sqlite3.connect(production.instance / "dialog.sqlite3", isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            holder.rollback()

    timer = threading.Timer(RELEASE_AFTER_SECONDS, release)
    timer.start()
    posted: list[requests.Response] = []
    writer = threading.Thread(target=lambda: posted.append(production.post_news(token, "wartet auf die Sperre")))
    writer.start()
    answered_while_locked: list[bool] = []
    try:
        # Spread over a second: the write reaches the lock within milliseconds, and from then on a
        # worker blocked in SQLite's own busy wait would answer none of these until the release.
        for _ in range(10):
            time.sleep(0.1)
            health = requests.get(production.url + "/healthz", timeout=RELEASE_AFTER_SECONDS + 10)
            answered_while_locked.append(health.ok and not released.is_set())
        write_was_waiting = writer.is_alive()
    finally:
        timer.cancel()
        release()
    writer.join(60)
    holder.close()
    assert write_was_waiting, "the write did not wait for the lock: nothing was tested"
    assert all(answered_while_locked), answered_while_locked
    # Once the lock is free, the waiting write goes through.
    assert posted and posted[0].status_code == 201, posted and posted[0].text
