"""Mail: an outbox of messages queued in the sending transaction, and the worker that sends them."""

from services.mail.models import CANCELLED, FAILED, PENDING, SENT, OutgoingMail
from services.mail.outbox import cancel_mails, queue_mail
from services.mail.sender import MailSettings, SendReport, build_message, send_due
from services.mail.transport import Transport, transport_from_url

__all__ = [
    "CANCELLED",
    "FAILED",
    "PENDING",
    "SENT",
    "MailSettings",
    "OutgoingMail",
    "SendReport",
    "Transport",
    "build_message",
    "cancel_mails",
    "queue_mail",
    "send_due",
    "transport_from_url",
]
