"""The claim: one conditional UPDATE that exactly one of several racing workers can win."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, update
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
