"""Queueing a mail: a row in the caller's transaction, so a rolled-back change sends nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from events import utcnow
from services.mail.models import PENDING, OutgoingMail
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
