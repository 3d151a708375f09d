"""Identity commands: create members, issue, check and revoke bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from events import Caller, publish, utcnow
from services.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from services.identity.access import require_admin, require_login
from services.identity.events import (
    MemberDeactivated,
    MemberReactivated,
    MemberRoleChanged,
    TokenRevoked,
    user_topic,
)
from services.identity.handles import check_handle, free_handle
from services.identity.models import AccessToken, Member
from services.identity.passwords import NewPassword, new_password, verify_password
from services.identity.roles import ADMIN, ROLES
from services.mail import cancel_mails_to

LANGUAGES = ("de", "en")
TOKEN_PREFIX = "scd_"


def hash_token(token: str) -> str:
    """SHA-256 hex of an opaque random token (bearer tokens, invitation tokens) for storage."""
    # Tokens carry 256 random bits, so a fast hash is enough (no need for argon2 here).
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def check_password(password: str | NewPassword, *, email: str, handle: str, field: str = "password") -> NewPassword:
    """The chosen password, checked and hashed: long enough, and not the member's email or handle (422
    naming `field`, the request's name for it)."""
    chosen = new_password(password, field=field)
    if chosen.is_one_of(email, handle, "@" + handle):
        raise InvalidInput(field, "must not be your email address or handle")
    return chosen


def check_language(language: str) -> str:
    """`language` if it is one the platform speaks (422 otherwise)."""
    if language not in LANGUAGES:
        raise InvalidInput("language", f"must be one of {', '.join(LANGUAGES)}")
    return language


def email_taken(session: Session, email: str) -> bool:
    """True if a member has this email (compared normalised)."""
    return session.scalar(select(Member.id).where(func.lower(Member.email) == normalise_email(email))) is not None


def create_member(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | NewPassword,
    role: str = "member",
    country: str | None = None,
    language: str = "de",
    handle: str | None = None,
    organisation: str | None = None,
) -> Member:
    """Create a member with an argon2-hashed password; email and handle must be unused.

    Without a chosen handle, one is derived from the name (`Anna Schmidt` -> `anna.schmidt`).
    Pass a `NewPassword` (from `new_password`) when `session` may already hold a write lock.
    """
    if role not in ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
    check_language(language)
    email = normalise_email(email)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "must not be blank")
    handle = check_handle(session, handle) if handle else free_handle(session, name)
    chosen = check_password(password, email=email, handle=handle)
    if email_taken(session, email):
        raise Conflict(f"a member with the email {email} exists", details={"email": ["already registered"]})
    member = Member(
        email=email,
        name=name,
        handle=handle,
        organisation=organisation,
        password_hash=chosen.hash,
        role=role,
        country=country.upper() if country else None,
        language=language,
        notification_preferences={},
        active=True,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError as exc:  # a concurrent registration took the email or handle after our checks
        raise Conflict("that email or handle was just taken", details={"email": ["or handle: already taken"]}) from exc
    return member


def check_credentials(session: Session, *, email: str, password: str) -> Member:
    """The active member with this email and password; raises AuthenticationFailed.

    Costs one argon2 verification whether or not the email exists. Use a read session: a write
    transaction would hold its lock for the whole verification.
    """
    member = session.scalar(select(Member).where(Member.email == normalise_email(email)))
    if not verify_password(member.password_hash if member else None, password) or member is None:
        raise AuthenticationFailed("email or password is wrong", code="invalid_credentials")
    if not member.active:
        raise AuthenticationFailed("this account is deactivated", code="account_deactivated")
    return member


def grant_token(
    session: Session, *, member_id: int, ttl: timedelta, label: str | None = None
) -> tuple[str, AccessToken]:
    """A new opaque token (shown once) with its record for a member whose credentials were checked."""
    member = session.get(Member, member_id)
    if member is None or not member.active:  # deactivated between the check and now
        raise AuthenticationFailed("this account is deactivated", code="account_deactivated")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    record = AccessToken(
        member_id=member.id, token_hash=hash_token(token), label=label, created_at=now, expires_at=now + ttl
    )
    session.add(record)
    session.flush()
    return token, record


def issue_token(
    session: Session, *, email: str, password: str, ttl: timedelta, label: str | None = None
) -> tuple[str, AccessToken]:
    """Check the credentials and grant a token in one session (where no other request waits on it)."""
    member = check_credentials(session, email=email, password=password)
    return grant_token(session, member_id=member.id, ttl=ttl, label=label)


def authenticate(session: Session, token: str) -> Caller:
    """The caller a bearer token belongs to; says why when the token is not good."""
    record = session.scalar(select(AccessToken).where(AccessToken.token_hash == hash_token(token)))
    if record is None:
        raise AuthenticationFailed("the token is not known", code="invalid_token")
    return _caller_of(record)


def caller_for_token_id(session: Session, token_id: int) -> Caller:
    """The caller behind an already accepted token, as they stand now (for long-lived connections)."""
    record = session.get(AccessToken, token_id)
    if record is None:
        raise AuthenticationFailed("the token is not known", code="invalid_token")
    session.refresh(record)  # a connection asks again after a change: never an older copy
    session.refresh(record.member)
    return _caller_of(record)


def caller_of(member: Member) -> Caller:
    """`member` as a caller without a token (seeding, the CLI, tests)."""
    return Caller(member.id, member.name, member.role)


def _caller_of(record: AccessToken) -> Caller:
    if record.revoked_at is not None:
        raise AuthenticationFailed("the token was revoked", code="token_revoked")
    if record.expires_at <= utcnow():
        raise AuthenticationFailed("the token has expired", code="token_expired")
    member = record.member
    if not member.active:
        raise AuthenticationFailed("this account is deactivated", code="account_deactivated")
    return Caller(member.id, member.name, member.role, record.id, member.language)


def revoke_other_tokens(session: Session, member_id: int, keep: int | None, actor: Caller) -> list[int]:
    """Revoke every working token of a member except `keep`; a `token.revoked` event each ends its connections."""
    now = utcnow()
    records = session.scalars(
        select(AccessToken).where(
            AccessToken.member_id == member_id, AccessToken.revoked_at.is_(None), AccessToken.expires_at > now
        )
    ).all()
    revoked = []
    for record in records:
        if record.id == keep:
            continue
        record.revoked_at = now
        revoked.append(record.id)
        publish(
            session, TokenRevoked(member_id=member_id, token_id=record.id), topic=user_topic(member_id), actor=actor
        )
    return revoked


def revoke_token(session: Session, caller: Caller, token_id: int) -> AccessToken:
    """Revoke one of the caller's own tokens (revoking twice is harmless); its connections end."""
    member_id = require_login(caller)
    record = session.get(AccessToken, token_id)
    if record is None or record.member_id != member_id:
        raise NotFound(f"no token {token_id} of yours")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        publish(
            session,
            TokenRevoked(member_id=member_id, token_id=record.id),
            topic=user_topic(member_id),
            actor=caller,
        )
    return record


def get_member(session: Session, member_id: int) -> Member:
    """The member with id `member_id`."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


def refuse_losing_last_admin(session: Session, member: Member) -> None:
    """409 if `member` is the last active admin (about to be demoted or deactivated)."""
    if member.role != ADMIN or not member.active:
        return
    others = session.scalar(
        select(func.count()).where(Member.role == ADMIN, Member.active.is_(True), Member.id != member.id)
    )
    if not others:
        raise Conflict("this is the last active admin: make someone else admin first", code="last_admin")


def update_account(
    session: Session, caller: Caller, member_id: int, *, role: str | None = None, active: bool | None = None
) -> Member:
    """An admin changes a member's role or deactivates / reactivates the account.

    Each change is an access-change event: open connections of the member follow it at once.
    """
    admin_id = require_admin(caller)
    member = get_member(session, member_id)
    if member.erased_at is not None and (role not in (None, member.role) or active):
        raise Conflict(f"member {member.id} was erased: the account cannot be changed", code="member_erased")
    if member.id == admin_id and (role not in (None, member.role) or active is False):
        raise Conflict("admins cannot demote or deactivate themselves; ask another admin")
    if role not in (None, ADMIN) or active is False:
        refuse_losing_last_admin(session, member)
    if role is not None and role != member.role:
        if role not in ROLES:
            raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
        previous, member.role = member.role, role
        publish(
            session,
            MemberRoleChanged(member_id=member.id, role=role, previous_role=previous),
            topic=user_topic(member.id),
            actor=caller,
        )
    if active is not None and active != member.active:
        member.active = active
        if not active:  # queued before: an account that cannot sign in gets nothing more by mail
            cancel_mails_to(session, member_id=member.id, reason="the account was deactivated before it was sent")
        publish(
            session,
            MemberReactivated(member_id=member.id) if active else MemberDeactivated(member_id=member.id),
            topic=user_topic(member.id),
            actor=caller,
        )
    session.flush()
    return member


def list_tokens(session: Session, caller: Caller) -> list[AccessToken]:
    """The caller's tokens that are neither revoked nor expired."""
    member_id = require_login(caller)
    return list(
        session.scalars(
            select(AccessToken)
            .where(
                AccessToken.member_id == member_id,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > utcnow(),
            )
            .order_by(AccessToken.id)
        )
    )
