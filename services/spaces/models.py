"""Spaces tables: spaces and who is a member of which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

PUBLIC, MEMBERS, INVITED = "public", "members", "invited"
VISIBILITIES = (PUBLIC, MEMBERS, INVITED)
PLATFORM, NETWORK, WORKING_GROUP = "platform", "network", "working_group"
KINDS = (PLATFORM, NETWORK, WORKING_GROUP)


class Space(Base):
    """A place to discuss: the national platform, the international network, a working group."""

    __tablename__ = "space"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SpaceMembership(Base):
    """A member's explicit membership of a space (what `invited` spaces admit, and partners need)."""

    __tablename__ = "space_membership"

    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
