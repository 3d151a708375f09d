"""The moderation queue, flag resolution and a member's history: real database, real bus."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from events import ANONYMOUS, Database, Event, prune, utcnow
from services import forum
from services.audit import AuditEntry
from services.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from services.spaces import add_membership
from tests.support.forum import open_thread, post_reply
from tests.support.world import World, build_world


def _flag(database: Database, world: World, post_id: int, who: str, reason: str) -> forum.Flag:
    with database.write() as session:
        return forum.flag_post(session, caller=world.caller(who), post_id=post_id, reason=reason)


def _queue(database: Database, world: World, status: str = "open", who: str = "moderator") -> list[forum.QueueEntry]:
    with database.read() as session:
        entries, total = forum.flag_queue(session, world.caller(who), status=status, limit=50, offset=0)
        assert total == len(entries)
        return entries


def _on_moderation(published: list[Event], event_type: str) -> list[Event]:
    return [e for e in published if e.type == event_type and "moderation" in e.topics]


def _actions(database: Database) -> list[tuple[str, str | None]]:
    """The moderators' audited actions (not the world's setup: the admin adding members to the network)."""
    with database.read() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.reason) for e in entries if e.action != "space.member_added"]


def test_two_flags_on_a_post_are_one_entry_and_resolving_publishes_and_audits(
    any_database: Database, published: list[Event]
) -> None:
    database = any_database  # the queue's grouping and ordering, on SQLite and PostgreSQL
    with database.write() as session:
        world = build_world(session)
    thread = open_thread(database, world)
    reply = post_reply(database, world, thread.id, "member", body="<p>Das ist <b>Unsinn</b></p>")
    _flag(database, world, reply.id, "other", "Beleidigung")
    _flag(database, world, reply.id, "moderator", "Spam")
    [entry] = _queue(database, world)
    assert entry.flags == 2 and entry.reasons == ["Beleidigung", "Spam"]
    assert [r.reporter for r in entry.reports] == [
        {"id": world.members["other"].id, "name": "Other"},
        {"id": world.members["moderator"].id, "name": "Moderator"},
    ]
    assert entry.post.excerpt == "Das ist Unsinn" and entry.post.state == "visible"
    assert (entry.post.thread_id, entry.post.thread_title, entry.post.space) == (thread.id, "Titel", "offen")
    assert entry.post.author == {"id": world.members["member"].id, "name": "Member"}

    with database.write() as session:
        resolved = forum.resolve_flags(
            session, caller=world.caller("moderator"), post_id=reply.id, outcome="dismissed", reason="Sachlich"
        )
        assert len(resolved) == 2
    assert _queue(database, world) == []
    [done] = _queue(database, world, "resolved")
    assert {(r.resolution, r.resolution_reason) for r in done.reports} == {("dismissed", "Sachlich")}
    assert done.reports[0].resolved_by == {"id": world.members["moderator"].id, "name": "Moderator"}
    [event] = _on_moderation(published, "flag.resolved")
    assert event.data["outcome"] == "dismissed" and event.data["closed_with"] is None
    assert sorted(event.data["flag_ids"]) == sorted(r.id for r in done.reports)
    assert _actions(database) == [("flag.resolved", "Sachlich")]
    with pytest.raises(Conflict), database.write() as session:
        forum.resolve_flags(
            session, caller=world.caller("moderator"), post_id=reply.id, outcome="acted_on", reason=None
        )
    with pytest.raises(InvalidInput), database.write() as session:
        forum.resolve_flags(session, caller=world.caller("moderator"), post_id=reply.id, outcome="ignored", reason=None)


def test_hiding_or_deleting_closes_the_flags_with_the_post(
    database: Database, world: World, published: list[Event]
) -> None:
    thread = open_thread(database, world)
    hidden = post_reply(database, world, thread.id, "member")
    deleted = post_reply(database, world, thread.id, "member")
    _flag(database, world, hidden.id, "other", "Spam")
    _flag(database, world, deleted.id, "other", "Spam")
    with database.write() as session:
        forum.hide_post(session, caller=world.caller("moderator"), post_id=hidden.id, reason="Spam")
        forum.delete_post(session, caller=world.caller("member"), post_id=deleted.id)
    assert _queue(database, world) == []
    resolved = {e.post.id: e for e in _queue(database, world, "resolved")}
    assert {p: (e.post.state, e.reports[0].resolution, e.reports[0].resolved_with) for p, e in resolved.items()} == {
        hidden.id: ("hidden", "acted_on", "post.hidden"),
        deleted.id: ("deleted", "acted_on", "post.deleted"),
    }
    assert resolved[deleted.id].reports[0].resolved_by == {"id": world.members["member"].id, "name": "Member"}
    assert {e.data["closed_with"] for e in _on_moderation(published, "flag.resolved")} == {
        "post.hidden",
        "post.deleted",
    }
    # Later flags on the withdrawn posts close at once: no flag.raised with a withdrawn text's excerpt.
    raised_before = len(_on_moderation(published, "flag.raised"))
    _flag(database, world, deleted.id, "moderator", "Spam")
    _flag(database, world, hidden.id, "moderator", "Spam")
    assert len(_on_moderation(published, "flag.raised")) == raised_before
    assert _queue(database, world) == []
    with pytest.raises(NotFound), database.write() as session:  # members do not learn of hidden posts
        forum.flag_post(session, caller=world.caller("editor"), post_id=hidden.id, reason="?")
    # The audit log has the hide, and no flag resolution of its own for steps a hide or the author took.
    assert _actions(database) == [("post.hidden", "Spam")]


def test_lock_unlock_pin_unpin_and_unhide_reach_the_moderation_topic(
    database: Database, world: World, published: list[Event]
) -> None:
    thread = open_thread(database, world)
    reply = post_reply(database, world, thread.id, "member")
    with database.write() as session:
        for value in (True, False):
            forum.set_locked(session, caller=world.caller("moderator"), thread_id=thread.id, locked=value)
            forum.set_pinned(session, caller=world.caller("moderator"), thread_id=thread.id, pinned=value)
        forum.hide_post(session, caller=world.caller("moderator"), post_id=reply.id, reason=None)
        forum.unhide_post(session, caller=world.caller("moderator"), post_id=reply.id)
    assert [e.data["locked"] for e in _on_moderation(published, "thread.locked")] == [True, False]
    assert [e.data["pinned"] for e in _on_moderation(published, "thread.pinned")] == [True, False]
    assert len(_on_moderation(published, "post.unhidden")) == 1
    assert [a for a, _r in _actions(database)] == [
        "thread.locked",
        "thread.pinned",
        "thread.unlocked",
        "thread.unpinned",
        "post.hidden",
        "post.unhidden",
    ]


def test_a_members_history_outlives_event_retention(database: Database, world: World) -> None:
    thread = open_thread(database, world)
    flagged, hidden, fine = (post_reply(database, world, thread.id, "member") for _ in range(3))
    _flag(database, world, flagged.id, "other", "Spam")
    with database.write() as session:
        forum.resolve_flags(
            session, caller=world.caller("moderator"), post_id=flagged.id, outcome="acted_on", reason="Ermahnt"
        )
        forum.hide_post(session, caller=world.caller("moderator"), post_id=hidden.id, reason="Werbung")
        forum.unhide_post(session, caller=world.caller("moderator"), post_id=hidden.id)
        forum.delete_post(session, caller=world.caller("admin"), post_id=hidden.id)

    def history() -> list[tuple[int, list[str | None], list[str]]]:
        with database.read() as session:
            entries = forum.member_history(session, world.caller("moderator"), world.members["member"].id)
            return [(e.post.id, [r.resolution for r in e.reports], [a.action for a in e.actions]) for e in entries]

    before = history()
    assert before == [
        (hidden.id, [], ["post.hidden", "post.unhidden", "post.deleted"]),
        (flagged.id, ["acted_on"], ["flag.resolved"]),
    ]
    assert fine.id not in [p for p, _r, _a in before]
    resolved_before = _queue(database, world, "resolved")
    with database.write() as session:
        prune(session, utcnow() + timedelta(days=31))  # retention: everything in the log is older
    assert history() == before
    assert _queue(database, world, "resolved") == resolved_before


def test_only_moderators_who_may_read_the_space_see_and_resolve(database: Database, world: World) -> None:
    closed = open_thread(database, world, space="closed", who="admin")
    post = post_reply(database, world, closed.id, "admin")
    with database.write() as session:
        add_membership(session, world.caller("admin"), session.merge(world.spaces["closed"]), world.members["other"].id)
    _flag(database, world, post.id, "other", "Spam")
    assert _queue(database, world, who="moderator") == []  # not a member of that space
    assert len(_queue(database, world, who="admin")) == 1
    with database.read() as session:
        for who, error in (("member", PermissionDenied), ("partner", PermissionDenied), ("editor", PermissionDenied)):
            with pytest.raises(error):
                forum.flag_queue(session, world.caller(who), status="open", limit=10, offset=0)
            with pytest.raises(error):
                forum.member_history(session, world.caller(who), world.members["member"].id)
        with pytest.raises(AuthenticationFailed):
            forum.flag_queue(session, ANONYMOUS, status="open", limit=10, offset=0)
        with pytest.raises(NotFound):
            forum.member_history(session, world.caller("moderator"), 99_999)
    with pytest.raises((PermissionDenied, NotFound)), database.write() as session:
        forum.resolve_flags(
            session, caller=world.caller("moderator"), post_id=post.id, outcome="dismissed", reason=None
        )
    with pytest.raises(PermissionDenied), database.write() as session:
        forum.resolve_flags(session, caller=world.caller("other"), post_id=post.id, outcome="dismissed", reason=None)


def test_a_flag_in_an_invited_space_puts_none_of_its_words_on_moderation(
    database: Database, world: World, published: list[Event]
) -> None:
    # Every moderator follows `moderation`; the moderator outside the space gets no queue entry for the
    # flag, so not the reporter's words either (they quote the post as often as not).
    closed = open_thread(database, world, space="closed", who="admin")
    post = post_reply(database, world, closed.id, "admin", body="<p>Die Summe ist 4,2 Mio.</p>")
    with database.write() as session:
        add_membership(session, world.caller("admin"), session.merge(world.spaces["closed"]), world.members["other"].id)
    _flag(database, world, post.id, "other", "Nennt die vertrauliche Summe 4,2 Mio.")
    [raised] = _on_moderation(published, "flag.raised")
    assert (raised.data["reason"], raised.data["excerpt"]) == ("", "")
    assert "4,2" not in str(raised.data)
    assert _queue(database, world, who="moderator") == []
    [entry] = _queue(database, world, who="admin")  # who may read the space reads them in the queue
    assert entry.reasons == ["Nennt die vertrauliche Summe 4,2 Mio."]
    # Where every moderator may read the space, the flag says what it is about.
    public = open_thread(database, world)
    reply = post_reply(database, world, public.id, "member", body="<p>Werbung</p>")
    _flag(database, world, reply.id, "other", "Spam")
    assert [(e.data["reason"], e.data["excerpt"]) for e in _on_moderation(published, "flag.raised")][1:] == [
        ("Spam", "Werbung")
    ]
