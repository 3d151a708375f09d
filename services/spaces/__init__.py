"""Spaces: the national platform, the international network, working groups, and memberships.

Space-level permissions (`access`) decide REST reads and writes, follows, and which
`space.<slug>` / `thread.<id>` topics a client may follow. The public API is the names below;
other services and the web layer never import `services.spaces.<module>` directly.
"""

from services.spaces import events, topics  # noqa: F401  (registers event types and the topic rule)
from services.spaces.access import (
    REFUSAL_CODES,
    THREAD_LOCKED,
    Permissions,
    can_read,
    member_can_read,
    read_refusal,
    require_read,
    require_write,
    space_permissions,
    topic_refusal,
)
from services.spaces.commands import (
    add_membership,
    create_space,
    join_network_spaces,
    remove_membership,
    update_space,
)
from services.spaces.events import space_topic
from services.spaces.models import INVITED, KINDS, MEMBERS, NETWORK, PUBLIC, VISIBILITIES, Space, SpaceMembership
from services.spaces.queries import get_space, get_space_by_id, space_member_ids, space_members, visible_spaces

__all__ = [
    "INVITED",
    "KINDS",
    "MEMBERS",
    "NETWORK",
    "Permissions",
    "PUBLIC",
    "REFUSAL_CODES",
    "THREAD_LOCKED",
    "VISIBILITIES",
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
    "require_read",
    "require_write",
    "space_member_ids",
    "space_members",
    "space_permissions",
    "topic_refusal",
    "space_topic",
    "update_space",
    "visible_spaces",
]
