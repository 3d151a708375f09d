"""A minimal reader of text/event-stream frames over a streaming `requests` response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Frame:
    """One SSE frame: a comment (heartbeat) or an event with id, name and JSON data."""

    event: str | None
    data: Any
    id: str | None
    comment: str | None = None


def frames(response: requests.Response) -> Iterator[Frame]:
    """Parse frames as they arrive."""
    event = data = frame_id = comment = None
    for raw in response.iter_lines(decode_unicode=True):
        line = raw or ""
        if line == "":
            if event or data or comment:
                yield Frame(event, json.loads(data) if data else None, frame_id, comment)
            event = data = frame_id = comment = None
        elif line.startswith(":"):
            comment = line[1:].strip()
        else:
            name, _, value = line.partition(": ")
            if name == "event":
                event = value
            elif name == "data":
                data = value
            elif name == "id":
                frame_id = value
