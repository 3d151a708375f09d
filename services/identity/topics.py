"""Topic rule of identity: a member's own `user.<id>`."""

from __future__ import annotations

from events.topics import Caller, numeric_id, policy


def _own_user_topic(caller: Caller, arg: str) -> str | None:
    if caller.anonymous:
        return "login required"
    if caller.id != int(arg):
        return "only that member may follow it"
    return None


policy.family("user", numeric_id(_own_user_topic))
