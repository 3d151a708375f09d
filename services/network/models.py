"""International network tables: partner countries, organisations, contacts, invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base


class PartnerCountry(Base):
    """A partner country of the international smart-city network (ISO 3166 alpha-2 code)."""

    __tablename__ = "partner_country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PartnerOrganisation(Base):
    """A city, ministry or institution in a partner country."""

    __tablename__ = "partner_organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(ForeignKey("partner_country.code"), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PartnerContact(Base):
    """A member who joined as a partner contact, and the organisation they speak for."""

    __tablename__ = "partner_contact"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("partner_organisation.id"), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("partner_country.code"))
    joined_at: Mapped[datetime] = mapped_column(DateTime)


class Invitation(Base):
    """An admin's invitation into a role; only the SHA-256 of its token is stored. Used once, then done.

    Re-sending replaces the token (the old link stops working); revoking ends it.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20), default="partner")
    language: Mapped[str] = mapped_column(String(2), default="de", doc="of the mail")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("partner_country.code"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("partner_organisation.id"))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
