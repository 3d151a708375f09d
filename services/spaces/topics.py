"""Topic rule of `space.<slug>`: who may read the space may follow it."""

from __future__ import annotations

from sqlalchemy import select

from events.topics import Caller, policy
from services.database import reading
from services.spaces.access import UNKNOWN_TOPIC, topic_refusal
from services.spaces.models import Space


def space_topic_refusal(caller: Caller, slug: str) -> str | None:
    """None if `caller` may follow `space.<slug>`; unknown and hidden spaces look alike."""
    with reading() as session:
        space = session.scalar(select(Space).where(Space.slug == slug))
        if space is None:
            return UNKNOWN_TOPIC
        return topic_refusal(session, caller, space)


policy.family("space", space_topic_refusal)
