"""What is audited: one declarative row per event type an admin or moderator action publishes.

Adding an audited action is one line in `AUDITED`: the event type, the kind of its target, the
data field naming the target's id, and the data fields worth keeping as details (never personal
data: no emails, names or texts). A `reason` field of the event, where it has one, is kept too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Audited:
    """How one event type becomes an audit entry."""

    event_type: str
    target_kind: str
    target_key: str
    details: tuple[str, ...] = ()
    # (data field, action if true, action if false): one event type for two actions (lock / unlock).
    toggle: tuple[str, str, str] | None = None
    # Only events for which this is true are audited (an author deleting their own post is no moderation).
    when: Callable[[dict[str, Any]], bool] | None = None

    def actions(self) -> tuple[str, ...]:
        """The action names entries of this rule get."""
        return self.toggle[1:] if self.toggle else (self.event_type,)

    def action_of(self, data: dict[str, Any]) -> str:
        """The action an event's data records."""
        if self.toggle is None:
            return self.event_type
        key, if_true, if_false = self.toggle
        return if_true if data.get(key) else if_false


def _by_moderator(data: dict[str, Any]) -> bool:
    return not data.get("by_author")


def _by_a_moderator_step(data: dict[str, Any]) -> bool:
    # Flags closed because their post was hidden or deleted are covered by that step's own entry.
    return data.get("closed_with") is None


AUDITED: tuple[Audited, ...] = (
    # Accounts (admins)
    Audited("invitation.created", "invitation", "invitation_id", ("role", "country", "organisation_id")),
    Audited("invitation.resent", "invitation", "invitation_id"),
    Audited("invitation.revoked", "invitation", "invitation_id"),
    Audited("member.role_changed", "member", "member_id", ("role", "previous_role")),
    Audited("member.deactivated", "member", "member_id"),
    Audited("member.reactivated", "member", "member_id"),
    Audited("member.erased", "member", "member_id"),
    # Spaces (admins)
    Audited("space.member_added", "space", "space_id", ("member_id",)),
    Audited("space.member_removed", "space", "space_id", ("member_id",)),
    Audited("space.visibility_changed", "space", "space_id", ("visibility", "previous_visibility")),
    # Broadcasts and webhooks (admins)
    Audited("announcement.broadcast", "announcement", "announcement_id"),
    Audited("webhook.created", "webhook", "webhook_id", ("topics",)),
    Audited("webhook.deactivated", "webhook", "webhook_id"),
    # The forum (moderators)
    Audited("post.hidden", "post", "post_id", ("thread_id", "space")),
    Audited("post.unhidden", "post", "post_id", ("thread_id", "space")),
    Audited("post.deleted", "post", "post_id", ("thread_id", "space"), when=_by_moderator),
    Audited("thread.locked", "thread", "thread_id", ("space",), toggle=("locked", "thread.locked", "thread.unlocked")),
    Audited("thread.pinned", "thread", "thread_id", ("space",), toggle=("pinned", "thread.pinned", "thread.unpinned")),
    Audited("flag.resolved", "post", "post_id", ("outcome", "flag_ids", "thread_id"), when=_by_a_moderator_step),
)

ACTIONS: tuple[str, ...] = tuple(action for rule in AUDITED for action in rule.actions())
TARGET_KINDS: tuple[str, ...] = tuple(dict.fromkeys(rule.target_kind for rule in AUDITED))
