"""Self-service: a member's profile, password change, and password reset by a mailed one-time token."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from events import Caller, publish, utcnow
from services.errors import AuthenticationFailed, Conflict, Gone, InvalidInput, NotFound
from services.identity.access import require_login
from services.identity.commands import (
    check_language,
    check_password,
    get_member,
    hash_token,
    normalise_email,
    revoke_other_tokens,
)
from services.identity.events import PasswordChanged, publish_member_updated, user_topic
from services.identity.handles import check_handle
from services.identity.mail_settings import check_digest, check_preferences
from services.identity.models import Member, PasswordReset
from services.identity.passwords import NewPassword, verify_password
from services.mail import queue_mail

RESET_PREFIX = "pwr_"
DEFAULT_RESET_TTL = timedelta(hours=2)
# One reset mail per member per this interval: asking again sooner sends nothing (same answer).
RESET_MAIL_INTERVAL = timedelta(minutes=1)
PROFILE_TEXT = {"name": 200, "organisation": 200, "municipality": 200, "bio": 500}


def update_profile(session: Session, caller: Caller, changes: dict[str, Any]) -> Member:
    """The caller changes their own profile; a `member.updated` event names what changed."""
    member = get_member(session, require_login(caller))
    changed: list[str] = []
    for field, value in changes.items():
        if field in PROFILE_TEXT:
            value = " ".join(value.split()) if isinstance(value, str) else None
            if field == "name" and not value:
                raise InvalidInput("name", "must not be blank")
            if value and len(value) > PROFILE_TEXT[field]:
                raise InvalidInput(field, f"at most {PROFILE_TEXT[field]} characters")
            value = value or None
        elif field == "language":
            value = check_language(value)
        elif field == "handle":
            value = check_handle(session, value, member.id)
        elif field == "notification_preferences":
            value = {**member.notification_preferences, **check_preferences(value)}
        elif field == "digest":
            value = check_digest(value)
        else:
            raise InvalidInput(field, "cannot be changed here")
        if getattr(member, field) != value:
            setattr(member, field, value)
            changed.append(field)
    if changed:
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:  # a concurrent change took the handle after our check
            raise Conflict("that handle was just taken", details={"handle": ["already taken"]}) from exc
        publish_member_updated(session, member, changed, caller)
    return member


def _set_password(
    session: Session, member: Member, password: str | NewPassword, keep: int | None, actor: Caller, reset: bool
) -> None:
    # Both ways of setting it (change, reset) take the password as `new_password`.
    member.password_hash = check_password(password, email=member.email, handle=member.handle, field="new_password").hash
    revoked = revoke_other_tokens(session, member.id, keep, actor)
    publish(
        session,
        PasswordChanged(member_id=member.id, via_reset=reset, revoked_tokens=tuple(revoked)),
        topic=user_topic(member.id),
        actor=actor,
    )
    queue_mail(
        session,
        to=member.email,
        kind="password_changed",
        language=member.language,
        params={"name": member.name, "path": "/password-reset"},
    )


def change_password(
    session: Session, caller: Caller, *, current_password: str, new_password: str | NewPassword
) -> Member:
    """The caller sets a new password (the current one required); every other session ends."""
    member = get_member(session, require_login(caller))
    if not verify_password(member.password_hash, current_password):
        raise AuthenticationFailed(
            "the current password is wrong", code="invalid_credentials", details={"current_password": ["is wrong"]}
        )
    _set_password(session, member, new_password, caller.token_id, caller, reset=False)
    return member


def request_password_reset(session: Session, email: str, *, ttl: timedelta = DEFAULT_RESET_TTL) -> None:
    """Mail a one-time reset link if an active member has `email`; says nothing either way.

    At most one mail per member and minute, however often it is asked for.
    """
    member = session.scalar(select(Member).where(Member.email == normalise_email(email)))
    if member is None or not member.active:
        return
    now = utcnow()
    recent = session.scalar(
        select(PasswordReset.id).where(
            PasswordReset.member_id == member.id, PasswordReset.created_at > now - RESET_MAIL_INTERVAL
        )
    )
    if recent is not None:  # no mailbox flooding by repeating the request
        return
    token = RESET_PREFIX + secrets.token_urlsafe(32)
    session.add(PasswordReset(member_id=member.id, token_hash=hash_token(token), created_at=now, expires_at=now + ttl))
    queue_mail(
        session,
        to=member.email,
        kind="password_reset",
        language=member.language,
        params={
            "name": member.name,
            "path": f"/password-reset?token={token}",
            "expires": (now + ttl).strftime("%Y-%m-%d %H:%M"),
        },
    )


def reset_password(session: Session, *, token: str, new_password: str | NewPassword) -> Member:
    """Set a new password with a mailed reset token (once, before it expires); every session ends."""
    record = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token.strip())))
    if record is None:
        raise NotFound("this reset token is not known", code="reset_unknown")
    if record.used_at is not None:
        raise Conflict("this reset token was already used", code="reset_used")
    if record.expires_at <= utcnow():
        raise Gone("this reset token has expired: ask for a new one", code="reset_expired")
    member = get_member(session, record.member_id)
    if not member.active:
        raise AuthenticationFailed("this account is deactivated", code="account_deactivated")
    record.used_at = utcnow()
    _set_password(session, member, new_password, None, Caller(member.id, member.name, member.role), reset=True)
    return member
