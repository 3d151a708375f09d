"""Withdrawn content (hidden or deleted posts, retracted news) is redacted in the log and the inbox."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from events import ANONYMOUS, Database, Event, read_page, utcnow
from services import forum, notifications
from services.errors import Conflict, NotFound, PermissionDenied
from services.forum import Post, Thread
from services.mail import OutgoingMail
from services.news import create_news, retract_news, update_news
from services.notifications import Notification, queue_missed
from services.projects import create_project
from tests.support.callers import staff
from tests.support.world import World, build_world

SECRET = "Geheimnis-im-Beitrag"
EDITED = "Zweite-Fassung-geheim"


@pytest.fixture
def world(database: Database) -> World:
    with database.write() as session:
        return build_world(session)


def _log(database: Database, topics: list[str] | None = None) -> list[Event]:
    with database.read() as session:
        return read_page(session, 0, topics, limit=10_000)


def _text_in_log(database: Database, text: str) -> list[str]:
    return [f"{e.id} {e.type}" for e in _log(database) if text in json.dumps(e.data, ensure_ascii=False)]


def _inbox(database: Database, world: World, who: str) -> list[Notification]:
    with database.read() as session:
        rows, _next = notifications.list_notifications(
            session, world.members[who].id, before=None, limit=100, unread_only=False
        )
        return rows


def _discussion(database: Database, world: World) -> tuple[Thread, Post, Post]:
    """A thread by member; other's reply mentioning member, edited once and flagged; a harmless reply."""
    with database.write() as session:
        thread, _first = forum.create_thread(
            session, **world.as_("member"), space=session.merge(world.spaces["public"]), title="Titel",
            body="<p>Erster Beitrag</p>", language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    with database.write() as session:
        post = forum.create_post(
            session, **world.as_("other"), thread=session.get(Thread, thread.id), body=f"<p>{SECRET}</p>",
            language="de", mentions=[world.members["member"].id],
        )  # type: ignore[arg-type]  # fmt: skip
    with database.write() as session:
        forum.edit_post(session, **world.as_("other"), post_id=post.id, body=f"<p>{SECRET} {EDITED}</p>")  # type: ignore[arg-type]
    with database.write() as session:
        forum.flag_post(session, **world.as_("partner"), post_id=post.id, reason="bitte prüfen")  # type: ignore[arg-type]
    with database.write() as session:
        harmless = forum.create_post(
            session, **world.as_("editor"), thread=session.get(Thread, thread.id), body="<p>Harmlos</p>",
            language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    return thread, post, harmless


def _redacted_types(database: Database, post_id: int) -> list[str]:
    return sorted(e.type for e in _log(database) if e.data.get("post_id") == post_id and e.data.get("redacted"))


def test_hiding_redacts_the_posts_events_flag_excerpts_and_notifications(database: Database, world: World) -> None:
    with database.write() as session:  # the member wants mentions by mail too
        session.merge(world.members["member"]).notification_preferences = {"mention": {"mail": True}}
    thread, post, harmless = _discussion(database, world)
    queue_missed(database, utcnow() + timedelta(minutes=11))  # still unread after the delay: mailed
    with database.read() as session:
        [mail] = session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "member@example.org")).all()
        assert mail.status == "pending" and SECRET in str(mail.params["items"])
    # edited (the edit took `post.created`'s earlier version out), flag, mention notification
    assert len(_text_in_log(database, SECRET)) >= 3
    [mention] = [n for n in _inbox(database, world, "member") if n.subject.get("post_id") == post.id]
    assert SECRET in mention.summary
    with database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason="Spam")  # type: ignore[arg-type]
    assert _text_in_log(database, SECRET) == []
    assert _redacted_types(database, post.id) == ["flag.raised", "post.created", "post.edited"]
    [created] = [e for e in _log(database, [f"thread.{thread.id}"]) if e.type == "post.created" and e.id and
                 e.data["post_id"] == post.id]  # fmt: skip
    assert created.data == {
        "space": "offen",
        "thread_id": thread.id,
        "post_id": post.id,
        "parent_id": None,
        "reply_to_author_id": world.members["member"].id,
        "author_id": world.members["other"].id,
        "created_at": created.data["created_at"],
        "redacted": True,
    }
    assert created.actor is not None and created.actor.id == world.members["other"].id
    # The other post's events and the thread's first post are untouched.
    kept = [e for e in _log(database) if e.data.get("post_id") == harmless.id and e.type == "post.created"]
    assert kept and kept[0].data["body"] == "<p>Harmlos</p>"
    # The inbox entry keeps what it is about, not what it said; its event is redacted too.
    [mention] = [n for n in _inbox(database, world, "member") if n.subject.get("post_id") == post.id]
    assert mention.summary == "" and mention.redacted_at is not None and mention.subject["post_id"] == post.id
    [note_event] = [e for e in _log(database) if e.type == "notification.created" and
                    e.data["notification_id"] == mention.id]  # fmt: skip
    assert note_event.data["redacted"] is True and "summary" not in note_event.data
    assert note_event.data["subject"] == mention.subject and note_event.data["kind"] == "mention"
    # The mail had not gone out yet: it goes without that notification, and keeps none of its text.
    with database.read() as session:
        [mail] = session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "member@example.org")).all()
        assert SECRET not in str(mail.params)
        assert mention.id not in [item["notification_id"] for item in mail.params.get("items", [])]
        assert mail.params or mail.status == "cancelled"
    # The post table keeps the text (and the history) for the moderators.
    with database.read() as session:
        stored = session.get(Post, post.id)
        assert stored is not None and SECRET in stored.body
        assert forum.get_post(session, world.caller("moderator"), post.id).body == stored.body
        assert len(forum.post_revisions(session, world.caller("moderator"), post.id)) == 1
        with pytest.raises(NotFound):
            forum.post_revisions(session, world.caller("other"), post.id)


def test_unhiding_restores_the_post_with_a_new_event_and_hiding_again_redacts_that(
    database: Database, world: World
) -> None:
    thread, post, _harmless = _discussion(database, world)
    with database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason=None)  # type: ignore[arg-type]
    with database.read() as session:
        assert thread.post_count == 1 and session.get(Thread, thread.id).post_count == 2  # type: ignore[union-attr]
    for who in ("member", "other"):
        with pytest.raises(PermissionDenied), database.write() as session:
            forum.unhide_post(session, **world.as_(who), post_id=post.id)  # type: ignore[arg-type]
    with database.write() as session:
        forum.unhide_post(session, **world.as_("admin"), post_id=post.id)  # type: ignore[arg-type]
    with pytest.raises(Conflict), database.write() as session:
        forum.unhide_post(session, **world.as_("admin"), post_id=post.id)  # type: ignore[arg-type]
    [unhidden] = [e for e in _log(database, ["moderation"]) if e.type == "post.unhidden"]
    assert unhidden.data["body"] == f"<p>{SECRET} {EDITED}</p>" and unhidden.data["post_id"] == post.id
    assert set(unhidden.topics) >= {"space.offen"}
    with database.read() as session:
        view = forum.get_post(session, ANONYMOUS, post.id)
        assert (view.state, view.body) == ("visible", f"<p>{SECRET} {EDITED}</p>")
        assert session.get(Thread, thread.id).post_count == 3  # type: ignore[union-attr]
    # Restoring is the new event only: what was redacted stays redacted.
    assert _redacted_types(database, post.id) == ["flag.raised", "post.created", "post.edited"]
    with database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason="doch nicht")  # type: ignore[arg-type]
    assert _text_in_log(database, SECRET) == []
    assert "post.unhidden" in _redacted_types(database, post.id)


def test_authors_delete_their_own_posts_and_moderators_any(database: Database, world: World) -> None:
    thread, post, harmless = _discussion(database, world)

    def delete(who: str, post_id: int) -> Any:
        with database.write() as session:
            return forum.delete_post(session, **world.as_(who), post_id=post_id)  # type: ignore[arg-type]

    with pytest.raises(PermissionDenied):
        delete("member", post.id)  # not the author, not a moderator
    delete("other", post.id)
    with pytest.raises(Conflict):
        delete("other", post.id)
    with pytest.raises(Conflict), database.write() as session:
        forum.unhide_post(session, **world.as_("moderator"), post_id=post.id)  # type: ignore[arg-type]
    delete("moderator", harmless.id)
    assert _text_in_log(database, SECRET) == [] and _text_in_log(database, "Harmlos") == []
    deleted = [e for e in _log(database, [f"thread.{thread.id}"]) if e.type == "post.deleted"]
    assert [(e.data["post_id"], e.data["by_author"]) for e in deleted] == [(post.id, True), (harmless.id, False)]
    assert [n.summary for n in _inbox(database, world, "member") if n.subject.get("post_id") == post.id] == [""]
    with database.read() as session:
        for reader in (ANONYMOUS, world.caller("other"), world.caller("member")):
            posts, _next = forum.list_posts(session, reader, thread, after=0, limit=10)
            tombstones = [(p.id, p.state, p.body, p.mentions) for p in posts if p.state != "visible"]
            assert tombstones == [(post.id, "deleted", None, []), (harmless.id, "deleted", None, [])]
            assert forum.get_post(session, reader, post.id).body is None
        with pytest.raises(NotFound):
            forum.post_revisions(session, world.caller("other"), post.id)  # the history went with it
        moderator = forum.get_post(session, world.caller("moderator"), post.id)
        assert moderator.state == "deleted" and SECRET in (moderator.body or "")
        assert session.get(Thread, thread.id).post_count == 1  # type: ignore[union-attr]
    with pytest.raises(NotFound), database.write() as session:
        forum.edit_post(session, **world.as_("other"), post_id=post.id, body="<p>wieder da?</p>")  # type: ignore[arg-type]


def test_deleting_the_first_post_redacts_thread_created(database: Database, world: World) -> None:
    with database.write() as session:
        thread, first = forum.create_thread(
            session, **world.as_("member"), space=session.merge(world.spaces["public"]), title="Titel",
            body=f"<p>{SECRET}</p>", language="de", mentions=[world.members["other"].id],
        )  # type: ignore[arg-type]  # fmt: skip
    with database.write() as session:
        forum.delete_post(session, **world.as_("member"), post_id=first.id)  # type: ignore[arg-type]
    assert _text_in_log(database, SECRET) == []
    [created] = [e for e in _log(database) if e.type == "thread.created"]
    assert created.data["redacted"] is True and created.data["post_id"] == first.id and "title" not in created.data
    assert [n.summary for n in _inbox(database, world, "other")] == [""]


def test_retracting_news_redacts_its_events_and_the_followers_notifications(database: Database, world: World) -> None:
    with database.write() as session:
        project = create_project(
            session, caller=staff(session), name="Kassel", kind="municipality", round=2,
            federal_states=["Hessen"], description={"de": "x"},
        )  # fmt: skip
        notifications.follow(session, world.caller("member"), "project", str(project.id))
    with database.write() as session:
        item = create_news(
            session, caller=staff(session), title={"de": "Falsche Meldung"}, body={"de": f"<p>{SECRET}</p>"},
            tags=["geheim"], publish_now=True, project_id=project.id,
        )  # fmt: skip
    with database.write() as session:
        update_news(session, session.merge(item), caller=staff(session), changes={"title": {"de": "Falsche Meldung 2"}})
    about_news = [n for n in _inbox(database, world, "member") if n.event_type.startswith("news.")]
    assert [n.summary for n in about_news] == ["Projekt: Falsche Meldung 2", "Projekt: Falsche Meldung"]
    with database.write() as session:
        retract_news(session, session.merge(item), caller=staff(session), reason="falsch")
    assert _text_in_log(database, "Falsche Meldung") == [] and _text_in_log(database, SECRET) == []
    redacted = [e for e in _log(database, ["news", f"project.{project.id}"]) if e.data.get("redacted")]
    assert [e.type for e in redacted] == ["news.published", "news.updated"]
    assert redacted[1].data == {
        "news_id": item.id,
        "published_at": redacted[1].data["published_at"],
        "space": "national",
        "project_id": project.id,
        "changed": ["title"],
        "updated_at": redacted[1].data["updated_at"],
        "redacted": True,
    }
    inbox = _inbox(database, world, "member")
    withdrawn = [n for n in inbox if n.event_type in ("news.published", "news.updated")]
    assert [(n.summary, n.subject["news_id"]) for n in withdrawn] == [("", item.id), ("", item.id)]
    assert all(n.redacted_at is None for n in inbox if n not in withdrawn), "only what was about the item"
    with database.read() as session:
        assert session.scalar(select(Notification.id).where(Notification.summary.contains("Falsche"))) is None


def test_an_edit_takes_the_earlier_version_out_of_the_log(database: Database, world: World) -> None:
    # The earlier versions are the author's and the moderators' (GET /posts/<id>/revisions): a reader
    # replaying the thread from its start, anonymous in a public space, is not handed them either.
    with database.write() as session:
        thread, first = forum.create_thread(
            session, **world.as_("member"), space=session.merge(world.spaces["public"]), title="Titel",
            body=f"<p>Ruft an: {SECRET}</p>", language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    with database.write() as session:
        reply = forum.create_post(
            session, **world.as_("member"), thread=session.get(Thread, thread.id), body=f"<p>{SECRET}</p>",
            language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    for post_id in (first.id, reply.id):
        with database.write() as session:
            forum.edit_post(session, **world.as_("member"), post_id=post_id, body=f"<p>{EDITED}</p>")  # type: ignore[arg-type]
    with database.write() as session:
        forum.edit_post(session, **world.as_("member"), post_id=reply.id, body="<p>Dritte Fassung</p>")  # type: ignore[arg-type]
    with database.read() as session, pytest.raises(PermissionDenied):
        forum.post_revisions(session, world.caller("other"), reply.id)
    assert _text_in_log(database, SECRET) == []
    assert _text_in_log(database, EDITED) == [e for e in _text_in_log(database, EDITED) if "post.edited" in e]
    assert len(_text_in_log(database, EDITED)) == 1  # the opening post's edit; the reply's was edited again
    replayed = [e for e in _log(database, [f"thread.{thread.id}"]) if e.data.get("post_id") == reply.id]
    assert [(e.type, bool(e.data.get("redacted"))) for e in replayed] == [
        ("post.created", True),
        ("post.edited", True),
        ("post.edited", False),
    ]
    assert replayed[-1].data["body"] == "<p>Dritte Fassung</p>" and replayed[-1].data["revisions"] == 2
    opened = next(e for e in _log(database, [f"thread.{thread.id}"]) if e.type == "thread.created")
    assert opened.data["redacted"] is True and opened.data["post_id"] == first.id
    # The author and the moderators still read every version.
    with database.read() as session:
        for who in ("member", "moderator"):
            bodies = [r.body for r in forum.post_revisions(session, world.caller(who), reply.id)]
            assert bodies == [f"<p>{SECRET}</p>", f"<p>{EDITED}</p>"]
