"""Domain services: each a package with its models, commands, event schemas and topic rules."""

from __future__ import annotations

from services.database import bind_database

__all__ = ["bind_database", "load_all"]


def load_all() -> None:
    """Import every service so its tables, event types, handlers and topic rules are registered."""
    from services import (  # noqa: F401
        announcements,
        audit,
        calls,
        forum,
        identity,
        mail,
        network,
        news,
        notifications,
        projects,
        search,
        spaces,
        webhooks,
    )
