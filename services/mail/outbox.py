"""Queueing a mail: a row in the caller's transaction, so a rolled-back change sends nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from events import isoformat_z, utcnow
from services.mail.models import CANCELLED, PENDING, MailAttempt, OutgoingMail
from services.mail.texts import TEMPLATES

# Mails that list several things (each item a dict with its own ids), so a withdrawal can edit them.
LISTS = ("missed", "digest")


def queue_mail(
    session: Session,
    *,
    to: str,
    kind: str,
    language: str,
    params: dict[str, Any],
    member_id: int | None = None,
    list_kind: str | None = None,
    ref: str | None = None,
) -> OutgoingMail:
    """Queue a mail of `kind` to `to` in `language`; the scheduler sends it after commit.

    `list_kind` makes it a list mail the member can turn off with one click (`List-Unsubscribe`);
    `ref` names what it is about, for counting once the params are gone.
    """
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
        member_id=member_id,
        list_kind=list_kind,
        ref=ref,
    )
    session.add(mail)
    session.flush()
    return mail


def withdraw_items(session: Session, *, key: str, values: Iterable[int]) -> int:
    """Take the items whose `key` is one of `values` out of pending list mails; how many mails changed.

    For content withdrawn before its mail went out: a mail left with no item is cancelled, and its
    params (the text it would have carried) are emptied in the caller's transaction.
    """
    gone = set(values)
    if not gone:
        return 0
    changed = 0
    pending = session.scalars(select(OutgoingMail).where(OutgoingMail.status == PENDING, OutgoingMail.kind.in_(LISTS)))
    for mail in pending:
        params = dict(mail.params)
        if "items" in params:
            params["items"] = [item for item in params["items"] if item.get(key) not in gone]
        if "sections" in params:
            kept = [[name, [i for i in entries if i.get(key) not in gone]] for name, entries in params["sections"]]
            params["sections"] = [[name, entries] for name, entries in kept if entries]
        if params == mail.params:
            continue
        changed += 1
        if params.get("items") or params.get("sections"):
            mail.params = params
        else:
            mail.status, mail.params, mail.last_error = CANCELLED, {}, "withdrawn before it was sent"
    return changed


def cancel_mails_to(session: Session, *, member_id: int, reason: str) -> int:
    """Cancel the mails to `member_id` not sent yet (a deactivated account), emptying their params; how many."""
    result = session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.member_id == member_id, OutgoingMail.status == PENDING)
        .values(status=CANCELLED, params={}, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def forget_recipient(session: Session, *, email: str, member_id: int) -> int:
    """Erasure: no mail keeps the member's address or params; pending ones to them are cancelled. How many changed.

    Sent mails keep no params already; these lose theirs too, and their attempts' errors (an SMTP
    refusal can quote the address).
    """
    theirs = or_(OutgoingMail.recipient == email, OutgoingMail.member_id == member_id)
    mail_ids = select(OutgoingMail.id).where(theirs)
    session.execute(
        update(MailAttempt)
        .where(MailAttempt.mail_id.in_(mail_ids), MailAttempt.error.is_not(None))
        .values(error="(erased)")
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(OutgoingMail)
        .where(theirs)
        .values(
            recipient="",
            params={},
            last_error=None,
            status=case((OutgoingMail.status == PENDING, CANCELLED), else_=OutgoingMail.status),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def replace_param(session: Session, *, kind: str, key: str, old: str, new: str) -> int:
    """In pending mails of `kind`, set `params[key]` to `new` where it is `old` (an erased inviter's name); how many."""
    pending = session.scalars(
        select(OutgoingMail).where(
            OutgoingMail.kind == kind, OutgoingMail.status == PENDING, OutgoingMail.params[key].as_string() == old
        )
    ).all()
    for mail in pending:
        mail.params = {**mail.params, key: new}  # a new dict: the JSON column sees the change
    return len(pending)


def mails_to(session: Session, *, email: str, member_id: int) -> list[dict[str, Any]]:
    """The mails queued or sent to a member, oldest first, as their data export lists them (no params)."""
    rows = session.scalars(
        select(OutgoingMail)
        .where(or_(OutgoingMail.recipient == email, OutgoingMail.member_id == member_id))
        .order_by(OutgoingMail.id)
    )
    return [
        {
            "id": m.id,
            "kind": m.kind,
            "language": m.language,
            "status": m.status,
            "created_at": isoformat_z(m.created_at),
            "sent_at": isoformat_z(m.sent_at) if m.sent_at else None,
        }
        for m in rows
    ]
