"""Atom feeds (news, calls, one project's news) and an iCalendar of call openings and deadlines.

Built with feedgen and icalendar from the services' public reads; ids are stable URNs and UIDs,
so feed readers and calendars update entries instead of duplicating them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from services.calls import FundingCall
from services.news import NewsItem

BRAND = "Smart City Dialog"
FEED_TITLES = {
    "news": {"de": "Nachrichten der Dialogplattform Smart Cities", "en": "Smart City Dialog news"},
    "calls": {"de": "Förderaufrufe Modellprojekte Smart Cities", "en": "Funding calls Model Projects Smart Cities"},
}
STATUS_WORDS = {
    "de": {"announced": "angekündigt", "open": "geöffnet", "closed": "geschlossen"},
    "en": {"announced": "announced", "open": "open", "closed": "closed"},
}


# Characters XML 1.0 cannot hold (control characters other than tab and newlines, surrogates,
# U+FFFE/U+FFFF): stored text may contain them (the API stores what it was given), lxml refuses them.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML document cannot contain."""
    return _NOT_XML.sub("", text)


def pick(text: dict[str, str], language: str) -> str:
    """The text in `language`, else in the other language (items may exist in one only), fit for XML."""
    return xml_text(text.get(language) or next(iter(text.values()), ""))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _feed(feed_id: str, title: str, self_url: str, language: str, updated: datetime | None) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(xml_text(title))
    feed.author({"name": BRAND})
    feed.link(href=self_url, rel="self")
    feed.language(language)
    feed.updated(_utc(updated) if updated else datetime(2019, 1, 1, tzinfo=UTC))
    return feed


def news_atom(items: Sequence[NewsItem], *, title: str, self_url: str, api_url: str, language: str) -> bytes:
    """Atom for published news items, newest first."""
    newest = max((i.updated_at or i.published_at for i in items if i.published_at), default=None)
    feed = _feed(self_url, title, self_url, language, newest)
    for item in reversed(items):  # feedgen prepends entries
        assert item.published_at is not None
        entry = feed.add_entry()
        entry.id(f"urn:smart-city-dialog:news:{item.id}")
        entry.title(pick(item.title, language))
        entry.link(href=f"{api_url}/news/{item.id}")
        entry.published(_utc(item.published_at))
        entry.updated(_utc(item.updated_at or item.published_at))
        entry.content(pick(item.body, language), type="html")  # sanitised when it was written
        for tag in item.tags:
            entry.category(term=tag)
    return bytes(feed.atom_str(pretty=True))


def calls_atom(calls: Sequence[FundingCall], *, self_url: str, api_url: str, language: str) -> bytes:
    """Atom for announced, open and closed calls (one entry per call, updated with it)."""
    feed = _feed(
        self_url, FEED_TITLES["calls"][language], self_url, language, max((c.updated_at for c in calls), default=None)
    )
    for call in reversed(calls):
        entry = feed.add_entry()
        entry.id(f"urn:smart-city-dialog:call:{call.id}")
        entry.title(f"{pick(call.title, language)} ({STATUS_WORDS[language].get(call.status, call.status)})")
        entry.link(href=f"{api_url}/calls/{call.id}")
        entry.updated(_utc(call.updated_at))
        if call.announced_at:
            entry.published(_utc(call.announced_at))
        lines = [pick(call.summary, language)] if call.summary else []
        if call.deadline:
            label = "Bewerbungsschluss" if language == "de" else "Deadline"
            lines.append(f"{label}: {_utc(call.deadline).isoformat()}")
        entry.summary("\n".join(lines))
    return bytes(feed.atom_str(pretty=True))


def calls_calendar(calls: Sequence[FundingCall], *, api_url: str, language: str, sequence: dict[int, int]) -> bytes:
    """iCalendar: each call's opening and deadline as events (SEQUENCE grows with deadline changes)."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{BRAND}//calls//{language.upper()}")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", FEED_TITLES["calls"][language])
    opening_word, deadline_word = ("Öffnung", "Bewerbungsschluss") if language == "de" else ("Opens", "Deadline")
    stamp = datetime.now(UTC)
    for call in calls:
        title = pick(call.title, language)
        for kind, word, moment in (
            ("opening", opening_word, call.opens_at),
            ("deadline", deadline_word, call.deadline),
        ):
            if moment is None:
                continue
            event = CalendarEvent()
            event.add("uid", f"call-{call.id}-{kind}@smart-city-dialog")
            event.add("dtstamp", stamp)
            event.add("dtstart", _utc(moment))
            event.add("dtend", _utc(moment))
            event.add("summary", f"{word}: {title}")
            event.add("url", f"{api_url}/calls/{call.id}")
            event.add("sequence", sequence.get(call.id, 0))
            if call.summary:
                event.add("description", pick(call.summary, language))
            calendar.add_component(event)
    return bytes(calendar.to_ical())
