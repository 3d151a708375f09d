"""Funding calls reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from events import Caller
from services.calls.access import require_call_writer, writes_calls
from services.calls.models import ANNOUNCED, DRAFT, OPEN, CallReminder, DeadlineChange, FundingCall
from services.errors import NotFound


def list_calls(
    session: Session,
    caller: Caller,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
    round: int | None = None,  # noqa: A002
    ids: Select[Any] | None = None,
) -> tuple[list[FundingCall], int]:
    """A page of calls, newest round first, and the total count; drafts only for those who write calls.

    `ids` keeps to the calls whose ids it selects (a search's matches).
    """
    include_drafts = writes_calls(caller)
    query = select(FundingCall)
    if status:
        query = query.where(FundingCall.status == status)
    elif not include_drafts:
        query = query.where(FundingCall.status != DRAFT)
    if status == DRAFT and not include_drafts:
        query = query.where(FundingCall.id.is_(None))  # drafts are not public: an empty page
    if round is not None:
        query = query.where(FundingCall.round == round)
    if ids is not None:
        query = query.where(FundingCall.id.in_(ids))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(FundingCall.round.desc(), FundingCall.deadline.desc(), FundingCall.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def get_call(session: Session, caller: Caller, call_id: int) -> FundingCall:
    """One call; a draft only for those who write calls."""
    call = session.get(FundingCall, call_id)
    if call is None or (call.status == DRAFT and not writes_calls(caller)):
        raise NotFound(f"no funding call {call_id}")
    return call


def reminders_of(session: Session, caller: Caller, call_id: int) -> list[CallReminder]:
    """Every reminder ever planned for a call, by due time (for those who write calls)."""
    require_call_writer(caller)
    get_call(session, caller, call_id)
    return list(
        session.scalars(
            select(CallReminder).where(CallReminder.call_id == call_id).order_by(CallReminder.due_at, CallReminder.id)
        )
    )


def deadline_changes_of(session: Session, call_id: int) -> list[DeadlineChange]:
    """The call's deadline history, oldest first."""
    return list(
        session.scalars(select(DeadlineChange).where(DeadlineChange.call_id == call_id).order_by(DeadlineChange.id))
    )


def due_openings(session: Session, now: datetime) -> list[tuple[datetime, int]]:
    """(opens_at, id) of announced calls whose opening time has come."""
    rows = session.execute(
        select(FundingCall.opens_at, FundingCall.id).where(FundingCall.status == ANNOUNCED, FundingCall.opens_at <= now)
    )
    return [(r[0], r[1]) for r in rows if r[0] is not None]


def due_closings(session: Session, now: datetime) -> list[tuple[datetime, int]]:
    """(deadline, id) of announced or open calls whose deadline has passed (announced ones open first)."""
    rows = session.execute(
        select(FundingCall.deadline, FundingCall.id).where(
            FundingCall.status.in_((ANNOUNCED, OPEN)), FundingCall.deadline <= now
        )
    )
    return [(r[0], r[1]) for r in rows if r[0] is not None]


def due_reminders(session: Session, now: datetime) -> list[tuple[datetime, int]]:
    """(due_at, id) of reminders not yet handled whose time has come."""
    rows = session.execute(
        select(CallReminder.due_at, CallReminder.id).where(CallReminder.done_at.is_(None), CallReminder.due_at <= now)
    )
    return [(r[0], r[1]) for r in rows if r[0] is not None]
