"""Notifications service: follows and the inbox, fed by forum events through the real bus."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from events import Database, Event, read_page, utcnow
from services import notifications
from services.calls import announce_call, create_call
from services.errors import NotFound, PermissionDenied
from services.identity import update_account
from services.notifications import Notification
from services.spaces import update_space
from tests.support.forum import inbox, open_thread, post_reply
from tests.support.world import World


def test_notifications_mention_reply_follow_once_each_never_the_actor(
    database: Database, world: World, published: list[Event]
) -> None:
    with database.write() as session:
        notifications.follow(session, world.caller("admin"), "space", "offen")
        notifications.follow(session, world.caller("partner"), "space", "offen")
    thread = open_thread(database, world, who="member")  # member follows the thread by posting
    # Other is mentioned AND follows the space AND (later) the thread: still one notification.
    with database.write() as session:
        notifications.follow(session, world.caller("other"), "space", "offen")
        notifications.follow(session, world.caller("other"), "thread", str(thread.id))
    reply = post_reply(database, world, thread.id, "editor", mentions=[world.members["other"].id])
    kinds = {who: [n.kind for n in inbox(database, world, who)] for who in ("member", "other", "admin", "editor")}
    assert kinds["other"] == ["mention"]  # one event, one notification, of the most specific kind
    assert kinds["member"] == ["reply"]  # thread author, replied to
    assert kinds["admin"] == ["space_post", "new_thread"]
    assert kinds["editor"] == []  # never the actor
    assert [n.kind for n in inbox(database, world, "partner")] == ["space_post", "new_thread"]  # public: readable
    created = [e for e in published if e.type == "notification.created"]
    assert {e.topic for e in created} >= {f"user.{world.members['other'].id}"}
    assert all(e.data["event_id"] for e in created)
    with database.read() as session:
        note = inbox(database, world, "other")[0]
        assert note.subject == {"space": "offen", "thread_id": thread.id, "post_id": reply.id}
    # the database itself refuses a second notification of the same event for the same member
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(
            Notification(
                member_id=note.member_id, event_id=note.event_id, event_type="post.created", kind="reply",
                summary="dup", subject={}, created_at=utcnow(),
            )
        )  # fmt: skip
        session.flush()


def test_no_notification_for_members_who_cannot_read_the_space(database: Database, world: World) -> None:
    with database.write() as session:
        notifications.follow(session, world.caller("partner"), "space", "netz")
        notifications.follow(session, world.caller("admin"), "space", "netz")
    # the partner loses access: no more notifications although the follow remains
    with database.write() as session:
        from services.spaces import SpaceMembership

        membership = session.get(SpaceMembership, (world.spaces["network"].id, world.members["partner"].id))
        session.delete(membership)
    open_thread(database, world, space="network", who="member")
    assert inbox(database, world, "partner") == []
    assert [n.kind for n in inbox(database, world, "admin")] == ["new_thread"]


def test_follow_refuses_what_you_cannot_read_and_bad_kinds(database: Database, world: World) -> None:
    with pytest.raises(NotFound), database.write() as session:
        notifications.follow(session, world.caller("member"), "space", "ag-zu")
    with pytest.raises(PermissionDenied), database.write() as session:
        notifications.follow(session, world.caller("partner"), "space", "intern")
    # What names nothing is NotFound: an unknown kind, a key that is no id, a call or project not there.
    for kind, key in (("dog", "1"), ("call", "abc"), ("call", "3"), ("project", "3"), ("thread", "3")):
        with pytest.raises(NotFound), database.write() as session:
            notifications.follow(session, world.caller("member"), kind, key)
    with database.write() as session:
        opens, ends = utcnow() + timedelta(days=1), utcnow() + timedelta(days=30)
        editor = world.caller("editor")
        times = {"opens_at": opens, "deadline": ends}
        call = create_call(session, caller=editor, programme="P", round=3, title={"de": "A"}, **times)
        draft = create_call(session, caller=editor, programme="P", round=4, title={"de": "Entwurf"})
        announce_call(session, call, caller=editor)
        call_id, draft_id = call.id, draft.id
    with pytest.raises(NotFound), database.write() as session:  # a draft is not public yet
        notifications.follow(session, world.caller("member"), "call", str(draft_id))
    with database.write() as session:
        _rec, new = notifications.follow(session, world.caller("member"), "call", str(call_id))
        _rec, again = notifications.follow(session, world.caller("member"), "call", str(call_id))
    assert new and not again


def test_inbox_read_markers(database: Database, world: World) -> None:
    thread = open_thread(database, world, who="member")
    for n in range(3):
        post_reply(database, world, thread.id, "other", body=f"<p>{n}</p>")
    member = world.members["member"].id
    notes = inbox(database, world, "member")
    assert len(notes) == 3
    with database.write() as session:
        notifications.mark_read(session, member, notes[-1].id)
        assert notifications.unread_count(session, member) == 2
    with database.write() as session:
        assert notifications.mark_all_read(session, member, notes[1].id) == [notes[1].id]
        assert notifications.unread_count(session, member) == 1
    with pytest.raises(NotFound), database.write() as session:
        notifications.mark_read(session, world.members["other"].id, notes[0].id)
    with database.read() as session:
        page, before = notifications.list_notifications(session, member, before=None, limit=2, unread_only=False)
        rest, end = notifications.list_notifications(session, member, before=before, limit=2, unread_only=False)
    assert [n.id for n in page + rest] == [n.id for n in notes] and end is None


def _told(database: Database, world: World, who: str) -> list[dict[str, object]]:
    """The `notification.created` events a replay of `who`'s own topic hands out."""
    with database.read() as session:
        events = read_page(session, 0, [f"user.{world.members[who].id}"], limit=100)
        return [e.data for e in events if e.type == "notification.created"]


def test_a_narrowed_space_and_a_new_role_leave_nothing_of_the_space_in_inbox_or_replay(
    database: Database, world: World
) -> None:
    with database.write() as session:
        for who in ("member", "other"):
            notifications.follow(session, world.caller(who), "space", "intern")
    open_thread(database, world, space="members", who="moderator", body="<p>the inner plan</p>")
    for who in ("member", "other"):
        assert "inner plan" in inbox(database, world, who)[0].summary
    with database.write() as session:  # the member becomes a partner: no members-only spaces
        update_account(session, world.caller("admin"), world.members["member"].id, role="partner")
    assert inbox(database, world, "member")[0].summary == "" and "inner plan" not in str(
        _told(database, world, "member")
    )
    assert "inner plan" in inbox(database, world, "other")[0].summary and "inner plan" in str(
        _told(database, world, "other")
    )
    with database.write() as session:  # invited members only: the other one was never invited
        update_space(session, world.caller("admin"), session.merge(world.spaces["members"]), visibility="invited")
    assert inbox(database, world, "other")[0].summary == "" and "inner plan" not in str(_told(database, world, "other"))
