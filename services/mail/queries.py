"""What the admins see of the outbox: mails with their attempts; counts for reach and metrics."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from events import Caller
from services.errors import NotFound
from services.mail.models import SENT, MailAttempt, OutgoingMail


def require_admin(caller: Caller) -> None:
    """Identity's admin check, imported when called: identity imports mail, so not at module level."""
    from services.identity import require_admin as identity_require_admin

    identity_require_admin(caller)


def list_mails(
    session: Session, caller: Caller, *, status: str | None = None, limit: int, offset: int
) -> tuple[list[OutgoingMail], int]:
    """A page of the outbox, newest first (optionally of one status), and the total (admins)."""
    require_admin(caller)
    query = select(OutgoingMail)
    count = select(func.count(OutgoingMail.id))
    if status is not None:
        query, count = query.where(OutgoingMail.status == status), count.where(OutgoingMail.status == status)
    rows = session.scalars(query.order_by(OutgoingMail.id.desc()).limit(limit).offset(offset))
    return list(rows), session.scalar(count) or 0


def get_mail(session: Session, caller: Caller, mail_id: int) -> tuple[OutgoingMail, list[MailAttempt]]:
    """One mail and every attempt to send it, oldest first (admins)."""
    require_admin(caller)
    mail = session.get(OutgoingMail, mail_id)
    if mail is None:
        raise NotFound(f"no mail {mail_id}")
    attempts = session.scalars(select(MailAttempt).where(MailAttempt.mail_id == mail_id).order_by(MailAttempt.id))
    return mail, list(attempts)


def sent_count(session: Session, ref: str) -> int:
    """How many mails about `ref` (`announcement:7`) the SMTP server accepted."""
    query = select(func.count(OutgoingMail.id)).where(OutgoingMail.ref == ref, OutgoingMail.status == SENT)
    return session.scalar(query) or 0
