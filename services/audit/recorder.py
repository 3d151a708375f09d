"""The bus handlers that write audit entries, in the transaction of the action they record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import Event, registry
from events.registry import REDACTED
from services.audit.models import AuditEntry
from services.audit.rules import AUDITED, Audited

MAX_REASON = 500


def _recorder(rule: Audited) -> None:
    def record(session: Session, event: Event) -> None:
        data = event.data
        if rule.when is not None and not rule.when(data):
            return
        reason = data.get("reason") if not data.get(REDACTED) else None
        session.add(
            AuditEntry(
                occurred_at=event.occurred_at,
                actor_id=event.actor.id if event.actor else None,
                action=rule.action_of(data),
                target_kind=rule.target_kind,
                target_id=data.get(rule.target_key),
                reason=reason[:MAX_REASON] if isinstance(reason, str) else None,
                details={key: data[key] for key in rule.details if key in data},
                event_id=event.id,
            )
        )

    record.__name__ = f"audit_{rule.event_type.replace('.', '_')}"
    registry.handler(rule.event_type)(record)


for _rule in AUDITED:
    _recorder(_rule)
