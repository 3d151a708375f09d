"""Spaces: the national platform, the international network, working groups, and memberships.

Space-level permissions (`access`) decide REST reads and writes, follows, and which
`space.<slug>` / `thread.<id>` topics a client may follow.
"""

from services.spaces import topics  # noqa: F401  (registers the topic rule)
from services.spaces.access import (
    can_read,
    member_can_read,
    read_refusal,
    require_moderator,
    require_read,
    require_write,
)
from services.spaces.commands import add_membership, create_space, join_network_spaces, remove_membership
from services.spaces.models import INVITED, MEMBERS, NETWORK, PUBLIC, Space, SpaceMembership
from services.spaces.queries import get_space, get_space_by_id, space_member_ids, visible_spaces

__all__ = [
    "INVITED",
    "MEMBERS",
    "NETWORK",
    "PUBLIC",
    "Space",
    "SpaceMembership",
    "add_membership",
    "can_read",
    "create_space",
    "get_space",
    "get_space_by_id",
    "join_network_spaces",
    "member_can_read",
    "read_refusal",
    "remove_membership",
    "require_moderator",
    "require_read",
    "require_write",
    "space_member_ids",
    "visible_spaces",
]
