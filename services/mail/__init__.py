"""Mail: an outbox of messages queued in the sending transaction, and the worker that sends them."""

from services.mail.models import CANCELLED, FAILED, PENDING, SENT, MailAttempt, OutgoingMail
from services.mail.outbox import cancel_mails_to, forget_recipient, mails_to, queue_mail, replace_param, withdraw_items
from services.mail.queries import get_mail, list_mails, sent_count
from services.mail.sender import MailSettings, SendReport, backlog, build_message, send_due
from services.mail.transport import Transport, transport_from_url
from services.mail.unsubscribe import token_matches

__all__ = [
    "CANCELLED",
    "FAILED",
    "PENDING",
    "SENT",
    "MailSettings",
    "OutgoingMail",
    "SendReport",
    "Transport",
    "backlog",
    "build_message",
    "cancel_mails_to",
    "forget_recipient",
    "get_mail",
    "list_mails",
    "mails_to",
    "sent_count",
    "withdraw_items",
    "MailAttempt",
    "queue_mail",
    "replace_param",
    "send_due",
    "token_matches",
    "transport_from_url",
]
