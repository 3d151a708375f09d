"""Queueing a mail: a row in the caller's transaction, so a rolled-back change sends nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from events import utcnow
from services.mail.models import CANCELLED, PENDING, OutgoingMail
from services.mail.texts import TEMPLATES


def queue_mail(session: Session, *, to: str, kind: str, language: str, params: dict[str, Any]) -> OutgoingMail:
    """Queue a mail of `kind` to `to` in `language`; the scheduler sends it after commit."""
    if kind not in TEMPLATES:
        raise ValueError(f"no mail template {kind!r}")
    now = utcnow()
    mail = OutgoingMail(
        recipient=to,
        kind=kind,
        language=language,
        params=params,
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(mail)
    session.flush()
    return mail


def cancel_mails(session: Session, *, kind: str, key: str, values: Iterable[int]) -> int:
    """Cancel the pending mails of `kind` whose `params[key]` is one of `values`; how many were.

    For mails about content that was withdrawn before they went out: their params (the text
    they would have carried) are emptied in the caller's transaction.
    """
    ids = list(values)
    if not ids:
        return 0
    result = session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.kind == kind, OutgoingMail.status == PENDING, OutgoingMail.params[key].as_integer().in_(ids)
        )
        .values(status=CANCELLED, params={}, last_error="withdrawn before it was sent")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
