"""Forum service: threads, posts, reactions, edits and hiding, with the real bus and a real SQLite database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from events import ANONYMOUS, Database
from services import forum
from services.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from services.forum import Post, Thread
from services.forum.access import require_moderator
from services.identity import require_login
from tests.support.forum import open_thread, post_reply, refused
from tests.support.world import World


def test_script_in_a_post_is_removed_and_never_stored(database: Database, world: World) -> None:
    thread = open_thread(
        database, world, body='<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:x">l</a>'
    )
    with database.read() as session:
        posts, _next = forum.list_posts(session, ANONYMOUS, thread, after=0, limit=10)
    assert posts[0].body is not None
    assert "script" not in posts[0].body and "onclick" not in posts[0].body and "javascript" not in posts[0].body
    assert "Hi" in posts[0].body


def test_bad_posts_are_refused_and_change_nothing(database: Database, world: World) -> None:
    thread = open_thread(database, world)
    first = post_reply(database, world, thread.id, "other")

    def reply(who: str, **kw: Any) -> Any:
        return lambda s: forum.create_post(
            s, **world.as_(who), thread=s.get(Thread, thread.id), body=kw.pop("body", "<p>x</p>"),
            language=kw.pop("language", "de"), parent_id=kw.pop("parent_id", None), mentions=kw.pop("mentions", []),
        )  # fmt: skip

    assert refused(database, InvalidInput, reply("member", body="<script>alert(1)</script>")).details == {
        "body": ["the post has no text (after removing unsafe markup)"]
    }
    assert "body" in refused(database, InvalidInput, reply("member", body="x" * 20_001)).details
    assert "language" in refused(database, InvalidInput, reply("member", language="fr")).details
    assert "mentions" in refused(database, InvalidInput, reply("member", mentions=[99999])).details
    other_thread = open_thread(database, world)
    with database.read() as session:
        foreign = session.scalar(select(Post.id).where(Post.thread_id == other_thread.id))
    assert "parent_id" in refused(database, InvalidInput, reply("member", parent_id=foreign)).details
    # a partner cannot write in a public national space it was not invited to
    refused(database, PermissionDenied, reply("partner"))
    with database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=first.id, reason="spam")  # type: ignore[arg-type]
    details = refused(database, InvalidInput, reply("member", parent_id=first.id)).details
    assert details == {"parent_id": [f"post {first.id} was hidden by the moderators"]}
    with database.write() as session:
        forum.set_locked(session, **world.as_("moderator"), thread_id=thread.id, locked=True)  # type: ignore[arg-type]
    assert refused(database, Conflict, reply("member")).code == "thread_locked"


def test_mentioning_someone_who_cannot_read_the_space_isrefused(database: Database, world: World) -> None:
    def create(session: Any) -> Any:
        return forum.create_thread(
            session, **world.as_("member"), space=session.merge(world.spaces["members"]), title="t",
            body="<p>x</p>", language="de", mentions=[world.members["partner"].id],
        )  # fmt: skip

    assert refused(database, InvalidInput, create).details == {
        "mentions": [f"member {world.members['partner'].id} cannot read this space"]
    }


def test_reactions_once_per_kind_and_edits_keep_history(database: Database, world: World) -> None:
    thread = open_thread(database, world)
    post = post_reply(database, world, thread.id, "other")
    with database.write() as session:
        forum.add_reaction(session, **world.as_("member"), post_id=post.id, kind="like")  # type: ignore[arg-type]
        forum.add_reaction(session, **world.as_("member"), post_id=post.id, kind="thanks")  # type: ignore[arg-type]
    again = refused(
        database, Conflict, lambda s: forum.add_reaction(s, **world.as_("member"), post_id=post.id, kind="like")
    )
    assert again.code == "already_reacted"
    with database.write() as session:
        forum.edit_post(session, **world.as_("other"), post_id=post.id, body="<p>v2</p>")  # type: ignore[arg-type]
    with database.write() as session:
        forum.edit_post(session, **world.as_("other"), post_id=post.id, body="<p>v3</p>")  # type: ignore[arg-type]
    refused(
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
    thread = open_thread(database, world)
    post = post_reply(database, world, thread.id, "other")
    refused(
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
    refused(database, NotFound, lambda s: forum.add_reaction(s, **world.as_("member"), post_id=post.id, kind="like"))


def test_moderation_is_refused_like_every_other_role_check(database: Database, world: World) -> None:
    """Anonymous: identity's 401; a member: 403; forum keeps no 401/403 steps of its own."""
    with database.read() as session, pytest.raises(AuthenticationFailed) as anonymous:
        require_moderator(session, ANONYMOUS)
    with pytest.raises(AuthenticationFailed) as login:
        require_login(ANONYMOUS)
    assert (anonymous.value.code, anonymous.value.message) == (login.value.code, login.value.message)
    with database.read() as session:
        with pytest.raises(PermissionDenied, match="^moderators and admins only$"):
            require_moderator(session, world.caller("member"), session.merge(world.spaces["public"]))
        for who in ("moderator", "admin"):
            require_moderator(session, world.caller(who), session.merge(world.spaces["public"]))
