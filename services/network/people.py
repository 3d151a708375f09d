"""Who may find whom: the people directory and @-autocomplete, per caller.

Anonymous callers see nobody (401). Partner contacts see the network's people: the explicit
members of the spaces they may read, and themselves. Everyone else logged in sees every active member.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import Caller
from services.identity import PARTNER, Member, require_login, search_people
from services.spaces import space_member_ids, visible_spaces


def visible_people_ids(session: Session, caller: Caller) -> set[int] | None:
    """Ids of the members `caller` may find, or None for everyone active."""
    member_id = require_login(caller)
    if caller.role != PARTNER:
        return None
    ids = {member_id}
    for space in visible_spaces(session, caller):
        ids.update(space_member_ids(session, space))
    return ids


def find_people(
    session: Session, caller: Caller, q: str | None, *, limit: int, cursor: int | None = None
) -> tuple[list[Member], int | None, int]:
    """A page of the people `caller` may find matching `q` (name, handle, organisation), the next cursor, the total."""
    return search_people(session, q, among=visible_people_ids(session, caller), limit=limit, cursor=cursor)
