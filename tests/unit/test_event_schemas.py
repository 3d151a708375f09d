"""Every event type has a schema, and the payload the real service produces matches it, on the
topics the type declares; the generated docs page shows the registry as it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Database, Event, catalog, registry
from services import forum, identity, network, notifications, spaces, webhooks
from services.announcements import broadcast_announcement
from services.calls import (
    FundingCall,
    announce_call,
    change_deadline,
    close_due_call,
    create_call,
    handle_due_reminder,
    open_call_now,
    open_due_call,
    reminders_of,
    update_call,
)
from services.identity import Member
from services.news import create_news, retract_news, update_news
from services.projects import create_project, update_project
from tests.support.callers import staff
from tests.support.programme import T0
from tests.support.world import PASSWORD, World, build_world


def produce_news_published(session: Session) -> None:
    create_news(
        session,
        caller=staff(session),
        title={"de": "Titel", "en": "Title"},
        body={"de": "<b>x</b>"},
        tags=["a"],
        publish_now=True,
    )


def produce_news_updated(session: Session) -> None:
    item = create_news(session, caller=staff(session), title={"de": "Alt"}, body={"de": "x"}, tags=[], publish_now=True)
    update_news(session, item, caller=staff(session), changes={"title": {"de": "Neu", "en": "New"}, "tags": ["b"]})


def produce_news_retracted(session: Session) -> None:
    item = create_news(
        session, caller=staff(session), title={"de": "Falsch"}, body={"de": "x"}, tags=[], publish_now=True
    )
    retract_news(session, item, caller=staff(session), reason="Fehler im Text")


def _call(session: Session, *, announce: bool = True) -> FundingCall:
    call = create_call(
        session,
        caller=staff(session),
        programme="Modellprojekte Smart Cities",
        round=3,
        title={"de": "Aufruf 3. Staffel"},
        summary={"de": "300 Mio. Euro"},
        budget=300_000_000,
        motto="Test",
        opens_at=T0 + timedelta(days=1),
        deadline=T0 + timedelta(days=30),
        application_url="https://www.smart-cities-made-in.de",
        now=T0,
    )
    if announce:
        announce_call(session, call, caller=staff(session), now=T0)
    return call


def produce_call_announced(session: Session) -> None:
    _call(session)


def produce_call_updated(session: Session) -> None:
    call = _call(session)
    update_call(session, call, caller=staff(session), changes={"summary": {"de": "Neu"}, "budget": 1000}, now=T0)


def produce_call_opened(session: Session) -> None:
    call = _call(session)
    open_due_call(session, call.id, now=T0 + timedelta(days=1))
    open_call_now(session, _call(session, announce=False), caller=staff(session, "admin"), now=T0)


def produce_call_deadline_changed(session: Session) -> None:
    call = _call(session)
    change_deadline(session, call, caller=staff(session), deadline=T0 + timedelta(days=40), reason="Verlängert", now=T0)


def produce_call_reminder(session: Session) -> None:
    call = _call(session)
    first = reminders_of(session, staff(session), call.id)[0]
    handle_due_reminder(session, first.id, now=first.due_at, window=timedelta(hours=12))


def produce_call_closed(session: Session) -> None:
    call = _call(session)
    open_due_call(session, call.id, now=T0 + timedelta(days=1))
    close_due_call(session, call.id, now=T0 + timedelta(days=30))


def produce_project_created(session: Session) -> None:
    create_project(
        session,
        caller=staff(session),
        name="Kassel",
        kind="municipality",
        round=2,
        federal_states=["Hessen"],
        description={"de": "Modellprojekt"},
        topics=["Mobilität"],
    )


def produce_project_updated(session: Session) -> None:
    project = create_project(
        session,
        caller=staff(session),
        name="Jena",
        kind="municipality",
        round=2,
        federal_states=["Thüringen"],
        description={"de": "x"},
    )
    update_project(
        session, project, caller=staff(session), changes={"topics": ["daten"], "description": {"de": "y", "en": "y"}}
    )


def produce_announcement_broadcast(session: Session) -> None:
    broadcast_announcement(
        session, caller=staff(session, "admin"), title={"de": "Hinweis", "en": "Notice"}, body={"de": "<p>Text</p>"}
    )


def _thread(session: Session) -> tuple[object, forum.Thread, forum.Post]:
    world = build_world(session)
    thread, post = forum.create_thread(
        session,
        **world.as_("member"),  # type: ignore[arg-type]
        space=world.spaces["public"],
        title="Titel",
        body="<p>Hallo @Other</p>",
        language="de",
        mentions=[world.members["other"].id],
    )
    return world, thread, post


def produce_thread_created(session: Session) -> None:
    _thread(session)


def produce_post_created(session: Session) -> None:
    world, thread, post = _thread(session)
    forum.create_post(
        session, **world.as_("other"), thread=thread, parent_id=post.id, body="<p>Antwort</p>", language="de",
        mentions=[],
    )  # fmt: skip


def produce_post_edited(session: Session) -> None:
    world, _thread_, post = _thread(session)
    forum.edit_post(session, **world.as_("member"), post_id=post.id, body="<p>neu</p>", language="en")


def produce_post_hidden(session: Session) -> None:
    world, _thread_, post = _thread(session)
    forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason="spam")


def produce_post_unhidden(session: Session) -> None:
    world, _thread_, post = _thread(session)
    forum.edit_post(session, **world.as_("member"), post_id=post.id, body="<p>neu</p>")
    forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason=None)
    forum.unhide_post(session, **world.as_("admin"), post_id=post.id)


def produce_post_deleted(session: Session) -> None:
    world, thread, post = _thread(session)
    forum.delete_post(session, **world.as_("member"), post_id=post.id)  # by its author
    reply = forum.create_post(
        session, **world.as_("other"), thread=thread, body="<p>Antwort</p>", language="de", mentions=[]
    )
    forum.delete_post(session, **world.as_("moderator"), post_id=reply.id)


def produce_thread_locked(session: Session) -> None:
    world, thread, _post = _thread(session)
    forum.set_locked(session, **world.as_("moderator"), thread_id=thread.id, locked=True)


def produce_thread_pinned(session: Session) -> None:
    world, thread, _post = _thread(session)
    forum.set_pinned(session, **world.as_("admin"), thread_id=thread.id, pinned=True)


def produce_reaction_added(session: Session) -> None:
    world, _thread_, post = _thread(session)
    forum.add_reaction(session, **world.as_("other"), post_id=post.id, kind="like")


def produce_flag_raised(session: Session) -> None:
    world, _thread_, post = _thread(session)
    forum.flag_post(session, **world.as_("other"), post_id=post.id, reason="off topic")


def produce_flag_resolved(session: Session) -> None:
    world, _thread_, post = _thread(session)
    forum.flag_post(session, **world.as_("other"), post_id=post.id, reason="off topic")
    forum.resolve_flags(session, **world.as_("moderator"), post_id=post.id, outcome="dismissed", reason="fine")


def produce_notification_created(session: Session) -> None:
    _thread(session)  # mentions Other


def produce_notification_read(session: Session) -> None:
    # After SETUP's committed thread: its mention made Other a notification at commit.
    other = session.scalar(select(Member.id).where(Member.email == "other@example.org"))
    assert other is not None
    notes, _next = notifications.list_notifications(session, other, before=None, limit=10, unread_only=False)
    notifications.mark_read(session, other, notes[0].id)


def _invite(session: Session) -> str:
    world = build_world(session)
    network.add_country(session, world.caller("admin"), code="PL", name={"en": "Poland"})
    token, _invitation = network.create_invitation(
        session, caller=world.caller("admin"), email="new@example.pl", country="PL"
    )
    return token


def _invite_editor(session: Session) -> tuple[World, str, int]:
    world = build_world(session)
    token, invitation = network.create_invitation(
        session, caller=world.caller("admin"), email="editor@example.de", role="editor", language="en"
    )
    return world, token, invitation.id


def produce_invitation_resent(session: Session) -> None:
    world, _token, invitation_id = _invite_editor(session)
    network.resend_invitation(session, world.caller("admin"), invitation_id)


def produce_invitation_revoked(session: Session) -> None:
    world, _token, invitation_id = _invite_editor(session)
    network.revoke_invitation(session, world.caller("admin"), invitation_id)


def produce_member_joined(session: Session) -> None:
    _world, token, _id = _invite_editor(session)
    network.accept_invitation(session, token=token, name="Eda Editor", password="long enough pw", language="en")


def produce_member_updated(session: Session) -> None:
    world = build_world(session)
    identity.update_profile(session, world.caller("member"), {"language": "en", "bio": "Kommune Nord"})


def produce_member_password_changed(session: Session) -> None:
    world = build_world(session)
    identity.change_password(
        session, world.caller("member"), current_password=PASSWORD, new_password="a brand new password"
    )


def produce_invitation_created(session: Session) -> None:
    _invite(session)


def produce_invitation_accepted(session: Session) -> None:
    network.accept_invitation(session, token=_invite(session), name="Ola", password="long enough pw", language="en")


def produce_partner_joined(session: Session) -> None:
    produce_invitation_accepted(session)


def produce_space_member_added(session: Session) -> None:
    world = build_world(session)
    spaces.add_membership(session, world.caller("admin"), world.spaces["network"], world.members["editor"].id)


def produce_space_member_removed(session: Session) -> None:
    world = build_world(session)
    spaces.remove_membership(session, world.caller("admin"), world.spaces["network"], world.members["member"].id)


def produce_space_visibility_changed(session: Session) -> None:
    world = build_world(session)
    spaces.update_space(session, world.caller("admin"), world.spaces["members"], visibility="invited")


def produce_member_role_changed(session: Session) -> None:
    world = build_world(session)
    identity.update_account(session, world.caller("admin"), world.members["member"].id, role="moderator")


def produce_member_erased(session: Session) -> None:
    world = build_world(session)
    identity.erase_account(session, world.caller("admin"), world.members["member"].id, posts="erase", reason="Antrag")


def produce_member_deactivated(session: Session) -> None:
    world = build_world(session)
    identity.update_account(session, world.caller("admin"), world.members["member"].id, active=False)


def produce_member_reactivated(session: Session) -> None:
    world = build_world(session)
    identity.update_account(session, world.caller("admin"), world.members["member"].id, active=False)
    identity.update_account(session, world.caller("admin"), world.members["member"].id, active=True)


def produce_token_revoked(session: Session) -> None:
    world = build_world(session)
    _token, record = identity.issue_token(
        session, email="member@example.org", password=PASSWORD, ttl=timedelta(hours=1)
    )
    identity.revoke_token(session, world.caller("member"), record.id)


def _webhook(session: Session) -> tuple[World, webhooks.WebhookSubscription]:
    world = build_world(session)
    created = webhooks.create_subscription(
        session,
        owner=world.caller("admin"),
        url="http://127.0.0.1:9/hook",
        topics=["news"],
        secret=None,
        description=None,
        allow_private=True,
    )
    return world, created


def produce_webhook_created(session: Session) -> None:
    _webhook(session)


def produce_webhook_deactivated(session: Session) -> None:
    world, created = _webhook(session)
    webhooks.deactivate_subscription(session, world.caller("admin"), created)


# One real producer per event type: adding a type without adding it here fails the suite.
PRODUCERS: dict[str, Callable[[Session], None]] = {
    "news.published": produce_news_published,
    "news.updated": produce_news_updated,
    "news.retracted": produce_news_retracted,
    "call.announced": produce_call_announced,
    "call.updated": produce_call_updated,
    "call.opened": produce_call_opened,
    "call.deadline_changed": produce_call_deadline_changed,
    "call.reminder": produce_call_reminder,
    "call.closed": produce_call_closed,
    "project.created": produce_project_created,
    "project.updated": produce_project_updated,
    "announcement.broadcast": produce_announcement_broadcast,
    "thread.created": produce_thread_created,
    "post.created": produce_post_created,
    "post.edited": produce_post_edited,
    "post.hidden": produce_post_hidden,
    "post.unhidden": produce_post_unhidden,
    "post.deleted": produce_post_deleted,
    "thread.locked": produce_thread_locked,
    "thread.pinned": produce_thread_pinned,
    "reaction.added": produce_reaction_added,
    "flag.raised": produce_flag_raised,
    "flag.resolved": produce_flag_resolved,
    "notification.created": produce_notification_created,
    "notification.read": produce_notification_read,
    "invitation.created": produce_invitation_created,
    "invitation.accepted": produce_invitation_accepted,
    "partner.joined": produce_partner_joined,
    "space.member_added": produce_space_member_added,
    "space.member_removed": produce_space_member_removed,
    "space.visibility_changed": produce_space_visibility_changed,
    "member.role_changed": produce_member_role_changed,
    "member.deactivated": produce_member_deactivated,
    "member.erased": produce_member_erased,
    "member.reactivated": produce_member_reactivated,
    "token.revoked": produce_token_revoked,
    "invitation.resent": produce_invitation_resent,
    "invitation.revoked": produce_invitation_revoked,
    "member.joined": produce_member_joined,
    "member.updated": produce_member_updated,
    "member.password_changed": produce_member_password_changed,
    "webhook.created": produce_webhook_created,
    "webhook.deactivated": produce_webhook_deactivated,
}


# What a producer needs committed before it runs (handlers act at commit).
SETUP: dict[str, Callable[[Session], None]] = {
    "notification.read": produce_thread_created,
}


def test_every_registered_type_has_a_producer_here() -> None:
    assert set(registry.types) == set(PRODUCERS)


@pytest.mark.parametrize("event_type", sorted(PRODUCERS))
def test_payload_matches_schema(database: Database, event_type: str, published: list[Event]) -> None:
    if event_type in SETUP:
        with database.write() as session:
            SETUP[event_type](session)
        published.clear()
    with database.write() as session:
        PRODUCERS[event_type](session)
    produced = [e for e in published if e.type == event_type]
    assert produced, f"the producer did not publish {event_type}"
    spec = registry.types[event_type]
    jsonschema.Draft202012Validator.check_schema(spec.schema)
    validator = jsonschema.Draft202012Validator(spec.schema)
    jsonschema.Draft202012Validator.check_schema(spec.redacted_schema)
    redacted_validator = jsonschema.Draft202012Validator(spec.redacted_schema)
    for event in produced:
        validator.validate(event.data)
        # Its redacted form is documented too, and keeps no text: only ids and the declared fields.
        redacted = spec.redacted(event.data)
        redacted_validator.validate(redacted)
        assert not validator.is_valid(redacted) or set(redacted) == set(event.data) | {"redacted"}
        assert not [v for k, v in redacted.items() if isinstance(v, str) and k not in ("space", "event_type", "kind")
                    and not k.endswith("_at")], f"text kept in a redacted {event_type}: {redacted}"  # fmt: skip
        assert all(spec.routes_to(topic) for topic in event.topics), f"{event.topics} not in {spec.topics}"
        envelope = event.envelope()
        assert set(envelope) == {"id", "epoch", "topic", "type", "occurred_at", "actor", "data"}
        assert envelope["occurred_at"].endswith("Z")


def test_the_docs_page_is_generated_from_the_registry() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "events.md"
    assert page.read_text(encoding="utf-8") == catalog.as_markdown(registry), "docs/events.md is stale: make docs"


def test_the_cli_lists_every_type_with_topics_description_and_schema(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DIALOG_INSTANCE_PATH": str(tmp_path), "FLASK_APP": "wsgi:app", "PYTHONPATH": str(root)}

    def run(*args: str) -> str:
        command = [sys.executable, "-m", "flask", "dialog", "events", *args]
        return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True).stdout

    assert json.loads(run("--format", "json")) == {"event_types": catalog.catalogue(registry)}
    text = run()
    assert "post.created  on space.<slug>, thread.<id>" in text and "    reply_to_author_id: integer or null" in text
