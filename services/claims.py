"""The claim: one conditional UPDATE that exactly one of several racing workers can win."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, or_, update
from sqlalchemy.orm import Session

from events.db import Base

Row = TypeVar("Row", bound=Base)


def claim(
    session: Session, model: type[Row], row_id: int, *conditions: ColumnElement[bool], **values: Any
) -> Row | None:
    """Set `values` on row `row_id` only if `conditions` still hold; the fresh row if we won, else None.

    Two schedulers (or a scheduler and an admin) racing for the same transition both run this;
    the database lets exactly one UPDATE match, so exactly one goes on to publish the event.
    """
    result = session.execute(
        update(model)
        .where(inspect(model).primary_key[0] == row_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(model, row_id)
    assert row is not None
    session.refresh(row)
    return row


def claim_leased(
    session: Session, model: type[Row], row_id: int, *, pending: str, now: datetime, lease: timedelta
) -> Row | None:
    """Claim a `pending` row nobody holds (or whose holder's lease ran out) for `lease`, counting the attempt.

    The outbox workers (mail, webhooks) claim each row before talking to the outside world, which
    runs outside any transaction: a crashed worker's claim expires, a live one's keeps the row its own.
    The model needs `status`, `claimed_until` and `attempts` columns.
    """
    status, claimed_until, attempts = (getattr(model, name) for name in ("status", "claimed_until", "attempts"))
    free = or_(claimed_until.is_(None), claimed_until < now)
    return claim(session, model, row_id, status == pending, free, claimed_until=now + lease, attempts=attempts + 1)
