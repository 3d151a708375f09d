"""Funding calls tables: the calls, their planned reminders and the history of deadline changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

DRAFT, ANNOUNCED, OPEN, CLOSED = "draft", "announced", "open", "closed"
STATUSES = (DRAFT, ANNOUNCED, OPEN, CLOSED)
DEFAULT_REMINDER_DAYS = (14, 7, 1)
SENT, SKIPPED, CANCELLED = "sent", "skipped", "cancelled"


class FundingCall(Base):
    """A call for applications (Förderaufruf): draft → announced → open → closed.

    Money is kept as whole euro cents in a BIGINT (`budget_cents`): exact, portable, and
    300 Mio. EUR is 3·10¹⁰ cents, far inside 64 bits. The API shows it as a decimal string.
    Times are naive UTC; the API adds Europe/Berlin renderings.
    """

    __tablename__ = "funding_call"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme: Mapped[str] = mapped_column(String(200))
    round: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    summary: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    motto: Mapped[str | None] = mapped_column(String(300))
    opens_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    application_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(DEFAULT_REMINDER_DAYS))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    announced_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CallReminder(Base):
    """One planned deadline reminder: due `days_before` days before `deadline`.

    `done_at` is the scheduler's claim: a reminder is handled by the one transaction whose
    `UPDATE ... WHERE done_at IS NULL` matched it, with `outcome` sent, skipped (too late) or
    cancelled (the deadline moved, the call closed).
    """

    __tablename__ = "call_reminder"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_call.id", ondelete="CASCADE"), index=True)
    days_before: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))


class DeadlineChange(Base):
    """A deadline moved, with the reason given."""

    __tablename__ = "call_deadline_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_call.id", ondelete="CASCADE"), index=True)
    previous_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(1000))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
