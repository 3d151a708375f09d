"""The audit table: one row per admin or moderator action, kept apart from the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base


class AuditEntry(Base):
    """Who did what to which target, when and why; only ids and small non-personal details.

    No foreign keys on purpose: an entry outlives the actor's account (erasure) and the event it
    was recorded from (retention prunes the log, never this table).
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_kind: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_audit_entry_target", "target_kind", "target_id"),)
