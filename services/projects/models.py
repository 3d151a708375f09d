"""Model projects tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

# A single town, city or municipality; several of them working together; a district (Landkreis).
KINDS = ("municipality", "cooperation", "district")

FEDERAL_STATES = (
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
)


class Project(Base):
    """A funded model project: one municipality, a cooperation or a district, in one round."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("name", "round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, index=True)
    # A cooperation may span states (Hamburg with Leipzig and München), so this is a list.
    federal_states: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    website: Mapped[str | None] = mapped_column(String(500))
    # `|a|b|` indexes for portable filters (see services.tags); text search is services.search's.
    state_index: Mapped[str] = mapped_column(String(500), default="")
    topic_index: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
