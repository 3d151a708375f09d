"""The mail outbox: one row per message, written in the transaction that causes the mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
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
    # The member it is for (None for an invitation to someone without an account yet).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # The preference kinds (comma-separated) a one-click unsubscribe turns off (None: transactional, always sent).
    list_kind: Mapped[str | None] = mapped_column(String(120))
    # What it is about, for counting (`announcement:7`): params are emptied once it is sent.
    ref: Mapped[str | None] = mapped_column(String(40), index=True)

    __table_args__ = (Index("ix_outgoing_mail_status_next", "status", "next_attempt_at"),)


class MailAttempt(Base):
    """One attempt to hand a mail to the SMTP server, and how it ended (for the admins)."""

    __tablename__ = "mail_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # sent, retry, failed
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
