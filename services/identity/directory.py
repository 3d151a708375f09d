"""Finding members: the admins' member list with filters, and the people search others use."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from events import Caller
from services.errors import InvalidInput
from services.identity.access import require_admin
from services.identity.models import Member
from services.identity.roles import ROLES

STATUSES = ("active", "deactivated")


def _matching(query: Select[Any], q: str | None) -> Select[Any]:
    if not q or not q.strip():
        return query
    pattern = "%" + q.strip().lower().lstrip("@").replace("%", r"\%").replace("_", r"\_") + "%"
    return query.where(
        or_(
            func.lower(Member.name).like(pattern, escape="\\"),
            func.lower(Member.handle).like(pattern, escape="\\"),
            func.lower(Member.organisation).like(pattern, escape="\\"),
        )
    )


def _page(session: Session, query: Select[Any], limit: int, cursor: int | None) -> tuple[list[Member], int | None, int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if cursor is not None:
        query = query.where(Member.id > cursor)
    rows = list(session.scalars(query.order_by(Member.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None), total


def list_members(
    session: Session,
    caller: Caller,
    *,
    q: str | None = None,
    role: str | None = None,
    country: str | None = None,
    organisation: str | None = None,
    status: str | None = None,
    limit: int = 50,
    cursor: int | None = None,
) -> tuple[list[Member], int | None, int]:
    """Members matching the filters (admins): a page by id, the next cursor and the total."""
    require_admin(caller)
    query = _matching(select(Member), q)
    if q and "@" in q.strip().lstrip("@"):
        query = select(Member).where(func.lower(Member.email) == q.strip().lower())
    if role is not None:
        if role not in ROLES:
            raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
        query = query.where(Member.role == role)
    if country is not None:
        query = query.where(Member.country == country.strip().upper())
    if organisation is not None:
        query = query.where(func.lower(Member.organisation).like("%" + organisation.strip().lower() + "%"))
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")
        query = query.where(Member.active.is_(status == "active"))
    return _page(session, query, limit, cursor)


def search_people(
    session: Session, q: str | None, *, among: Collection[int] | None, limit: int, cursor: int | None = None
) -> tuple[list[Member], int | None, int]:
    """Active members matching `q` by name, handle or organisation; only ids in `among` unless it is None.

    Who may see whom is the caller's policy (see services.network.people); this is only the query.
    """
    query = _matching(select(Member).where(Member.active.is_(True)), q)
    if among is not None:
        query = query.where(Member.id.in_(list(among)))
    return _page(session, query, limit, cursor)
