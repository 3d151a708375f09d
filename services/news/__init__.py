"""News: items with title and body per language, published on the `news` topic."""

from services.news import events  # noqa: F401  (registers event types and topics)
from services.news.commands import create_news, publish_news
from services.news.models import NewsItem
from services.news.queries import get_news, published_news

__all__ = ["NewsItem", "create_news", "get_news", "publish_news", "published_news"]
