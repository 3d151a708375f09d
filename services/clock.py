"""Times in the services: naive UTC in the database, Europe/Berlin for people, the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from events import system

PROGRAMME_ZONE_NAME = "Europe/Berlin"
PROGRAMME_ZONE = ZoneInfo(PROGRAMME_ZONE_NAME)
# The actor of what happens on time rather than on request (calls opening, news going out).
SCHEDULER = system("Scheduler")


def to_utc(moment: datetime) -> datetime:
    """An aware time as the naive UTC the database stores; a naive time is taken as UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time in Europe/Berlin, ISO 8601 with its offset: `2021-03-14T23:59:00+01:00`."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(PROGRAMME_ZONE).isoformat(timespec="seconds")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in Europe/Berlin as naive UTC (for demo data and tests)."""
    return to_utc(datetime(year, month, day, hour, minute, tzinfo=PROGRAMME_ZONE))
