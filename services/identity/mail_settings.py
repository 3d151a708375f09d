"""Which mails a member gets: per kind on or off, the digest's rhythm, and one-click unsubscribe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from events import system
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.identity.events import publish_member_updated
from services.identity.models import Member
from services.mail import token_matches

# Notification kinds, each also a kind of mail the member can turn on or off.
NOTIFICATION_KINDS = (
    "mention",
    "reply",
    "new_thread",
    "thread_post",
    "space_post",
    "project_activity",
    "call_reminder",
    "announcement",
)
# What concerns the member personally is mailed unless they said no; the noisier kinds only on request.
MAILED_BY_DEFAULT = frozenset({"mention", "reply", "thread_post", "call_reminder", "announcement"})
DIGESTS = ("off", "daily", "weekly")
# What a List-Unsubscribe link can turn off: a notification kind, or the digest.
UNSUBSCRIBE_KINDS = (*NOTIFICATION_KINDS, "digest")
UNSUBSCRIBER = system("Unsubscribe link")


def wants_mail(member: Member, kind: str) -> bool:
    """True if `member` gets `kind` by mail (their choice, else the default); never without an address."""
    if not member.email or not member.active:
        return False
    return bool((member.notification_preferences or {}).get(kind, {}).get("mail", kind in MAILED_BY_DEFAULT))


def mail_preferences(member: Member) -> dict[str, dict[str, Any]]:
    """Every notification kind with its settings as they apply (defaults filled in)."""
    stored = member.notification_preferences or {}
    return {
        kind: {**stored.get(kind, {}), "mail": bool(stored.get(kind, {}).get("mail", kind in MAILED_BY_DEFAULT))}
        for kind in NOTIFICATION_KINDS
    }


def check_preferences(value: Any) -> dict[str, Any]:
    """`notification_preferences` as sent: known kinds, each an object of true/false settings."""
    if not isinstance(value, dict):
        raise InvalidInput("notification_preferences", "an object: notification kind -> settings object")
    for kind, settings in value.items():
        if kind not in NOTIFICATION_KINDS:
            raise InvalidInput("notification_preferences", f"unknown kind {kind!r}")
        if not isinstance(settings, dict) or not all(isinstance(v, bool) for v in settings.values()):
            raise InvalidInput("notification_preferences", f"{kind}: an object of true/false settings")
    return value


def check_digest(value: Any) -> str:
    """The digest rhythm: off, daily or weekly."""
    if value not in DIGESTS:
        raise InvalidInput("digest", f"one of {', '.join(DIGESTS)}")
    return str(value)


def check_unsubscribe_link(session: Session, *, secret: str, member_id: int, kinds: str, token: str) -> Member:
    """The member an unsubscribe link was made for, changing nothing (its confirmation page asks first).

    PermissionDenied for a token made for another member or other kinds, or tampered with;
    NotFound for a member or kind that does not exist.
    """
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    unknown = [k for k in kinds.split(",") if k not in UNSUBSCRIBE_KINDS]
    if unknown:
        raise NotFound(f"no kind of mail {unknown[0]!r}: one of {', '.join(UNSUBSCRIBE_KINDS)}")
    if not token_matches(secret, member_id, kinds, token):
        raise PermissionDenied("this unsubscribe link is not valid", code="invalid_unsubscribe_token")
    return member


def unsubscribe(session: Session, *, secret: str, member_id: int, kinds: str, token: str) -> Member:
    """Turn `kinds` (comma-separated) mails off for the member the signed `token` was made for.

    No login (RFC 8058 one-click). A token for another member or other kinds, or one tampered
    with, changes nothing: PermissionDenied (NotFound for a member or kind that does not exist).
    """
    member = check_unsubscribe_link(session, secret=secret, member_id=member_id, kinds=kinds, token=token)
    wanted = kinds.split(",")
    changed: list[str] = []
    if "digest" in wanted and member.digest != "off":
        member.digest = "off"
        changed.append("digest")
    preferences = dict(member.notification_preferences or {})
    for kind in wanted:
        if kind != "digest" and wants_mail(member, kind):
            preferences[kind] = {**preferences.get(kind, {}), "mail": False}
    if preferences != (member.notification_preferences or {}):
        member.notification_preferences = preferences
        changed.append("notification_preferences")
    if changed:
        session.flush()
        publish_member_updated(session, member, changed, UNSUBSCRIBER)
    return member
