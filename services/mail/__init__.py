"""Mail: an outbox of messages queued in the sending transaction, and the worker that sends them."""

from services.mail.models import FAILED, PENDING, SENT, OutgoingMail
from services.mail.outbox import queue_mail
from services.mail.sender import MailSettings, SendReport, build_message, send_due
from services.mail.transport import Transport, transport_from_url

__all__ = [
    "FAILED",
    "PENDING",
    "SENT",
    "MailSettings",
    "OutgoingMail",
    "SendReport",
    "Transport",
    "build_message",
    "queue_mail",
    "send_due",
    "transport_from_url",
]
