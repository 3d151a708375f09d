"""Atom and iCalendar feeds from a live server with the demo data (and what an editor adds)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests
from icalendar import Calendar

from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(xml: bytes) -> list[ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_news_feed_lists_published_news_in_the_asked_language_with_conditional_get(server: LiveServer) -> None:
    posted = server.post_news(server.token(EDITOR), "Feed-Neuigkeit", tags=["feed"]).json()
    response = requests.get(server.url + "/api/v1/feeds/news.atom", params={"lang": "en"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/atom+xml")
    items = entries(response.content)
    assert items[0].findtext(f"{ATOM}id") == f"urn:smart-city-dialog:news:{posted['id']}"
    assert items[0].findtext(f"{ATOM}title") == "Feed-Neuigkeit", "falls back to the language the item has"
    english = [e.findtext(f"{ATOM}title") for e in items]
    assert "32 Model Projects Smart Cities selected" in english
    conditional = {"If-None-Match": response.headers["ETag"]}
    again = requests.get(server.url + "/api/v1/feeds/news.atom", params={"lang": "en"}, headers=conditional, timeout=10)
    assert again.status_code == 304


def test_calls_feed_and_calendar_carry_the_round_3_deadline(server: LiveServer) -> None:
    atom = requests.get(server.url + "/api/v1/feeds/calls.atom", timeout=10)
    titles = [e.findtext(f"{ATOM}title") for e in entries(atom.content)]
    assert any("3. Staffel" in (t or "") for t in titles)
    ics = requests.get(server.url + "/api/v1/feeds/calls.ics", params={"lang": "de"}, timeout=10)
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    deadline = next(
        e
        for uid, e in events.items()
        if uid.endswith("-deadline@smart-city-dialog") and "3. Staffel" in str(e["summary"])
    )
    # 14 March 2021, 23:59 in Berlin (CET, UTC+1) is 22:59 UTC.
    assert deadline.decoded("dtstart").isoformat() == "2021-03-14T22:59:00+00:00"
    assert str(deadline["summary"]).startswith("Bewerbungsschluss: ")
    assert any(uid.endswith("-opening@smart-city-dialog") for uid in events)


def test_project_feed_and_bad_feed_requests(server: LiveServer) -> None:
    projects = requests.get(server.url + "/api/v1/projects", params={"limit": 1}, timeout=10).json()["items"]
    project_id = projects[0]["id"]
    token = server.token(EDITOR)
    server.post_news(token, "Neues aus dem Modellprojekt", project_id=project_id)
    feed = requests.get(f"{server.url}/api/v1/feeds/projects/{project_id}.atom", timeout=10)
    assert [e.findtext(f"{ATOM}title") for e in entries(feed.content)] == ["Neues aus dem Modellprojekt"]
    missing = requests.get(server.url + "/api/v1/feeds/projects/99999.atom", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for params in ({"lang": "fr"}, {"limit": 0}, {"limit": "many"}):
        bad = requests.get(server.url + "/api/v1/feeds/news.atom", params=params, timeout=10)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
