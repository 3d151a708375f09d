"""Data rights in the inbox: a member's follows and notifications exported, and erased.

On `member.erased` the member's follows and inbox go (with the `notification.created` events of
their topic). Other members' notifications that name them (as who acted, in the summary's
"Anna Schmidt replied ...", or as an `@handle` in an excerpt) say "Former member" instead; their
events are redacted and they are taken out of list mails not sent yet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from events import Caller, Event, acted_by, isoformat_z, redact, utcnow
from events.registry import registry
from services.identity import FORMER_HANDLE, FORMER_MEMBER, erased_profile, require_self_or_admin, user_topic
from services.mail import withdraw_items
from services.notifications.inbox import as_seen_by
from services.notifications.models import DROPPED, WAITING, Follow, Notification
from services.notifications.withdrawals import POST_EXCERPTS


def export_notifications(session: Session, caller: Caller, member_id: int) -> dict[str, Any]:
    """The inbox's part of a member's data export: what they follow and their notifications."""
    require_self_or_admin(caller, member_id)
    follows = session.scalars(select(Follow).where(Follow.member_id == member_id).order_by(Follow.id))
    query = select(Notification).where(Notification.member_id == member_id).order_by(Notification.id)
    # As the inbox shows them: nothing of a space the member may no longer read.
    notes = as_seen_by(session, member_id, list(session.scalars(query)))
    return {
        "follows": [{"kind": f.kind, "key": f.key, "created_at": isoformat_z(f.created_at)} for f in follows],
        "notifications": [
            {
                "id": n.id,
                "kind": n.kind,
                "event_id": n.event_id,
                "event_type": n.event_type,
                "summary": n.summary,
                "subject": n.subject,
                "actor_name": n.actor_name,
                "created_at": isoformat_z(n.created_at),
                "read_at": isoformat_z(n.read_at) if n.read_at else None,
            }
            for n in notes
        ],
    }


@registry.handler("member.erased")
def on_member_erased(session: Session, event: Event) -> None:
    """Remove the erased member's follows and inbox; other inboxes stop naming them."""
    member_id: int = event.data["member_id"]
    session.execute(delete(Follow).where(Follow.member_id == member_id))
    own = list(session.scalars(select(Notification.id).where(Notification.member_id == member_id)))
    if own:
        redact(session, ("notification.created",), "notification_id", own, topic=user_topic(member_id))
        session.execute(delete(Notification).where(Notification.id.in_(own)))
    changed: dict[int, Notification] = {}
    erasing_posts, now = event.data["posts"] == "erase", utcnow()
    for note in session.scalars(select(Notification).where(Notification.event_id.in_(acted_by(member_id)))):
        if note.actor_name:  # the summary starts with who acted: "Anna Schmidt replied to you: ..."
            note.summary = note.summary.replace(note.actor_name, FORMER_MEMBER)
        note.actor_name = FORMER_MEMBER
        if erasing_posts and note.event_type in POST_EXCERPTS[0] and note.redacted_at is None:
            # Withdrawn here at once, as each post's `post.deleted` would: that one then finds nothing to do.
            note.summary, note.redacted_at = "", now
            if note.mail_state == WAITING:
                note.mail_state = DROPPED
        changed[note.id] = note
    former = erased_profile(session, member_id)
    if former is not None:  # an excerpt that @mentions them
        mention = re.compile(re.escape("@" + former.handle), re.IGNORECASE)
        named = select(Notification).where(Notification.summary.contains("@" + former.handle, autoescape=True))
        for note in session.scalars(named):
            note.summary = mention.sub("@" + FORMER_HANDLE, note.summary)
            changed[note.id] = note
    by_member: dict[int, list[int]] = defaultdict(list)
    for note in changed.values():
        by_member[note.member_id].append(note.id)
    for recipient, ids in sorted(by_member.items()):
        redact(session, ("notification.created",), "notification_id", sorted(ids), topic=user_topic(recipient))
        withdraw_items(session, key="notification_id", values=ids)  # from list mails not sent yet
