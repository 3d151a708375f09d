"""Safe HTML for texts members and editors write (news, announcements)."""

from __future__ import annotations

import re

import nh3

SUMMARY_LENGTH = 280
_TAGS = re.compile(r"<[^>]+>")


def sanitise_html(html: str) -> str:
    """Keep safe formatting only: scripts, event handlers and javascript: links are removed."""
    return nh3.clean(html)


def summarise(html: str, length: int = SUMMARY_LENGTH) -> str:
    """Plain-text beginning of a sanitised HTML body, for events and feeds."""
    text = " ".join(_TAGS.sub(" ", html).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
