"""Data rights of identity: a member's own data exported (DSGVO Art. 15, 20), and erasure (Art. 17).

Erasure keeps the member row as a tombstone ("Former member", no email, handle, profile or
password) so that ids elsewhere (kept posts, news, audit entries) still resolve. It revokes every
token, forgets the member's mails and their name as an actor in the event log, and publishes
`member.erased`; the other services remove what they hold in reaction, in the same transaction.
Those handlers may need to know what the member was called (to find a mention of the handle):
`erased_profile` tells them, from memory only, within the erasing transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from events import Caller, forget_actor, isoformat_z, publish, redact, utcnow
from services.errors import AuthenticationFailed, Conflict, InvalidInput
from services.identity.access import require_admin, require_login, require_self_or_admin
from services.identity.commands import get_member, refuse_losing_last_admin, revoke_other_tokens
from services.identity.events import MemberErased, user_topic
from services.identity.mail_settings import mail_preferences
from services.identity.models import AccessToken, Member, PasswordReset
from services.identity.passwords import verify_password
from services.mail import forget_recipient

FORMER_MEMBER = "Former member"
# What an `@handle` of an erased member reads as in other members' posts and notifications.
FORMER_HANDLE = "former-member"
PostsChoice = Literal["erase", "keep"]
POSTS_CHOICES: tuple[PostsChoice, ...] = ("erase", "keep")
# A stored hash no password matches (argon2 rejects it as malformed: verification says no).
UNUSABLE_PASSWORD = "!erased"
_ERASED = "identity.erased"  # session.info key: member id -> ErasedProfile, for this transaction only


@dataclass(frozen=True)
class ErasedProfile:
    """What an erased member was called, kept in memory for the erasing transaction's handlers."""

    name: str
    email: str
    handle: str


def erased_profile(session: Session, member_id: int) -> ErasedProfile | None:
    """The former name, email and handle of a member erased in `session`'s transaction (else None)."""
    return session.info.get(_ERASED, {}).get(member_id)


def _check_choice(posts: str) -> PostsChoice:
    for choice in POSTS_CHOICES:
        if posts == choice:
            return choice
    raise InvalidInput("posts", "must be erase or keep")


def erase_own_account(session: Session, caller: Caller, *, password: str, posts: str) -> Member:
    """The caller erases their own account (password required); `posts` erases their posts or keeps them."""
    member = get_member(session, require_login(caller))
    choice = _check_choice(posts)
    if not verify_password(member.password_hash, password):
        raise AuthenticationFailed(
            "the password is wrong", code="invalid_credentials", details={"password": ["is wrong"]}
        )
    return _erase(session, member, choice, caller, reason=None)


def erase_account(session: Session, caller: Caller, member_id: int, *, posts: str, reason: str) -> Member:
    """An admin erases a member's account on their request (a reason required); never their own here."""
    admin_id = require_admin(caller)
    choice = _check_choice(posts)
    if not reason.strip():
        raise InvalidInput("reason", "must not be blank")
    member = get_member(session, member_id)
    if member.id == admin_id:
        raise Conflict("erase your own account with DELETE /me", code="own_account")
    return _erase(session, member, choice, caller, reason=reason.strip())


def _erase(session: Session, member: Member, posts: PostsChoice, caller: Caller, *, reason: str | None) -> Member:
    if member.erased_at is not None:
        raise Conflict(f"member {member.id} was already erased", code="already_erased")
    refuse_losing_last_admin(session, member)
    session.info.setdefault(_ERASED, {})[member.id] = ErasedProfile(member.name, member.email, member.handle)
    # A member erasing themselves acts under the tombstone's name: their name never reaches the log.
    actor = Caller(caller.id, FORMER_MEMBER, caller.role, caller.token_id) if caller.id == member.id else caller
    revoke_other_tokens(session, member.id, None, actor)
    session.execute(update(AccessToken).where(AccessToken.member_id == member.id).values(label=None))
    session.execute(delete(PasswordReset).where(PasswordReset.member_id == member.id))
    forget_recipient(session, email=member.email, member_id=member.id)
    now = utcnow()
    member.name = FORMER_MEMBER
    member.email = f"erased-{member.id}@erased.invalid"
    member.handle = f"erased-{member.id}"
    member.password_hash = UNUSABLE_PASSWORD
    member.country = member.organisation = member.municipality = member.bio = None
    member.notification_preferences, member.digest = {}, "off"
    member.active = False
    member.erased_at = now
    session.flush()
    forget_actor(session, member.id, FORMER_MEMBER)
    redact(session, ("member.updated",), "member_id", member.id, topic=user_topic(member.id))
    publish(
        session,
        MemberErased(member_id=member.id, posts=posts, by_admin=caller.id != member.id, reason=reason, erased_at=now),
        topic=user_topic(member.id),
        extra_topics=("moderation",),
        actor=actor,
    )
    return member


def export_profile(session: Session, caller: Caller, member_id: int) -> dict[str, Any]:
    """Identity's part of a member's data export: the profile (no password hash), sessions and resets (no secrets)."""
    require_self_or_admin(caller, member_id)
    member = get_member(session, member_id)
    tokens = session.scalars(select(AccessToken).where(AccessToken.member_id == member_id).order_by(AccessToken.id))
    resets = session.scalars(
        select(PasswordReset).where(PasswordReset.member_id == member_id).order_by(PasswordReset.id)
    )
    return {
        "profile": {
            "id": member.id,
            "email": member.email,
            "name": member.name,
            "handle": member.handle,
            "role": member.role,
            "country": member.country,
            "language": member.language,
            "organisation": member.organisation,
            "municipality": member.municipality,
            "bio": member.bio,
            "active": member.active,
            "created_at": isoformat_z(member.created_at),
            "erased_at": isoformat_z(member.erased_at) if member.erased_at else None,
        },
        "mail_preferences": {"notifications": mail_preferences(member), "digest": member.digest},
        "sessions": [
            {
                "id": t.id,
                "label": t.label,
                "created_at": isoformat_z(t.created_at),
                "expires_at": isoformat_z(t.expires_at),
                "revoked_at": isoformat_z(t.revoked_at) if t.revoked_at else None,
            }
            for t in tokens
        ],
        "password_resets": [
            {
                "created_at": isoformat_z(r.created_at),
                "expires_at": isoformat_z(r.expires_at),
                "used_at": isoformat_z(r.used_at) if r.used_at else None,
            }
            for r in resets
        ],
    }
