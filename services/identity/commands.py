"""Identity commands: create members, issue, check and revoke bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from events import utcnow
from events.topics import ROLES
from services.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from services.identity.models import AccessToken, Member
from services.identity.passwords import hash_password, verify_password

LANGUAGES = ("de", "en")
TOKEN_PREFIX = "scd_"
MIN_PASSWORD_LENGTH = 10


def hash_token(token: str) -> str:
    """SHA-256 hex of an opaque random token (bearer tokens, invitation tokens) for storage."""
    # Tokens carry 256 random bits, so a fast hash is enough (no need for argon2 here).
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def create_member(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "member",
    country: str | None = None,
    language: str = "de",
) -> Member:
    """Create a member with an argon2-hashed password; the email must be unused."""
    if role not in ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
    if language not in LANGUAGES:
        raise InvalidInput("language", f"must be one of {', '.join(LANGUAGES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")
    email = normalise_email(email)
    if session.scalar(select(Member.id).where(func.lower(Member.email) == email)) is not None:
        raise Conflict(f"a member with the email {email} exists", details={"email": ["already registered"]})
    member = Member(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        country=country.upper() if country else None,
        language=language,
        active=True,
        created_at=utcnow(),
    )
    session.add(member)
    session.flush()
    return member


def issue_token(
    session: Session, *, email: str, password: str, ttl: timedelta, label: str | None = None
) -> tuple[str, AccessToken]:
    """Check the credentials and return a new opaque token (shown once) with its record."""
    member = session.scalar(select(Member).where(Member.email == normalise_email(email)))
    if not verify_password(member.password_hash if member else None, password) or member is None:
        raise AuthenticationFailed("email or password is wrong", code="invalid_credentials")
    if not member.active:
        raise AuthenticationFailed("this account is disabled", code="account_disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    record = AccessToken(
        member_id=member.id, token_hash=hash_token(token), label=label, created_at=now, expires_at=now + ttl
    )
    session.add(record)
    session.flush()
    return token, record


def authenticate(session: Session, token: str) -> tuple[Member, AccessToken]:
    """The member a bearer token belongs to; says why when the token is not good."""
    record = session.scalar(select(AccessToken).where(AccessToken.token_hash == hash_token(token)))
    if record is None:
        raise AuthenticationFailed("the token is not known", code="invalid_token")
    if record.revoked_at is not None:
        raise AuthenticationFailed("the token was revoked", code="token_revoked")
    if record.expires_at <= utcnow():
        raise AuthenticationFailed("the token has expired", code="token_expired")
    if not record.member.active:
        raise AuthenticationFailed("this account is disabled", code="account_disabled")
    return record.member, record


def revoke_token(session: Session, *, member_id: int, token_id: int) -> AccessToken:
    """Revoke one of the member's own tokens (revoking twice is harmless)."""
    record = session.get(AccessToken, token_id)
    if record is None or record.member_id != member_id:
        raise NotFound(f"no token {token_id} of yours")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def list_tokens(session: Session, member_id: int) -> list[AccessToken]:
    """The member's tokens that are neither revoked nor expired."""
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
