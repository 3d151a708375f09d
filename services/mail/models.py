"""The mail outbox: one row per message, written in the transaction that causes the mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

PENDING, SENT, FAILED = "pending", "sent", "failed"
# Not sent because what it was about was withdrawn (a post hidden or deleted) before it went out.
CANCELLED = "cancelled"


class OutgoingMail(Base):
    """A queued mail: sent by the scheduler after the transaction that wrote it committed.

    It is rendered when sent (with the deployment's sender and public base URL), so the
    services that queue mails need no web settings.
    """

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    # What the template needs; emptied once sent, since it can hold a one-time token.
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_outgoing_mail_status_next", "status", "next_attempt_at"),)
