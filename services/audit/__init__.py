"""Audit: every admin and moderator action, recorded from its event in the same transaction.

Kept in its own table, apart from the event log, so that event retention never prunes it.
"""

from services.audit import recorder  # noqa: F401  (registers the handlers that record entries)
from services.audit.models import AuditEntry
from services.audit.queries import AuditView, entries_about, list_entries
from services.audit.rules import ACTIONS, AUDITED, TARGET_KINDS, Audited

__all__ = [
    "ACTIONS",
    "AUDITED",
    "TARGET_KINDS",
    "AuditEntry",
    "AuditView",
    "Audited",
    "entries_about",
    "list_entries",
]
