"""Topic rules of identity: a member's own `user.<id>`, and `moderation` for moderators."""

from __future__ import annotations

from events.topics import Principal, numeric_id, policy

MODERATING_ROLES = ("moderator", "admin")


def _own_user_topic(principal: Principal, arg: str) -> str | None:
    if principal.anonymous:
        return "login required"
    if principal.member_id != int(arg):
        return "only that member may follow it"
    return None


def _moderators(principal: Principal, _arg: str) -> str | None:
    if principal.anonymous:
        return "login required"
    if principal.role not in MODERATING_ROLES:
        return "moderators and admins only"
    return None


policy.family("user", numeric_id(_own_user_topic))
policy.topic("moderation", _moderators)
