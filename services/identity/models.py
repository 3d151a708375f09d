"""Identity tables: members and their bearer tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.db import Base


class Member(Base):
    """A person with an account: a role, a country and a preferred language."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(2), default="de")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # How others find and @mention the member: `anna.schmidt`, unique, changeable.
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    municipality: Mapped[str | None] = mapped_column(String(200), doc="municipality or model project")
    bio: Mapped[str | None] = mapped_column(String(500))
    # kind -> settings object, e.g. {"mention": {"mail": false}}; what each means is the notifier's.
    notification_preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The digest mail's rhythm: off, daily or weekly.
    digest: Mapped[str] = mapped_column(String(6), default="off", server_default="off")
    # Set when the member's data was erased: the row stays as a "Former member" tombstone so that
    # kept posts, news and ids elsewhere still point somewhere (services/identity/erasure.py).
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)


class AccessToken(Base):
    """An opaque bearer token; only its SHA-256 is stored, so a database leak reveals no token."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    member: Mapped[Member] = relationship(lazy="joined")


class PasswordReset(Base):
    """A one-time, expiring password reset; only the SHA-256 of its token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
