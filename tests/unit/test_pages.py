"""Replay pages are read once for every client replaying the same range, and stay correct."""

from __future__ import annotations

import threading
from typing import Any

from events import Caller, Database, Relay, publish, read_page
from events.pages import PageCache
from tests.support.news import news_published

ACTOR = Caller(1, "Test")


def append(db: Database, count: int, topic: str = "news") -> list[int]:
    with db.write() as session:
        events = [publish(session, news_published(), topic=topic, actor=ACTOR) for _ in range(count)]
    ids = [event.id for event in events]  # given at commit
    assert None not in ids
    return ids  # type: ignore[return-value]


class CountingReader:
    """`read_page`, counting the database reads."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.reads += 1
        return read_page(*args, **kwargs)


def replay(relay: Relay, cache: PageCache | None, reader: CountingReader, whole: bool) -> list[int]:
    catch_up = relay.follow(0, lambda: ["news"], lambda _c: None, reader=reader, shared=cache)
    if whole:
        return [e.id for page in catch_up.pages() for e in page.items]
    return [e.id for e in catch_up]


def test_clients_replaying_the_same_range_share_each_page(database: Database) -> None:
    ids = append(database, 95)
    relay = Relay(database, page_size=10)
    relay.start_at_head()
    reader = CountingReader()
    cache = PageCache(max_pages=32)
    results = [replay(relay, cache, reader, whole=i % 2 == 0) for i in range(6)]
    assert all(result == ids for result in results)
    assert reader.reads == 10  # nine full pages and the short tail: once, not six times
    unshared = CountingReader()
    assert replay(relay, None, unshared, whole=True) == ids
    assert unshared.reads == 10


def test_a_cached_page_serves_a_reader_with_a_lower_bound_only_up_to_it(database: Database) -> None:
    ids = append(database, 30)
    reader = CountingReader()
    cache = PageCache(max_pages=4)

    def page(upto: int) -> list[int]:
        def load() -> Any:
            with database.read() as session:
                return reader(session, 0, ["news"], limit=10, upto=upto)

        return cache.get(reader, 0, ["news"], limit=10, upto=upto, load=load).ids

    assert page(ids[-1]) == ids[:10]  # a full page: it covers up to its last id
    assert page(ids[4]) == ids[:5]  # a lower bound gets the prefix, from the cache
    assert reader.reads == 1
    short = CountingReader()
    cache = PageCache(max_pages=4)
    reader = short

    assert page(ids[3]) == ids[:4]  # a short page covers up to its bound only
    assert page(ids[2]) == ids[:3]
    assert short.reads == 1
    assert page(ids[-1]) == ids[:10]  # a later bound is not covered: read again
    assert short.reads == 2


def test_the_cache_holds_at_most_its_page_count(database: Database) -> None:
    append(database, 100)
    relay = Relay(database, page_size=10)
    relay.start_at_head()
    cache = PageCache(max_pages=3)
    replay(relay, cache, CountingReader(), whole=True)
    assert len(cache.pages) == 3


def test_concurrent_readers_of_one_page_wait_for_a_single_read(database: Database) -> None:
    ids = append(database, 10)
    cache = PageCache(max_pages=4)
    started = threading.Event()
    release = threading.Event()
    reads = 0

    def load() -> Any:
        nonlocal reads
        reads += 1
        started.set()
        release.wait(5)
        with database.read() as session:
            return read_page(session, 0, ["news"], limit=20, upto=ids[-1])

    got: list[list[int]] = []

    def get() -> None:
        got.append(cache.get("r", 0, ["news"], limit=20, upto=ids[-1], load=load).ids)

    first = threading.Thread(target=get)
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=get) for _ in range(4)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert got == [ids] * 5
    assert reads == 1
