"""The mail worker: renders and sends due mails, retrying with backoff when the server fails.

Each mail is claimed with a lease (services/claims.claim_leased, so a crashed worker's claim
expires) before the SMTP conversation, which runs outside any transaction. Every attempt is
recorded. A connection error or an SMTP 4xx is retried with backoff; an SMTP 5xx (the server
refuses the address or the message for good) or `max_attempts` failures mark the mail `failed`.

The one window no outbox closes: the server accepted the message (250) and the worker died before
recording it. The retry then carries the same Message-ID, so the receiving side can tell.
"""

from __future__ import annotations

import html
import re
import smtplib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from events import Database
from services.claims import claim_leased
from services.mail.models import FAILED, PENDING, SENT, MailAttempt, OutgoingMail
from services.mail.texts import render
from services.mail.transport import Transport
from services.mail.unsubscribe import unsubscribe_path


@dataclass(frozen=True)
class MailSettings:
    """Who mails come from, where replies go, the public URL links start with, how hard to retry."""

    sender: str
    base_url: str
    reply_to: str | None = None
    # Signs one-click unsubscribe links; without it list mails go out without List-Unsubscribe.
    secret: str = ""
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


def _html(text: str, base_url: str) -> str:
    # Every piece of text is escaped; only links into this deployment become markup (no remote
    # images, no links a poster smuggled into an excerpt).
    own = re.compile(re.escape(html.escape(base_url.rstrip("/"))) + r"\S*?(?=&lt;|&gt;|&quot;|&#x27;|\s|$)")
    paragraphs = []
    for paragraph in text.split("\n\n"):
        escaped = html.escape(paragraph)
        linked = own.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped).replace("\n", "<br>")
        paragraphs.append(f"<p>{linked}</p>")
    return "<!doctype html><html><body>" + "".join(paragraphs) + "</body></html>"


def build_message(mail: OutgoingMail, settings: MailSettings, now: datetime) -> EmailMessage:
    """The MIME message of `mail`: plain text and an HTML alternative, List-Unsubscribe for list mails."""
    base = settings.base_url.rstrip("/")
    subject, _link, text = render(mail.kind, mail.language, mail.params, base)
    subject = " ".join(subject.split())  # a title with a line break must not break the header
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.recipient
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(now.replace(tzinfo=UTC), usegmt=True)
    domain = settings.sender.rpartition("@")[2].strip("> ") or "localhost"
    # The same on every attempt: a retry after an unrecorded acceptance is recognisably the same mail.
    message["Message-ID"] = f"<mail-{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    message["Content-Language"] = mail.language
    message["X-Dialog-Mail-Id"] = str(mail.id)
    if mail.list_kind and mail.member_id is not None and settings.secret:
        message["List-Unsubscribe"] = f"<{base}{unsubscribe_path(settings.secret, mail.member_id, mail.list_kind)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(_html(text, base), subtype="html")
    return message


def due_mails(db: Database, now: datetime) -> list[int]:
    """Ids of pending mails that are due and not claimed, oldest first."""
    with db.read() as session:
        free = or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now)
        query = select(OutgoingMail.id).where(OutgoingMail.status == PENDING, OutgoingMail.next_attempt_at <= now, free)
        return list(session.scalars(query.order_by(OutgoingMail.id).limit(100)))


def backlog(session: Session) -> int:
    """How many mails wait to be sent (due or retrying later)."""
    return session.scalar(select(func.count(OutgoingMail.id)).where(OutgoingMail.status == PENDING)) or 0


def send_due(db: Database, now: datetime, settings: MailSettings, transport: Transport) -> SendReport:
    """Attempt every due mail once (over one SMTP connection where the transport keeps one)."""
    report = SendReport()
    try:
        for mail_id in due_mails(db, now):
            outcome = send_one(db, mail_id, now, settings, transport)
            if outcome is not None:
                report.outcomes.append((mail_id, outcome))
    finally:
        close = getattr(transport, "close", None)  # an SMTP transport keeps its connection for the batch
        if close is not None:
            close()
    return report


def smtp_code(exc: Exception) -> int | None:
    """The SMTP reply code a failure carries (the worst one of refused recipients), if any."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return max((code for code, _message in exc.recipients.values()), default=None)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def send_one(db: Database, mail_id: int, now: datetime, settings: MailSettings, transport: Transport) -> str | None:
    """Claim, send and record one mail; None if another worker has it."""
    with db.write() as session:
        mail = claim_leased(session, OutgoingMail, mail_id, pending=PENDING, now=now, lease=settings.lease)
        if mail is None:
            return None
        try:
            message, attempts = build_message(mail, settings, now), mail.attempts
        except (KeyError, ValueError, IndexError) as exc:  # it can never be rendered: failed, not retried forever
            broken = f"cannot render: {type(exc).__name__}: {exc}"[:500]
            mail.status, mail.params, mail.claimed_until, mail.last_error = FAILED, {}, None, broken
            session.add(MailAttempt(mail_id=mail_id, attempted_at=now, outcome=FAILED, error=broken, duration_ms=0))
            return FAILED
    error: str | None = None
    code: int | None = None
    started = time.monotonic()
    try:
        transport(message)
    except Exception as exc:  # an unreachable or refusing server is one failed attempt
        error, code = f"{type(exc).__name__}: {exc}"[:500], smtp_code(exc)
    duration_ms = int((time.monotonic() - started) * 1000)
    with db.write() as session:
        mail = session.get(OutgoingMail, mail_id)
        assert mail is not None
        mail.claimed_until, mail.last_error = None, error
        if error is None:
            mail.status, mail.sent_at, mail.params = SENT, now, {}
        elif (code is not None and code >= 500) or attempts >= settings.max_attempts:
            mail.status, mail.params = FAILED, {}  # refused for good (5xx), or tried often enough
        else:
            mail.next_attempt_at = now + settings.delay_after(attempts)
        outcome = "retry" if mail.status == PENDING else mail.status
        session.add(
            MailAttempt(
                mail_id=mail_id, attempted_at=now, outcome=outcome, smtp_code=code, error=error, duration_ms=duration_ms
            )
        )
        return outcome
