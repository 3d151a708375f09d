"""Queueing a mail: a row in the caller's transaction, so a rolled-back change sends nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import utcnow
from services.mail.models import CANCELLED, PENDING, OutgoingMail
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
