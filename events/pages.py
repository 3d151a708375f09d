"""Replay pages shared between readers: a reconnect storm reads each page of the log once.

After a restart or a network blip, hundreds of clients resume from nearby cursors at the same
time. Each reading its own pages multiplies the database work (and, under gevent, the time the
hub is blocked in SQLite) by the number of clients. Here a page is read once and handed to
everyone who asks for it while it is read (single flight) or while it stays in a small LRU.

Keyed by (reader, topics, after, limit): who follows the same topics from the same cursor gets the
same page. A page read with `upto` holds every event in (after, cover], where cover is its last id
if it is full and `upto` if it is short; a reader asking with its own `upto` may use it if that
range covers (after, upto], taking the events with id <= upto. Bounded by page count, so the
memory held is at most `max_pages` pages whatever the number of clients.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

PageKey = tuple[Hashable, tuple[str, ...], int, int]


class SharedPage:
    """One page of replayed events (objects with `.id`), and what consumers derived from it once."""

    __slots__ = ("items", "ids", "full", "cover", "memo")

    def __init__(self, items: Sequence[Any], *, limit: int, upto: int) -> None:
        self.items = list(items)
        self.ids = [item.id for item in self.items]
        self.full = len(self.items) >= limit
        # Every event with after < id <= cover is in the page.
        self.cover = self.ids[-1] if self.full else upto
        self.memo: dict[str, Any] = {}

    def derived(self, name: str, build: Callable[[SharedPage], Any]) -> Any:
        """`build(self)`, computed by the first consumer that asks and shared with the others."""
        value = self.memo.get(name)
        if value is None:
            value = self.memo[name] = build(self)
        return value

    def upto(self, upto: int, limit: int) -> SharedPage | None:
        """This page as read with `upto` (None if it does not cover that range)."""
        if not self.full and upto > self.cover:
            return None
        if not self.ids or self.ids[-1] <= upto:
            return self
        cut = bisect.bisect_right(self.ids, upto)
        return SharedPage(self.items[:cut], limit=limit, upto=upto)


class PageCache:
    """A bounded LRU of replay pages with single-flight loading (thread- and greenlet-safe)."""

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self.pages: OrderedDict[PageKey, SharedPage] = OrderedDict()
        self.loading: dict[PageKey, threading.Event] = {}
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        # Bumped by `clear`: a page whose read began before it is handed out, never kept.
        self.generation = 0

    def clear(self) -> None:
        """Drop every page (events in them may have been redacted since they were read)."""
        with self.lock:
            self.pages.clear()
            self.generation += 1

    def get(
        self,
        reader: Hashable,
        after: int,
        topics: Sequence[str],
        *,
        limit: int,
        upto: int,
        load: Callable[[], Sequence[Any]],
    ) -> SharedPage:
        """The page after `after` on `topics` up to `upto`: shared if one covers it, else `load()`ed once."""
        key: PageKey = (reader, tuple(sorted(set(topics))), after, limit)
        while True:
            with self.lock:
                page = self.pages.get(key)
                usable = page.upto(upto, limit) if page is not None else None
                if usable is not None:
                    self.pages.move_to_end(key)
                    self.hits += 1
                    return usable
                loading = self.loading.get(key)
                generation = self.generation
                if loading is None:
                    loading = self.loading[key] = threading.Event()
                    break
            # Someone is reading this page right now: wait for it instead of reading it too.
            loading.wait(30)
            with self.lock:
                if self.loading.get(key) is loading:  # its reader hung: read it ourselves
                    break
        try:
            page = SharedPage(load(), limit=limit, upto=upto)
            with self.lock:
                self.misses += 1
                if self.generation != generation:
                    return page  # read before a `clear`: for this reader only (the waiting ones read again)
                self.pages[key] = page
                self.pages.move_to_end(key)
                while len(self.pages) > self.max_pages:
                    self.pages.popitem(last=False)
            return page
        finally:
            with self.lock:
                if self.loading.get(key) is loading:
                    del self.loading[key]
            loading.set()
