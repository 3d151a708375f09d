"""News: items with title and body per language, scheduled, published, updated and retracted on `news`."""

from services.news import events  # noqa: F401  (registers event types and topics)
from services.news.commands import create_news, publish_due_news, publish_news, retract_news, update_news
from services.news.models import STATUSES, NewsItem
from services.news.queries import due_news, get_news, published_news

__all__ = [
    "STATUSES",
    "NewsItem",
    "create_news",
    "due_news",
    "get_news",
    "publish_due_news",
    "publish_news",
    "published_news",
    "retract_news",
    "update_news",
]
