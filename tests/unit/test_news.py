"""News with the real bus and a controllable clock: scheduled news is published by the scheduler tick, once."""

from __future__ import annotations

from datetime import timedelta

from events import ANONYMOUS, Database
from services.news import create_news, get_news
from services.scheduling import tick
from tests.support.callers import staff
from tests.support.programme import T0, events_on


def test_scheduled_news_is_published_by_the_tick_once(database: Database) -> None:
    with database.write() as session:
        item = create_news(
            session,
            caller=staff(session),
            title={"de": "Geplant"},
            body={"de": "x"},
            tags=[],
            publish_now=False,
            publish_at=T0 + timedelta(hours=1),
            now=T0,
        )
        news_id = item.id
    assert tick(database, T0 + timedelta(minutes=59)).handled == []
    assert tick(database, T0 + timedelta(hours=3)).outcomes("news.publish") == [(news_id, "published")]
    assert tick(database, T0 + timedelta(hours=4)).handled == []
    assert [t for t, _ in events_on(database, "news")] == ["news.published"]
    with database.read() as session:
        assert get_news(session, ANONYMOUS, news_id).published_at == T0 + timedelta(hours=3)
