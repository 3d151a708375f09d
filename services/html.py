"""Sanitising user HTML, shared by every service that stores rich text (news, announcements, posts)."""

from __future__ import annotations

import html as _html
import re

import nh3

SUMMARY_LENGTH = 280
_TAGS = re.compile(r"<[^>]+>")
_BREAKS = re.compile(r"(?i)</p>|</li>|</h[1-6]>|<br\s*/?>")


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


def text_paragraphs(html: str) -> str:
    """A sanitised HTML body as plain text for a mail: one paragraph per block, entities decoded."""
    blocks = (" ".join(_TAGS.sub(" ", block).split()) for block in _BREAKS.split(html))
    return "\n\n".join(_html.unescape(block) for block in blocks if block)
