"""Data rights in the services: a member's export holds every part; erasure leaves none of their data.

The erasure checks read the database file itself (tests/support/dbgrep.py): a rewritten row's old
bytes in a page's free space, a free page or the WAL would count as kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

import services
from events import Base, Database, Event, read_page, utcnow
from events.models import EventRecord
from services import forum, notifications
from services.announcements import broadcast_announcement, mark_read
from services.audit import AuditEntry, list_entries
from services.errors import AuthenticationFailed, Conflict, InvalidInput, PermissionDenied
from services.forum import Flag, Post, PostRevision, Reaction, Thread
from services.identity import (
    FORMER_MEMBER,
    Member,
    caller_of,
    create_member,
    erase_account,
    erase_own_account,
    export_profile,
    issue_token,
    update_account,
    update_profile,
)
from services.mail import CANCELLED, OutgoingMail
from services.network import Invitation, create_invitation
from services.notifications import Follow, Notification, queue_missed
from tests.support.dbgrep import tables_holding
from tests.support.world import World, build_world

PASSWORD = "zeldas long password"
# ASCII, distinctive: the file grep looks for these bytes (the log stores JSON with non-ASCII escaped).
NAME, EMAIL, HANDLE = "Zelda Quux", "zelda.quux@example.org", "zelda.quux"
BIO = "Bio-zq-6f0a"
TITLE = "Thema-zq-3a9b"
FIRST = "Beitrag-zq-5e1f"
EDITED = "Fassung-zq-7c2d"
REPLY = "Antwort-zq-2b8c"
FLAG_REASON = "Meldung-zq-8d4e"
DEVICE = "Telefon-zq-1a1a"
PERSONAL = (NAME, EMAIL, HANDLE, BIO, FLAG_REASON, DEVICE)
POST_TEXTS = (TITLE, FIRST, EDITED, REPLY)


@dataclass
class Story:
    """Zelda's traces: her thread (with her first post), her reply in Other's thread, Other's mention of her."""

    zelda: Member
    her_thread: int
    her_first_post: int
    her_reply: int
    others_thread: int
    others_post: int
    mention: int


def _story(database: Database, world: World) -> Story:
    admin, other = world.caller("admin"), world.caller("other")
    with database.write() as session:
        zelda = create_member(session, email=EMAIL, name=NAME, password=PASSWORD, handle=HANDLE)
    me = caller_of(zelda)
    with database.write() as session:
        update_profile(session, me, {"bio": BIO, "organisation": "Stadt Quux"})
        issue_token(session, email=EMAIL, password=PASSWORD, ttl=timedelta(hours=1), label=DEVICE)
        # Other wants reply notifications by mail: a pending mail will name Zelda.
        update_profile(session, other, {"notification_preferences": {"reply": {"mail": True}}})
    public = world.spaces["public"]
    with database.write() as session:
        thread, first = forum.create_thread(
            session, caller=me, space=session.merge(public), title=TITLE, body=f"<p>{FIRST}</p>", language="de",
            mentions=[],
        )  # fmt: skip
        others_thread, others_post = forum.create_thread(
            session, caller=other, space=session.merge(public), title="Offenes Thema", body="<p>Hallo</p>",
            language="de", mentions=[],
        )  # fmt: skip
    with database.write() as session:
        forum.edit_post(session, caller=me, post_id=first.id, body=f"<p>{EDITED}</p>")
        mention = forum.create_post(
            session, caller=other, thread=session.get(Thread, thread.id), body=f"<p>Danke @{HANDLE}!</p>",
            language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
        reply = forum.create_post(
            session, caller=me, thread=session.get(Thread, others_thread.id), body=f"<p>{REPLY}</p>",
            language="de", parent_id=others_post.id, mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
        forum.add_reaction(session, caller=me, post_id=others_post.id, kind="like")
        forum.flag_post(session, caller=me, post_id=others_post.id, reason=FLAG_REASON)
        notifications.follow(session, me, "space", public.slug)
        announcement = broadcast_announcement(session, caller=admin, title={"de": "Hinweis"}, body={"de": "<p>x</p>"})
    with database.write() as session:
        mark_read(session, me, announcement.id)
    # The missed-message mails go out: Other's names Zelda (her reply), Zelda's her mention.
    assert queue_missed(database, utcnow() + timedelta(hours=1))
    return Story(zelda, thread.id, first.id, reply.id, others_thread.id, others_post.id, mention.id)


@pytest.fixture
def story(database: Database, world: World) -> Story:
    return _story(database, world)


def _export(database: Database, story: Story, caller: Any = None) -> dict[str, Any]:
    caller = caller or caller_of(story.zelda)
    with database.read() as session:
        return {
            **export_profile(session, caller, story.zelda.id),
            **forum.export_forum(session, caller, story.zelda.id),
            **notifications.export_notifications(session, caller, story.zelda.id),
        }


def _file(database: Database) -> Path:
    url = str(database.engine.url)
    return Path(url.removeprefix("sqlite:///"))


def _log_text(database: Database) -> str:
    with database.read() as session:
        events = read_page(session, 0, None, limit=100_000)
    return "\n".join(json.dumps(e.envelope(), ensure_ascii=False) for e in events)


def test_the_export_holds_every_part_of_a_members_data(database: Database, world: World, story: Story) -> None:
    exported = _export(database, story)
    profile = exported["profile"]
    assert (profile["name"], profile["email"], profile["handle"], profile["bio"]) == (NAME, EMAIL, HANDLE, BIO)
    assert "password_hash" not in json.dumps(exported) and "token_hash" not in json.dumps(exported)
    assert [s["label"] for s in exported["sessions"]] == [DEVICE]
    posts = {p["id"]: p for p in exported["posts"]}
    assert set(posts) == {story.her_first_post, story.her_reply}
    assert EDITED in posts[story.her_first_post]["body"]
    assert [FIRST in r["body"] for r in posts[story.her_first_post]["revisions"]] == [True]
    assert [t["title"] for t in exported["threads"]] == [TITLE]
    assert [(r["post_id"], r["kind"]) for r in exported["reactions"]] == [(story.others_post, "like")]
    assert [f["reason"] for f in exported["flags"]] == [FLAG_REASON]
    assert {(f["kind"], f["key"]) for f in exported["follows"]} >= {("space", "offen")}
    assert {n["kind"] for n in exported["notifications"]} == {"mention", "announcement"}
    # Another member may not read it; an admin may (an Art. 15 request).
    with pytest.raises(PermissionDenied), database.read() as session:
        forum.export_forum(session, world.caller("other"), story.zelda.id)
    assert _export(database, story, world.caller("admin"))["profile"]["email"] == EMAIL


def test_erasure_with_erase_leaves_no_personal_data_and_no_post_text(
    database: Database, world: World, story: Story
) -> None:
    # Before: the texts are where a grep would find them (so the checks below can fail).
    assert {"member", "event_log"} <= tables_holding(_file(database), HANDLE)
    assert tables_holding(_file(database), FIRST) == {"forum_post_revision"}  # an earlier version: history only
    assert {"forum_post", "event_log"} <= tables_holding(_file(database), EDITED)
    with database.write() as session:
        erase_own_account(session, caller_of(story.zelda), password=PASSWORD, posts="erase")
    with database.read() as session:
        zelda = session.get(Member, story.zelda.id)
        assert zelda is not None and (zelda.name, zelda.active, zelda.bio) == (FORMER_MEMBER, False, None)
        for model in (Follow, Notification, Reaction, Flag):
            assert not session.scalar(select(func.count()).select_from(model).where(model.member_id == zelda.id))
        assert not session.scalar(select(func.count()).select_from(PostRevision))
        hers = session.scalars(select(Post).where(Post.author_id == zelda.id)).all()
        assert [(p.body, p.deleted_at is not None) for p in hers] == [("", True), ("", True)]
        # Other's thread still reads: their post, and a tombstone where Zelda's reply was.
        thread = session.get(Thread, story.others_thread)
        assert thread is not None
        views, _ = forum.list_posts(session, world.caller("other"), thread, after=0, limit=10)
        assert [(v.id, v.state, v.body is None) for v in views] == [
            (story.others_post, "visible", False),
            (story.her_reply, "deleted", True),
        ]
        mention = forum.get_post(session, world.caller("other"), story.mention)
        assert mention.body == "<p>Danke @former-member!</p>"
        mails = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "missed")).all()
        assert mails and all(m.status == CANCELLED and m.params == {} for m in mails)
        actors = set(session.scalars(select(EventRecord.actor_name).where(EventRecord.actor_id == zelda.id)))
        assert actors == {FORMER_MEMBER}
    log = _log_text(database)
    for text in (*PERSONAL, *POST_TEXTS):
        assert text not in log, text
        assert tables_holding(_file(database), text) == set(), text


def test_erasure_with_keep_keeps_the_posts_under_former_member(database: Database, world: World, story: Story) -> None:
    with database.write() as session:
        erase_account(session, world.caller("admin"), story.zelda.id, posts="keep", reason="Antrag 2026-17")
    with database.read() as session:
        view = forum.get_post(session, world.caller("other"), story.her_reply)
        assert view.state == "visible" and REPLY in (view.body or "")
        assert view.author == {"id": story.zelda.id, "name": FORMER_MEMBER}
        inbox, _ = notifications.list_notifications(
            session, world.members["other"].id, before=None, limit=10, unread_only=False
        )
        assert [n.summary.startswith(FORMER_MEMBER) for n in inbox if n.kind == "reply"] == [True]
    log = _log_text(database)
    for text in PERSONAL:
        assert text not in log, text
        assert tables_holding(_file(database), text) == set(), text
    assert REPLY in log  # kept, as chosen


def test_erasure_refuses_bad_requests(database: Database, world: World, story: Story) -> None:
    me = caller_of(story.zelda)
    with pytest.raises(InvalidInput), database.write() as session:
        erase_own_account(session, me, password=PASSWORD, posts="maybe")
    with pytest.raises(AuthenticationFailed), database.write() as session:
        erase_own_account(session, me, password="wrong password", posts="erase")
    with pytest.raises(PermissionDenied), database.write() as session:
        erase_account(session, world.caller("other"), story.zelda.id, posts="erase", reason="x")
    with pytest.raises(Conflict) as last, database.write() as session:
        erase_own_account(session, world.caller("admin"), password="a-long-enough-password", posts="keep")
    assert last.value.code == "last_admin"
    with database.write() as session:
        erase_account(session, world.caller("admin"), story.zelda.id, posts="keep", reason="Antrag 17")
    with pytest.raises(Conflict) as twice, database.write() as session:
        erase_account(session, world.caller("admin"), story.zelda.id, posts="keep", reason="Antrag 17")
    assert twice.value.code == "already_erased"
    with pytest.raises(Conflict) as revived, database.write() as session:
        update_account(session, world.caller("admin"), story.zelda.id, active=True)
    assert revived.value.code == "member_erased"


def _rows_holding(database: Database, text: str) -> list[str]:
    """The tables with a row whose text form holds `text` (PostgreSQL: no file to grep)."""
    found = []
    with database.read() as session:
        for table in Base.metadata.sorted_tables:
            query = sa.text(f'SELECT 1 FROM "{table.name}" t WHERE t::text LIKE :pattern LIMIT 1')
            if session.execute(query, {"pattern": f"%{text}%"}).first():
                found.append(table.name)
    return found


def test_erasure_on_postgresql(pg_database: Database) -> None:
    services.bind_database(pg_database)
    with pg_database.write() as session:
        world = build_world(session)
    story = _story(pg_database, world)
    assert "member" in _rows_holding(pg_database, HANDLE)
    with pg_database.write() as session:
        erase_own_account(session, caller_of(story.zelda), password=PASSWORD, posts="erase")
    for text in (*PERSONAL, *POST_TEXTS):
        assert _rows_holding(pg_database, text) == [], text


def test_an_erased_admins_pending_invitations_name_a_former_member(database: Database, world: World) -> None:
    with database.write() as session:
        second = create_member(session, email=EMAIL, name=NAME, password=PASSWORD, handle=HANDLE, role="admin")
    with database.write() as session:
        invited = caller_of(second)
        _token, invitation = create_invitation(session, caller=invited, email="new@example.org", role="member")
    with database.write() as session:
        erase_account(session, world.caller("admin"), second.id, posts="keep", reason="Antrag 18")
    with database.read() as session:
        mail = session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "new@example.org"))
        assert mail is not None and mail.status == "pending" and mail.params["inviter"] == FORMER_MEMBER
        kept = session.get(Invitation, invitation.id)
        assert kept is not None and kept.email == "new@example.org" and kept.invited_by == second.id
    for text in (NAME, EMAIL, HANDLE):
        assert tables_holding(_file(database), text) == set(), text


def test_the_audit_log_keeps_that_an_erasure_happened_without_personal_data(
    database: Database, world: World, story: Story
) -> None:
    admin = world.caller("admin")
    with database.write() as session:
        erase_account(session, admin, story.zelda.id, posts="erase", reason="Art. 17 request 2026-17")
    with database.read() as session:
        entries, _next, total = list_entries(session, admin, limit=10, action="member.erased")
        # Her posts' deletions are not moderation: only the erasure itself is recorded.
        deletions, _next, _total = list_entries(session, admin, limit=10, action="post.deleted")
        raw = [json.dumps(row.details) + str(row.reason) for row in session.scalars(select(AuditEntry))]
    assert total == 1 and deletions == []
    entry = entries[0]
    assert (entry.target_kind, entry.target_id, entry.reason) == ("member", story.zelda.id, "Art. 17 request 2026-17")
    assert entry.actor == {"id": world.members["admin"].id, "name": "Admin"}
    for text in PERSONAL:
        assert not any(text in row for row in raw), text
    assert tables_holding(_file(database), NAME) == set()


def _author_with_posts(database: Database, world: World, name: str, posts: int) -> tuple[Member, list[int]]:
    """A new member with `posts` replies in other's threads (one thread per post: the erasure spans threads)."""
    with database.write() as session:
        author = create_member(session, email=f"{name}@example.org", name=name.title(), password=PASSWORD)
    ids = []
    with database.write() as session:
        for n in range(posts):
            thread, _first = forum.create_thread(
                session, caller=world.caller("other"), space=session.merge(world.spaces["public"]),
                title=f"{name} {n}", body="<p>Frage</p>", language="de", mentions=[],
            )  # fmt: skip
            reply = forum.create_post(
                session, caller=caller_of(author), thread=thread, body=f"<p>{name}-text-{n}</p>", language="de",
                mentions=[],
            )  # fmt: skip
            ids.append(reply.id)
    return author, ids


def test_erasure_withdraws_each_post_as_its_authors_deletion_does(
    database: Database, world: World, published: list[Event]
) -> None:
    # Two authors with the same story: a post flagged twice, a hidden one, one already deleted, a plain one.
    stories = {}
    for name in ("anna", "bert"):
        author, (flagged, hidden, deleted, plain) = _author_with_posts(database, world, name, 4)
        with database.write() as session:
            for who in ("member", "partner"):
                forum.flag_post(session, caller=world.caller(who), post_id=flagged, reason=f"{name} prüfen")
            forum.hide_post(session, caller=world.caller("moderator"), post_id=hidden, reason=None)
            forum.delete_post(session, caller=caller_of(author), post_id=deleted)
        stories[name] = (author, [flagged, hidden, deleted, plain])

    def withdrawal(events: list[Event], posts: list[int]) -> list[tuple[Any, ...]]:
        """The post and flag events about `posts`, with ids as positions and without times."""
        return [
            (e.type, e.topic, posts.index(e.data["post_id"]), e.data.get("by_author"), e.data.get("outcome"),
             e.data.get("closed_with"), len(e.data.get("flag_ids", ())))
            for e in events
            if e.type in ("post.deleted", "flag.resolved") and e.data.get("post_id") in posts
        ]  # fmt: skip

    def state(author: Member, posts: list[int]) -> list[tuple[Any, ...]]:
        with database.read() as session:
            rows = [session.get(Post, post_id) for post_id in posts]
            flags = session.scalars(select(Flag).where(Flag.post_id.in_(posts)).order_by(Flag.id)).all()
            return [
                *[(p.deleted_by == author.id, p.deleted_at is not None, thread_count(session, p)) for p in rows if p],
                *[(f.resolution, f.resolved_by == author.id, f.resolved_with) for f in flags],
                *[tuple(_redacted_types(session, post_id)) for post_id in posts],
            ]

    def thread_count(session: Any, post: Post) -> int:
        thread = session.get(Thread, post.thread_id)
        assert thread is not None
        return thread.post_count

    anna, anna_posts = stories["anna"]
    published.clear()
    with database.write() as session:
        for post_id in (anna_posts[0], anna_posts[1], anna_posts[3]):
            forum.delete_post(session, caller=caller_of(anna), post_id=post_id)
    by_deletion = withdrawal(published, anna_posts)
    bert, bert_posts = stories["bert"]
    published.clear()
    with database.write() as session:
        erase_account(session, world.caller("admin"), bert.id, posts="erase", reason="Antrag 19")
    by_erasure = withdrawal(published, bert_posts)
    assert by_deletion == by_erasure
    assert [t for t, *_ in by_erasure] == ["post.deleted", "flag.resolved", "post.deleted", "post.deleted"]
    assert state(anna, anna_posts) == state(bert, bert_posts)


def _redacted_types(session: Any, post_id: int) -> list[str]:
    events = read_page(session, 0, None, limit=10_000)
    return sorted(e.type for e in events if e.data.get("post_id") == post_id and e.data.get("redacted"))


def test_erasure_searches_the_log_once_per_batch_not_per_post(database: Database, world: World) -> None:
    searches: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SELECT event_log.id, event_log.type, event_log.data"):
            searches.append(statement)

    few, _ = _author_with_posts(database, world, "few", 2)
    many, _ = _author_with_posts(database, world, "many", 12)
    per_erasure = []
    sa.event.listen(database.engine, "before_cursor_execute", count)
    try:
        for author in (few, many):
            searches.clear()
            with database.write() as session:
                erase_account(session, world.caller("admin"), author.id, posts="erase", reason="Antrag 20")
            per_erasure.append(len(searches))
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", count)
    assert per_erasure[0] > 0 and per_erasure[0] == per_erasure[1]
