"""Funding calls commands: prepare, announce, edit, move the deadline, open now; scheduler steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from events import Caller, field_values, publish, utcnow
from services.calls.access import require_broadcaster, require_call_writer
from services.calls.events import (
    TOPIC,
    CallAnnounced,
    CallClosed,
    CallDeadlineChanged,
    CallOpened,
    CallRef,
    CallReminded,
    CallUpdated,
)
from services.calls.models import (
    ANNOUNCED,
    CANCELLED,
    CLOSED,
    DEFAULT_REMINDER_DAYS,
    DRAFT,
    OPEN,
    SENT,
    SKIPPED,
    CallReminder,
    DeadlineChange,
    FundingCall,
)
from services.claims import claim
from services.clock import SCHEDULER, local_iso
from services.errors import Conflict, InvalidInput

CURRENCY = "EUR"
# The federal programme a call belongs to unless it says otherwise (the API's default, the demo's calls).
DEFAULT_PROGRAMME = "Modellprojekte Smart Cities"
MAX_REMINDER_DAYS = 365
EDITABLE = (
    "programme",
    "round",
    "title",
    "summary",
    "budget",
    "motto",
    "opens_at",
    "deadline",
    "application_url",
    "reminder_days",
)


# -- money -------------------------------------------------------------------------------------
def budget_to_cents(budget: Decimal | int | str | None) -> int | None:
    """A positive EUR amount with at most two decimals, as whole cents."""
    if budget is None:
        return None
    try:
        amount = Decimal(str(budget))
    except InvalidOperation as exc:
        raise InvalidInput("budget", "an amount in EUR such as 300000000 or 1250.50") from exc
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("budget", "the budget must be a positive amount in EUR")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise InvalidInput("budget", "at most two decimal places (whole cents)")
    if cents >= 10**17:
        raise InvalidInput("budget", "the budget is implausibly large")
    return int(cents)


def cents_to_budget(cents: int | None) -> str | None:
    """Cents as the decimal string the API shows: `300000000.00`."""
    return None if cents is None else f"{Decimal(cents) / 100:.2f}"


# -- checks ------------------------------------------------------------------------------------
def _check_reminder_days(days: list[int]) -> list[int]:
    if len(days) > 10:
        raise InvalidInput("reminder_days", "at most 10 reminders")
    if any(not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= MAX_REMINDER_DAYS for d in days):
        raise InvalidInput("reminder_days", f"whole days between 1 and {MAX_REMINDER_DAYS}")
    return sorted(set(days), reverse=True)


def _check_dates(opens_at: datetime | None, deadline: datetime | None) -> None:
    if opens_at is not None and deadline is not None and deadline <= opens_at:
        raise InvalidInput("deadline", "the deadline must be after opens_at")


def _check_writable(call: FundingCall) -> None:
    if call.status == CLOSED:
        raise Conflict(f"call {call.id} is closed and can no longer be changed", details={"status": [CLOSED]})


# -- event data --------------------------------------------------------------------------------
def _ref(call: FundingCall) -> dict[str, Any]:
    """The CallRef fields every call event starts with (typed here; `**` them into the event)."""
    return field_values(
        CallRef(
            call_id=call.id,
            round=call.round,
            title=call.title,
            deadline=call.deadline,
            deadline_local=local_iso(call.deadline),
        )
    )


def _announced(call: FundingCall) -> CallAnnounced:
    """The call as made public (announced, and again on each later edit)."""
    assert call.opens_at is not None
    return CallAnnounced(
        **_ref(call),
        programme=call.programme,
        summary=call.summary,
        budget=cents_to_budget(call.budget_cents),
        currency=CURRENCY,
        motto=call.motto,
        opens_at=call.opens_at,
        application_url=call.application_url,
        reminder_days=tuple(call.reminder_days),
    )


# -- reminders ---------------------------------------------------------------------------------
def plan_reminders(session: Session, call: FundingCall, *, now: datetime) -> list[CallReminder]:
    """Cancel the call's pending reminders and plan new ones for its deadline (future ones only)."""
    cancel_reminders(session, call.id, now=now)
    if call.deadline is None or call.status not in (ANNOUNCED, OPEN):
        return []
    planned = []
    for days in call.reminder_days:
        due = call.deadline - timedelta(days=days)
        if due > now:
            planned.append(
                CallReminder(call_id=call.id, days_before=days, deadline=call.deadline, due_at=due, created_at=now)
            )
    session.add_all(planned)
    session.flush()
    return planned


def cancel_reminders(session: Session, call_id: int, *, now: datetime) -> int:
    """Mark the call's pending reminders cancelled (claimed, so no scheduler sends them)."""
    result = session.execute(
        update(CallReminder)
        .where(CallReminder.call_id == call_id, CallReminder.done_at.is_(None))
        .values(done_at=now, outcome=CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- commands ----------------------------------------------------------------------------------
def create_call(
    session: Session,
    *,
    caller: Caller,
    programme: str,
    round: int,  # noqa: A002  (the programme's own word)
    title: dict[str, str],
    summary: dict[str, str] | None = None,
    budget: Decimal | int | str | None = None,
    motto: str | None = None,
    opens_at: datetime | None = None,
    deadline: datetime | None = None,
    application_url: str | None = None,
    reminder_days: list[int] | None = None,
    now: datetime | None = None,
) -> FundingCall:
    """Prepare a call as a draft (nothing is published until it is announced)."""
    require_call_writer(caller)
    now = now or utcnow()
    if round < 1:
        raise InvalidInput("round", "a round is a positive number")
    _check_dates(opens_at, deadline)
    call = FundingCall(
        programme=" ".join(programme.split()),
        round=round,
        title={lang: text.strip() for lang, text in title.items()},
        summary={lang: text.strip() for lang, text in (summary or {}).items()},
        budget_cents=budget_to_cents(budget),
        motto=motto,
        opens_at=opens_at,
        deadline=deadline,
        application_url=application_url,
        status=DRAFT,
        reminder_days=_check_reminder_days(list(DEFAULT_REMINDER_DAYS if reminder_days is None else reminder_days)),
        author_id=caller.id,
        created_at=now,
        updated_at=now,
    )
    session.add(call)
    session.flush()
    return call


def update_call(
    session: Session, call: FundingCall, *, caller: Caller, changes: dict[str, Any], now: datetime | None = None
) -> FundingCall:
    """Edit a call that is not closed; an announced or open call's change is announced as `call.updated`.

    Its deadline moves only with a reason (`change_deadline`).
    """
    require_call_writer(caller)
    now = now or utcnow()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "this field cannot be changed")
    _check_writable(call)
    if "deadline" in changes and call.status != DRAFT and changes["deadline"] != call.deadline:
        raise InvalidInput(
            "deadline", f"the call is {call.status}: move its deadline with POST .../deadline and a reason"
        )
    if "opens_at" in changes and call.status == OPEN and changes["opens_at"] != call.opens_at:
        raise InvalidInput("opens_at", "the call is already open")
    if "opens_at" in changes and call.status == ANNOUNCED and changes["opens_at"] is None:
        raise InvalidInput("opens_at", "an announced call needs an opening time")
    if "round" in changes and changes["round"] < 1:
        raise InvalidInput("round", "a round is a positive number")
    if "budget" in changes:
        changes["budget_cents"] = budget_to_cents(changes.pop("budget"))
    if "reminder_days" in changes:
        changes["reminder_days"] = _check_reminder_days(changes["reminder_days"])
    _check_dates(changes.get("opens_at", call.opens_at), changes.get("deadline", call.deadline))
    changed = [k for k, v in changes.items() if getattr(call, k) != v]
    for key in changed:
        setattr(call, key, changes[key])
    if changed:
        call.updated_at = now
        session.flush()
        if "reminder_days" in changed:
            plan_reminders(session, call, now=now)
        if call.status != DRAFT:  # a draft is nobody's business yet
            names = sorted("budget" if k == "budget_cents" else k for k in changed)
            updated = CallUpdated(**field_values(_announced(call)), changed=tuple(names))
            publish(session, updated, topic=TOPIC, actor=caller)
    return call


def announce_call(session: Session, call: FundingCall, *, caller: Caller, now: datetime | None = None) -> FundingCall:
    """Make a draft public: `call.announced`; the scheduler opens it at `opens_at`."""
    require_call_writer(caller)
    now = now or utcnow()
    if call.status != DRAFT:
        raise Conflict(
            f"call {call.id} is {call.status}, only a draft can be announced", details={"status": [call.status]}
        )
    for name in ("opens_at", "deadline"):
        if getattr(call, name) is None:
            raise InvalidInput(name, f"set {name} before announcing the call")
    assert call.deadline is not None
    if call.deadline <= now:
        raise InvalidInput("deadline", "the deadline has already passed")
    call.status = ANNOUNCED
    call.announced_at = now
    call.updated_at = now
    session.flush()
    plan_reminders(session, call, now=now)
    publish(session, _announced(call), topic=TOPIC, actor=caller)
    return call


def change_deadline(
    session: Session,
    call: FundingCall,
    *,
    caller: Caller,
    deadline: datetime,
    reason: str,
    now: datetime | None = None,
) -> FundingCall:
    """Move the deadline with a reason: `call.deadline_changed`; pending reminders are re-planned."""
    require_call_writer(caller)
    now = now or utcnow()
    _check_writable(call)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("reason", "say why the deadline moves")
    if deadline <= now and call.status != DRAFT:
        raise InvalidInput("deadline", "the new deadline must be in the future")
    if call.status in (DRAFT, ANNOUNCED):
        _check_dates(call.opens_at, deadline)
    if deadline == call.deadline:
        raise InvalidInput("deadline", "that is the current deadline")
    previous = call.deadline
    call.deadline = deadline
    call.updated_at = now
    session.add(
        DeadlineChange(
            call_id=call.id,
            previous_deadline=previous,
            deadline=deadline,
            reason=reason,
            actor_id=caller.id,
            changed_at=now,
        )
    )
    session.flush()
    if call.status == DRAFT:
        return call
    plan_reminders(session, call, now=now)
    publish(
        session, CallDeadlineChanged(**_ref(call), previous_deadline=previous, reason=reason), topic=TOPIC, actor=caller
    )
    return call


def open_call_now(session: Session, call: FundingCall, *, caller: Caller, now: datetime | None = None) -> FundingCall:
    """Admin broadcast: open a draft or announced call at once; `call.opened` with `broadcast: true`."""
    require_broadcaster(caller)
    now = now or utcnow()
    _check_writable(call)
    if call.status == OPEN:
        raise Conflict(f"call {call.id} is already open", details={"status": [OPEN]})
    if call.deadline is None:
        raise InvalidInput("deadline", "set a deadline before opening the call")
    if call.deadline <= now:
        raise InvalidInput("deadline", "the deadline has already passed")
    was_draft = call.status == DRAFT
    # Conditional, like the scheduler's claim: if the scheduler opened it meanwhile, we do not.
    opening = {"status": OPEN, "opens_at": now, "opened_at": now, "updated_at": now}
    if claim(session, FundingCall, call.id, FundingCall.status.in_((DRAFT, ANNOUNCED)), **opening) is None:
        raise Conflict(f"call {call.id} was opened meanwhile", details={"status": [OPEN]})
    if was_draft:
        call.announced_at = now
        plan_reminders(session, call, now=now)
    _publish_opened(session, call, actor=caller, broadcast=True)
    return call


def archive_call(session: Session, call: FundingCall, *, caller: Caller, now: datetime | None = None) -> FundingCall:
    """Record a past call whose dates are not known (or long gone) as closed: `call.closed`."""
    require_call_writer(caller)
    now = now or utcnow()
    if call.status != DRAFT:
        raise Conflict(
            f"call {call.id} is {call.status}, only a draft can be archived", details={"status": [call.status]}
        )
    if call.deadline is not None and call.deadline > now:
        raise InvalidInput("deadline", "the deadline has not passed; announce the call instead")
    call.status = CLOSED
    call.closed_at = now
    call.updated_at = now
    session.flush()
    publish(session, CallClosed(**_ref(call), closed_at=now), topic=TOPIC, actor=caller)
    return call


def _publish_opened(session: Session, call: FundingCall, *, actor: Caller | None, broadcast: bool) -> None:
    assert call.opened_at is not None
    opened = CallOpened(
        **_ref(call), opened_at=call.opened_at, application_url=call.application_url, broadcast=broadcast
    )
    publish(session, opened, topic=TOPIC, actor=actor)


# -- scheduler steps (each runs in its own transaction; the conditional UPDATE is the claim) ----
def open_due_call(session: Session, call_id: int, *, now: datetime) -> bool:
    """Open an announced call whose `opens_at` has come; False if it is not (or no longer) due."""
    due = (FundingCall.status == ANNOUNCED, FundingCall.opens_at <= now)
    call = claim(session, FundingCall, call_id, *due, status=OPEN, opened_at=now, updated_at=now)
    if call is None:
        return False
    _publish_opened(session, call, actor=SCHEDULER, broadcast=False)
    return True


def close_due_call(session: Session, call_id: int, *, now: datetime) -> bool:
    """Close an open call whose deadline has passed; pending reminders are cancelled."""
    due = (FundingCall.status == OPEN, FundingCall.deadline <= now)
    call = claim(session, FundingCall, call_id, *due, status=CLOSED, closed_at=now, updated_at=now)
    if call is None:
        return False
    cancel_reminders(session, call_id, now=now)
    publish(session, CallClosed(**_ref(call), closed_at=now), topic=TOPIC, actor=SCHEDULER)
    return True


def handle_due_reminder(session: Session, reminder_id: int, *, now: datetime, window: timedelta) -> str | None:
    """Send, skip (late by more than `window`) or cancel one due reminder; None if already handled."""
    reminder = session.scalar(select(CallReminder).where(CallReminder.id == reminder_id))
    if reminder is None or reminder.done_at is not None or reminder.due_at > now:
        return None
    call = session.get(FundingCall, reminder.call_id)
    if call is None or call.status not in (ANNOUNCED, OPEN) or call.deadline != reminder.deadline:
        outcome = CANCELLED
    elif now - reminder.due_at > window:
        outcome = SKIPPED
    else:
        outcome = SENT
    if claim(session, CallReminder, reminder_id, CallReminder.done_at.is_(None), done_at=now, outcome=outcome) is None:
        return None
    if outcome == SENT:
        assert call is not None
        due = CallReminded(**_ref(call), days_left=reminder.days_before, application_url=call.application_url)
        publish(session, due, topic=TOPIC, actor=SCHEDULER)
    return outcome
