"""Domain services: each a package with its models, commands, event schemas and topic rules."""

from __future__ import annotations


def load_all() -> None:
    """Import every service so its tables, event types, handlers and topic rules are registered."""
    from services import announcements, calls, identity, news, projects  # noqa: F401
