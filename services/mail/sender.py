"""The mail worker: renders and sends due mails, retrying with backoff when the server fails.

Each mail is claimed by a conditional UPDATE (a lease, so a crashed worker's claim expires)
before the SMTP conversation, which runs outside any transaction.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import or_, select

from events import Database
from services.claims import claim
from services.mail.models import FAILED, PENDING, SENT, OutgoingMail
from services.mail.texts import render
from services.mail.transport import Transport


@dataclass(frozen=True)
class MailSettings:
    """Who mails come from, where replies go, the public URL links start with, how hard to retry."""

    sender: str
    base_url: str
    reply_to: str | None = None
    max_attempts: int = 10
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)

    def delay_after(self, attempts: int) -> timedelta:
        """Wait before the next attempt: first_delay doubled per failed attempt, at most max_delay."""
        return min(self.first_delay * (2 ** (attempts - 1)), self.max_delay)


@dataclass
class SendReport:
    """What one run did: (mail id, outcome) per attempt."""

    outcomes: list[tuple[int, str]] = field(default_factory=list)


def _html(text: str, link: str) -> str:
    # Every piece of text is escaped; only the link becomes markup.
    paragraphs = []
    for paragraph in text.split("\n\n"):
        escaped = html.escape(paragraph).replace("\n", "<br>")
        anchor = f'<a href="{html.escape(link)}">{html.escape(link)}</a>'
        paragraphs.append(f"<p>{escaped.replace(html.escape(link), anchor)}</p>")
    return "<!doctype html><html><body>" + "".join(paragraphs) + "</body></html>"


def build_message(mail: OutgoingMail, settings: MailSettings, now: datetime) -> EmailMessage:
    """The MIME message of `mail`: plain text and an HTML alternative."""
    subject, link, text = render(mail.kind, mail.language, mail.params, settings.base_url)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.recipient
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(now.replace(tzinfo=UTC), usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2].strip("> ") or None)
    message["Content-Language"] = mail.language
    message["X-Dialog-Mail-Id"] = str(mail.id)
    message.set_content(text)
    message.add_alternative(_html(text, link), subtype="html")
    return message


def due_mails(db: Database, now: datetime) -> list[int]:
    """Ids of pending mails that are due and not claimed, oldest first."""
    with db.read() as session:
        free = or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now)
        query = select(OutgoingMail.id).where(OutgoingMail.status == PENDING, OutgoingMail.next_attempt_at <= now, free)
        return list(session.scalars(query.order_by(OutgoingMail.id).limit(100)))


def send_due(db: Database, now: datetime, settings: MailSettings, transport: Transport) -> SendReport:
    """Attempt every due mail once."""
    report = SendReport()
    for mail_id in due_mails(db, now):
        outcome = send_one(db, mail_id, now, settings, transport)
        if outcome is not None:
            report.outcomes.append((mail_id, outcome))
    return report


def send_one(db: Database, mail_id: int, now: datetime, settings: MailSettings, transport: Transport) -> str | None:
    """Claim, send and record one mail; None if another worker has it."""
    with db.write() as session:
        free = or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now)
        lease = {"claimed_until": now + settings.lease, "attempts": OutgoingMail.attempts + 1}
        mail = claim(session, OutgoingMail, mail_id, OutgoingMail.status == PENDING, free, **lease)
        if mail is None:
            return None
        message, attempts = build_message(mail, settings, now), mail.attempts
    error: str | None = None
    try:
        transport(message)
    except Exception as exc:  # an unreachable or refusing server is one failed attempt
        error = f"{type(exc).__name__}: {exc}"[:500]
    with db.write() as session:
        mail = session.get(OutgoingMail, mail_id)
        assert mail is not None
        mail.claimed_until, mail.last_error = None, error
        if error is None:
            mail.status, mail.sent_at, mail.params = SENT, now, {}
        elif attempts >= settings.max_attempts:
            mail.status, mail.params = FAILED, {}
        else:
            mail.next_attempt_at = now + settings.delay_after(attempts)
        return "retry" if mail.status == PENDING else mail.status
