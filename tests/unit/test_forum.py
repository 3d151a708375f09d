"""Forum, follows, inbox and network services with the real bus and a real SQLite database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from events import ANONYMOUS, Database, Event, on_commit, policy, utcnow
from events.models import EventRecord
from events.outbox import remove_commit_listener
from services import forum, network, notifications
from services.calls import announce_call, create_call
from services.errors import Conflict, DomainError, Gone, InvalidInput, NotFound, PermissionDenied
from services.forum import Post, Thread
from services.identity import Member
from services.network import Invitation
from services.notifications import Notification
from tests.support.world import World, build_world


@pytest.fixture
def world(database: Database) -> World:
    with database.write() as session:
        return build_world(session)


def _count(database: Database, model: Any) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _events(database: Database) -> int:
    return _count(database, EventRecord)


def _thread(database: Database, world: World, space: str = "public", who: str = "member", **extra: Any) -> Thread:
    with database.write() as session:
        thread, _post = forum.create_thread(
            session,
            **world.as_(who),  # type: ignore[arg-type]
            space=session.merge(world.spaces[space]),
            title=extra.pop("title", "Titel"),
            body=extra.pop("body", "<p>Erster Beitrag</p>"),
            language="de",
            mentions=extra.pop("mentions", []),
        )
        return thread


def _reply(database: Database, world: World, thread_id: int, who: str, **extra: Any) -> Post:
    with database.write() as session:
        return forum.create_post(
            session,
            **world.as_(who),  # type: ignore[arg-type]
            thread=session.get(Thread, thread_id),  # type: ignore[arg-type]
            body=extra.pop("body", "<p>Antwort</p>"),
            language=extra.pop("language", "en"),
            parent_id=extra.pop("parent_id", None),
            mentions=extra.pop("mentions", []),
        )


def _inbox(database: Database, world: World, who: str) -> list[Notification]:
    with database.read() as session:
        rows, _next = notifications.list_notifications(
            session, world.members[who].id, before=None, limit=100, unread_only=False
        )
        return rows


def _refused(database: Database, error: type[DomainError], fn: Any) -> DomainError:
    """Run `fn(session)` in a unit of work that must fail with `error` and change nothing."""
    before = (_events(database), _count(database, Post), _count(database, Notification))
    with pytest.raises(error) as caught, database.write() as session:
        fn(session)
    assert (_events(database), _count(database, Post), _count(database, Notification)) == before
    return caught.value


def test_script_in_a_post_is_removed_and_never_stored(database: Database, world: World) -> None:
    thread = _thread(
        database, world, body='<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:x">l</a>'
    )
    with database.read() as session:
        posts, _next = forum.list_posts(session, ANONYMOUS, thread, after=0, limit=10)
    assert posts[0].body is not None
    assert "script" not in posts[0].body and "onclick" not in posts[0].body and "javascript" not in posts[0].body
    assert "Hi" in posts[0].body


def test_bad_posts_are_refused_and_change_nothing(database: Database, world: World) -> None:
    thread = _thread(database, world)
    first = _reply(database, world, thread.id, "other")

    def reply(who: str, **kw: Any) -> Any:
        return lambda s: forum.create_post(
            s, **world.as_(who), thread=s.get(Thread, thread.id), body=kw.pop("body", "<p>x</p>"),
            language=kw.pop("language", "de"), parent_id=kw.pop("parent_id", None), mentions=kw.pop("mentions", []),
        )  # fmt: skip

    assert _refused(database, InvalidInput, reply("member", body="<script>alert(1)</script>")).details == {
        "body": ["the post has no text (after removing unsafe markup)"]
    }
    assert "body" in _refused(database, InvalidInput, reply("member", body="x" * 20_001)).details
    assert "language" in _refused(database, InvalidInput, reply("member", language="fr")).details
    assert "mentions" in _refused(database, InvalidInput, reply("member", mentions=[99999])).details
    other_thread = _thread(database, world)
    with database.read() as session:
        foreign = session.scalar(select(Post.id).where(Post.thread_id == other_thread.id))
    assert "parent_id" in _refused(database, InvalidInput, reply("member", parent_id=foreign)).details
    # a partner cannot write in a public national space it was not invited to
    _refused(database, PermissionDenied, reply("partner"))
    with database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=first.id, reason="spam")  # type: ignore[arg-type]
    details = _refused(database, InvalidInput, reply("member", parent_id=first.id)).details
    assert details == {"parent_id": [f"post {first.id} was hidden by the moderators"]}
    with database.write() as session:
        forum.set_locked(session, **world.as_("moderator"), thread_id=thread.id, locked=True)  # type: ignore[arg-type]
    assert _refused(database, Conflict, reply("member")).code == "thread_locked"


def test_mentioning_someone_who_cannot_read_the_space_is_refused(database: Database, world: World) -> None:
    def create(session: Any) -> Any:
        return forum.create_thread(
            session, **world.as_("member"), space=session.merge(world.spaces["members"]), title="t",
            body="<p>x</p>", language="de", mentions=[world.members["partner"].id],
        )  # fmt: skip

    assert _refused(database, InvalidInput, create).details == {
        "mentions": [f"member {world.members['partner'].id} cannot read this space"]
    }


def test_reactions_once_per_kind_and_edits_keep_history(database: Database, world: World) -> None:
    thread = _thread(database, world)
    post = _reply(database, world, thread.id, "other")
    with database.write() as session:
        forum.add_reaction(session, **world.as_("member"), post_id=post.id, kind="like")  # type: ignore[arg-type]
        forum.add_reaction(session, **world.as_("member"), post_id=post.id, kind="thanks")  # type: ignore[arg-type]
    again = _refused(
        database, Conflict, lambda s: forum.add_reaction(s, **world.as_("member"), post_id=post.id, kind="like")
    )
    assert again.code == "already_reacted"
    with database.write() as session:
        forum.edit_post(session, **world.as_("other"), post_id=post.id, body="<p>v2</p>")  # type: ignore[arg-type]
    with database.write() as session:
        forum.edit_post(session, **world.as_("other"), post_id=post.id, body="<p>v3</p>")  # type: ignore[arg-type]
    _refused(
        database,
        PermissionDenied,
        lambda s: forum.edit_post(s, **world.as_("member"), post_id=post.id, body="<p>mine now</p>"),
    )
    with database.read() as session:
        history = forum.post_revisions(session, world.caller("other"), post.id)
        view = forum.get_post(session, ANONYMOUS, post.id)
    assert [r.body for r in history] == ["<p>Antwort</p>", "<p>v2</p>"]
    assert view.body == "<p>v3</p>" and view.reactions == {"like": 1, "thanks": 1} and view.edited_at


def test_hidden_posts_disappear_from_reads(database: Database, world: World) -> None:
    thread = _thread(database, world)
    post = _reply(database, world, thread.id, "other")
    _refused(
        database, PermissionDenied, lambda s: forum.hide_post(s, **world.as_("member"), post_id=post.id, reason=None)
    )
    with database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason="abuse")  # type: ignore[arg-type]
    with database.read() as session:
        for reader in (ANONYMOUS, world.caller("other"), world.caller("member")):
            posts, _next = forum.list_posts(session, reader, thread, after=0, limit=10)
            assert post.id not in [p.id for p in posts]
            with pytest.raises(NotFound):
                forum.get_post(session, reader, post.id)
        # The moderators still see it, marked hidden, to decide whether to unhide it.
        posts, _next = forum.list_posts(session, world.caller("moderator"), thread, after=0, limit=10)
        assert [(p.state, p.body) for p in posts if p.id == post.id] == [("hidden", "<p>Antwort</p>")]
        assert forum.get_post(session, world.caller("moderator"), post.id).state == "hidden"
    _refused(database, NotFound, lambda s: forum.add_reaction(s, **world.as_("member"), post_id=post.id, kind="like"))


def test_notifications_mention_reply_follow_once_each_never_the_actor(database: Database, world: World) -> None:
    seen: list[Event] = []
    listener = on_commit(seen.extend)
    try:
        with database.write() as session:
            notifications.follow(session, world.caller("admin"), "space", "offen")
            notifications.follow(session, world.caller("partner"), "space", "offen")
        thread = _thread(database, world, who="member")  # member follows the thread by posting
        # Other is mentioned AND follows the space AND (later) the thread: still one notification.
        with database.write() as session:
            notifications.follow(session, world.caller("other"), "space", "offen")
            notifications.follow(session, world.caller("other"), "thread", str(thread.id))
        reply = _reply(database, world, thread.id, "editor", mentions=[world.members["other"].id])
    finally:
        remove_commit_listener(listener)
    kinds = {who: [n.kind for n in _inbox(database, world, who)] for who in ("member", "other", "admin", "editor")}
    assert kinds["other"] == ["mention"]  # one event, one notification, of the most specific kind
    assert kinds["member"] == ["reply"]  # thread author, replied to
    assert kinds["admin"] == ["space_post", "new_thread"]
    assert kinds["editor"] == []  # never the actor
    assert [n.kind for n in _inbox(database, world, "partner")] == ["space_post", "new_thread"]  # public: readable
    created = [e for e in seen if e.type == "notification.created"]
    assert {e.topic for e in created} >= {f"user.{world.members['other'].id}"}
    assert all(e.data["event_id"] for e in created)
    with database.read() as session:
        note = _inbox(database, world, "other")[0]
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
    _thread(database, world, space="network", who="member")
    assert _inbox(database, world, "partner") == []
    assert [n.kind for n in _inbox(database, world, "admin")] == ["new_thread"]


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
    thread = _thread(database, world, who="member")
    for n in range(3):
        _reply(database, world, thread.id, "other", body=f"<p>{n}</p>")
    member = world.members["member"].id
    notes = _inbox(database, world, "member")
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


def test_invitation_lifecycle_expired_and_reused(database: Database, world: World) -> None:
    with database.write() as session:
        network.add_country(session, world.caller("admin"), code="PL", name={"en": "Poland"})
        org = network.add_organisation(session, world.caller("admin"), name="Gdynia City Hall", country="PL")
        token, invitation = network.create_invitation(
            session, caller=world.caller("admin"), email="Kasia@Example.PL", organisation_id=org.id
        )
        old_token, old = network.create_invitation(
            session, caller=world.caller("admin"), email="late@example.pl", country="PL"
        )
        old.expires_at = utcnow() - timedelta(minutes=1)  # time passes
    with database.read() as session:
        stored = session.get(Invitation, invitation.id)
        assert stored is not None and token not in stored.token_hash and stored.country_code == "PL"
    with database.write() as session:
        member = network.accept_invitation(session, token=token, name="Kasia", password="long enough pw", language="en")
    assert member.role == "partner" and member.country == "PL" and member.email == "kasia@example.pl"
    with database.read() as session:
        assert policy.refusal(world.caller("partner"), "space.netz") is None
        from events import Caller

        partner = Caller(member.id, member.name, "partner")
        assert policy.refusal(partner, "space.netz") is None  # joined the network's spaces
        assert policy.refusal(partner, "space.intern") is not None  # not member-only national ones
        assert policy.refusal(partner, "space.offen") is None
        assert session.scalar(select(func.count()).select_from(Member)) == 7
    accept = {"name": "X", "password": "long enough pw", "language": "en"}
    assert _refused(database, Conflict, lambda s: network.accept_invitation(s, token=token, **accept)).code == (
        "invitation_used"
    )
    expired = _refused(database, Gone, lambda s: network.accept_invitation(s, token=old_token, **accept))
    assert expired.code == "invitation_expired"
    assert _refused(database, NotFound, lambda s: network.accept_invitation(s, token="inv_nope", **accept))
    with pytest.raises(Conflict), database.write() as session:
        network.create_invitation(session, caller=world.caller("admin"), email="kasia@example.pl")
