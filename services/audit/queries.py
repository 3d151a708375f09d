"""Reading the audit log: admins filter it; moderators see the entries about posts (member history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from events import Caller
from services.audit.models import AuditEntry
from services.errors import InvalidInput
from services.identity import Member, require_admin


@dataclass
class AuditView:
    """An entry as admins read it: the actor as `{id, name}` (name null once the account is gone)."""

    id: int
    occurred_at: datetime
    actor: dict[str, Any] | None
    action: str
    target_kind: str
    target_id: int | None
    reason: str | None
    details: dict[str, Any]


def _views(session: Session, entries: list[AuditEntry]) -> list[AuditView]:
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    names: dict[int, str] = {}
    if ids:
        names = {
            member_id: name
            for member_id, name in session.execute(select(Member.id, Member.name).where(Member.id.in_(ids)))
        }
    return [
        AuditView(
            id=e.id,
            occurred_at=e.occurred_at,
            actor=None if e.actor_id is None else {"id": e.actor_id, "name": names.get(e.actor_id)},
            action=e.action,
            target_kind=e.target_kind,
            target_id=e.target_id,
            reason=e.reason,
            details=e.details,
        )
        for e in entries
    ]


def list_entries(
    session: Session,
    caller: Caller,
    *,
    limit: int,
    before: int | None = None,
    actor: int | None = None,
    action: str | None = None,
    target_kind: str | None = None,
    target_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditView], int | None, int]:
    """The audit log for admins, newest first, filtered; returns a page, the next cursor (an id) and the total."""
    require_admin(caller)
    if since is not None and until is not None and since > until:
        raise InvalidInput("until", "must not be before `since`")
    if target_id is not None and target_kind is None:
        raise InvalidInput("target_id", "name the `target_kind` too")
    conditions: list[ColumnElement[bool]] = []
    if actor is not None:
        conditions.append(AuditEntry.actor_id == actor)
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if target_kind is not None:
        conditions.append(AuditEntry.target_kind == target_kind)
    if target_id is not None:
        conditions.append(AuditEntry.target_id == target_id)
    if since is not None:
        conditions.append(AuditEntry.occurred_at >= since)
    if until is not None:
        conditions.append(AuditEntry.occurred_at < until)
    query = select(AuditEntry).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return _views(session, rows), (rows[-1].id if more else None), total


def entries_about(session: Session, target_kind: str, target_ids: Select[Any]) -> list[AuditView]:
    """Every entry about targets of `target_kind` whose ids `target_ids` selects, oldest first (no permission check)."""
    query = select(AuditEntry).where(AuditEntry.target_kind == target_kind, AuditEntry.target_id.in_(target_ids))
    return _views(session, list(session.scalars(query.order_by(AuditEntry.id))))
