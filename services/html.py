"""Sanitising user HTML, shared by every service that stores rich text (news, announcements, posts)."""

from __future__ import annotations

import re

import nh3

SUMMARY_LENGTH = 280
_TAGS = re.compile(r"<[^>]+>")


def sanitise_html(html: str) -> str:
    """Keep safe formatting only: scripts, event handlers and javascript: links are removed."""
    return nh3.clean(html)


def plain_text(html: str) -> str:
    """The text of a sanitised HTML fragment, whitespace collapsed."""
    return " ".join(_TAGS.sub(" ", html).split())


def excerpt(html: str, length: int = SUMMARY_LENGTH) -> str:
    """Plain-text beginning of a sanitised HTML body, for events, feeds and notifications."""
    text = plain_text(html)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
