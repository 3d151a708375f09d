"""The demo data: the real rounds stay closed with their real dates, and one example call is open,
its deadline weeks after the moment the data was seeded (so the home page has an open call)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from dialog.demo import UPCOMING_WEEKS


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_seeded_demo_has_an_open_call_whose_deadline_is_ahead_of_the_seeding(client: FlaskClient) -> None:
    calls = {c["round"]: c for c in client.get("/api/v1/calls?limit=100").get_json()["items"]}
    now = datetime.now(UTC)
    opened = [c for c in calls.values() if c["status"] == "open"]
    assert [c["round"] for c in opened] == [4]
    (call,) = opened
    assert "Demo" in call["title"]["de"] and "demo" in call["title"]["en"]  # never mistaken for a real call
    deadline, opened_at = _time(call["deadline"]), _time(call["opened_at"])
    assert now - timedelta(minutes=10) < opened_at <= now  # opened when the data was seeded
    assert deadline - opened_at > timedelta(weeks=UPCOMING_WEEKS - 1)
    assert call["deadline_local"].endswith("T23:59:00+01:00") or call["deadline_local"].endswith("T23:59:00+02:00")
    # the programme's real rounds keep their real (past) dates
    assert {r: calls[r]["status"] for r in (1, 2, 3)} == {1: "closed", 2: "closed", 3: "closed"}
    assert calls[3]["deadline_local"] == "2021-03-14T23:59:00+01:00"


def test_the_open_call_is_in_the_calendar_feed(client: FlaskClient) -> None:
    feed = client.get("/api/v1/feeds/calls.ics?lang=en").get_data(as_text=True)
    assert "Example call (demo)" in feed
