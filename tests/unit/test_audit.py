"""The audit log: every admin and moderator action recorded from its event, in its transaction; kept past retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from events import ANONYMOUS, Database, prune, utcnow
from events.models import EventRecord
from services import audit, forum, identity, network, spaces, webhooks
from services.announcements import broadcast_announcement
from services.audit import AuditEntry
from services.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from tests.support.forum import open_thread, post_reply
from tests.support.world import World


def _entries(database: Database) -> list[AuditEntry]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _run_every_audited_action(database: Database, world: World) -> None:
    admin, moderator = world.caller("admin"), world.caller("moderator")
    member_id = world.members["member"].id
    thread = open_thread(database, world)
    reply = post_reply(database, world, thread.id, "other")
    own = post_reply(database, world, thread.id, "member")
    with database.write() as session:
        _token, invitation = network.create_invitation(
            session, caller=admin, email="new.editor@example.de", role="editor", language="en"
        )
        network.resend_invitation(session, admin, invitation.id)
        network.revoke_invitation(session, admin, invitation.id)
        identity.update_account(session, admin, member_id, role="moderator")
        identity.update_account(session, admin, member_id, active=False)
        identity.update_account(session, admin, member_id, active=True)
        broadcast_announcement(session, caller=admin, title={"de": "Hinweis"}, body={"de": "<p>Wartung</p>"})
        hook = webhooks.create_subscription(
            session,
            owner=admin,
            url="http://127.0.0.1:9/hook",
            topics=["news"],
            secret=None,
            description=None,
            allow_private=True,
        )
        webhooks.deactivate_subscription(session, admin, hook)
    with database.write() as session:
        forum.hide_post(session, caller=moderator, post_id=reply.id, reason="Beleidigung")
        forum.unhide_post(session, caller=moderator, post_id=reply.id)
        forum.delete_post(session, caller=moderator, post_id=reply.id)
        forum.delete_post(session, caller=world.caller("member"), post_id=own.id)  # the author: no moderation
        for value in (True, False):
            forum.set_locked(session, caller=moderator, thread_id=thread.id, locked=value)
            forum.set_pinned(session, caller=admin, thread_id=thread.id, pinned=value)


def test_every_admin_and_moderator_action_is_recorded_with_who_what_and_why(database: Database, world: World) -> None:
    _run_every_audited_action(database, world)
    admin, moderator = world.members["admin"].id, world.members["moderator"].id
    recorded = [(e.actor_id, e.action, e.target_kind) for e in _entries(database)]
    assert recorded == [
        (admin, "invitation.created", "invitation"),
        (admin, "invitation.resent", "invitation"),
        (admin, "invitation.revoked", "invitation"),
        (admin, "member.role_changed", "member"),
        (admin, "member.deactivated", "member"),
        (admin, "member.reactivated", "member"),
        (admin, "announcement.broadcast", "announcement"),
        (admin, "webhook.created", "webhook"),
        (admin, "webhook.deactivated", "webhook"),
        (moderator, "post.hidden", "post"),
        (moderator, "post.unhidden", "post"),
        (moderator, "post.deleted", "post"),
        (moderator, "thread.locked", "thread"),
        (admin, "thread.pinned", "thread"),
        (moderator, "thread.unlocked", "thread"),
        (admin, "thread.unpinned", "thread"),
    ]
    entries = {e.action: e for e in _entries(database)}
    assert entries["member.role_changed"].target_id == world.members["member"].id
    assert entries["member.role_changed"].details == {"role": "moderator", "previous_role": "member"}
    assert entries["post.hidden"].reason == "Beleidigung"
    assert entries["webhook.created"].details == {"topics": ["news"]}
    # Small non-personal details only: no email, name, URL or post text reaches the audit table.
    stored = json.dumps([[e.details, e.reason] for e in _entries(database)])
    for personal in ("new.editor@example.de", "Member", "127.0.0.1", "Antwort", "Wartung"):
        assert personal not in stored


def test_space_changes_by_admins_are_recorded(database: Database, world: World) -> None:
    admin = world.caller("admin")
    with database.write() as session:
        network = session.merge(world.spaces["network"])
        spaces.remove_membership(session, admin, network, world.members["other"].id)
        spaces.update_space(session, admin, network, visibility="members")
        spaces.add_membership(session, admin, network, world.members["other"].id)
        assert not spaces.add_membership(session, admin, network, world.members["other"].id)  # already: no entry
    assert [(e.action, e.target_kind, e.target_id, e.details) for e in _entries(database)] == [
        ("space.member_removed", "space", network.id, {"member_id": world.members["other"].id}),
        ("space.visibility_changed", "space", network.id, {"visibility": "members", "previous_visibility": "invited"}),
        ("space.member_added", "space", network.id, {"member_id": world.members["other"].id}),
    ]


def test_a_refused_action_leaves_no_entry(database: Database, world: World) -> None:
    thread = open_thread(database, world)
    with pytest.raises(PermissionDenied), database.write() as session:
        forum.set_locked(session, caller=world.caller("member"), thread_id=thread.id, locked=True)
    assert _entries(database) == []


def test_retention_prunes_the_event_log_but_never_the_audit_log(database: Database, world: World) -> None:
    _run_every_audited_action(database, world)
    before = [(e.id, e.action) for e in _entries(database)]
    with database.write() as session:
        prune(session, utcnow() + timedelta(days=1))
    with database.read() as session:
        assert session.scalar(select(EventRecord.id)) is None  # the whole log is gone
    assert [(e.id, e.action) for e in _entries(database)] == before


def test_admins_filter_the_log_and_nobody_else_reads_it(database: Database, world: World) -> None:
    _run_every_audited_action(database, world)
    admin = world.caller("admin")
    with database.read() as session:
        items, after, total = audit.list_entries(session, admin, limit=3)
        assert total == 16 and len(items) == 3 and after == items[-1].id
        assert items[0].action == "thread.unpinned"  # newest first
        rest, _after, _total = audit.list_entries(session, admin, limit=100, before=after)
        assert len(rest) == 13 and rest[0].id < items[-1].id
        mine, _after, total = audit.list_entries(session, admin, limit=100, actor=world.members["moderator"].id)
        assert total == 5 and {v.actor["name"] for v in mine if v.actor} == {"Moderator"}
        thread_entries, _after, _total = audit.list_entries(
            session, admin, limit=100, target_kind="thread", action="thread.locked"
        )
        assert [v.action for v in thread_entries] == ["thread.locked"]
        later, _after, total = audit.list_entries(session, admin, limit=100, since=utcnow() + timedelta(minutes=1))
        assert (later, total) == ([], 0)
        with pytest.raises(InvalidInput):
            audit.list_entries(session, admin, limit=10, since=utcnow(), until=utcnow() - timedelta(days=1))
        with pytest.raises(InvalidInput):
            audit.list_entries(session, admin, limit=10, target_id=3)
        for who in ("moderator", "member", "partner"):
            with pytest.raises(PermissionDenied):
                audit.list_entries(session, world.caller(who), limit=10)
        with pytest.raises(AuthenticationFailed):
            audit.list_entries(session, ANONYMOUS, limit=10)


def test_one_line_audits_another_event_type() -> None:
    # The erasure another service announces is already in the table: recorded once it is published.
    assert any(rule.event_type == "member.erased" for rule in audit.AUDITED)
    assert "member.erased" in audit.ACTIONS
