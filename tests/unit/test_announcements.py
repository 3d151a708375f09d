"""Announcements through the public package API with the real database and bus: broadcasts by
admins only, their audience and event, and the proof of reach (pushes, inboxes, read marks)."""

from __future__ import annotations

import pytest

from events import ANONYMOUS, Database, Event
from services.announcements import announcement_reach, broadcast_announcement, mark_read, record_deliveries
from services.errors import AuthenticationFailed, NotFound, PermissionDenied
from tests.support.world import World


def _broadcast(database: Database, world: World) -> int:
    with database.write() as session:
        item = broadcast_announcement(
            session,
            caller=world.caller("admin"),
            title={"de": "  Hinweis  "},
            body={"de": "<p>Text</p><script>x</script>"},
        )
        return item.id


def test_a_broadcast_is_published_on_announcements_with_clean_text(
    database: Database, world: World, published: list[Event]
) -> None:
    announcement_id = _broadcast(database, world)
    [event] = [e for e in published if e.type == "announcement.broadcast"]
    assert event.topic == "announcements"
    assert event.data["announcement_id"] == announcement_id
    assert event.data["title"] == {"de": "Hinweis"}
    assert "script" not in event.data["body"]["de"]


@pytest.mark.parametrize("who", ["editor", "moderator", "member", "partner"])
def test_only_admins_broadcast(database: Database, world: World, who: str, published: list[Event]) -> None:
    with database.write() as session, pytest.raises(PermissionDenied):
        broadcast_announcement(session, caller=world.caller(who), title={"de": "x"}, body={"de": "x"})
    assert published == []


def test_reach_counts_inboxes_pushes_and_read_marks(database: Database, world: World) -> None:
    announcement_id = _broadcast(database, world)
    with database.write() as session:
        assert mark_read(session, world.caller("member"), announcement_id) is True
        assert mark_read(session, world.caller("member"), announcement_id) is False
        assert mark_read(session, world.caller("other"), announcement_id) is True
    with database.read() as session:
        reach = announcement_reach(session, world.caller("admin"), announcement_id)
    assert reach["reads"] == 2
    assert reach["inboxes"] == len(world.members) - 1  # every member but the author, who is the actor
    assert reach["event_id"] is not None
    with database.write() as session:
        assert record_deliveries(session, {reach["event_id"]: (3, 1)}) == 1
    with database.read() as session:
        reach = announcement_reach(session, world.caller("admin"), announcement_id)
    assert (reach["live_sessions"], reach["stream_clients"], reach["processes"]) == (3, 1, 1)


def test_reach_is_for_admins_and_bad_ids_are_refused(database: Database, world: World) -> None:
    announcement_id = _broadcast(database, world)
    with database.write() as session:
        with pytest.raises(PermissionDenied):
            announcement_reach(session, world.caller("editor"), announcement_id)
        with pytest.raises(NotFound):
            announcement_reach(session, world.caller("admin"), announcement_id + 999)
        with pytest.raises(NotFound):
            mark_read(session, world.caller("member"), announcement_id + 999)
        with pytest.raises(AuthenticationFailed):
            mark_read(session, ANONYMOUS, announcement_id)
