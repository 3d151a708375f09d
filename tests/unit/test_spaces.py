"""Spaces through the public package API with the real database and bus: who reads which space,
membership removal and visibility changes as events, and admin-only refusals."""

from __future__ import annotations

import pytest

from events import ANONYMOUS, Database, Event
from services.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from services.spaces import (
    can_read,
    create_space,
    get_space,
    remove_membership,
    require_write,
    space_permissions,
    update_space,
)
from tests.support.world import World


@pytest.mark.parametrize(
    ("space", "who", "readable"),
    [
        ("public", None, True),
        ("public", "member", True),
        ("members", None, False),
        ("members", "member", True),
        ("closed", "member", False),
        ("network", "member", True),
        ("network", "editor", False),
    ],
)
def test_visibility_decides_who_may_read(
    database: Database, world: World, space: str, who: str | None, readable: bool
) -> None:
    caller = ANONYMOUS if who is None else world.caller(who)
    with database.read() as session:
        assert can_read(session, caller, get_space(session, world.spaces[space].slug)) is readable


def test_removing_a_member_publishes_the_event_and_ends_access(
    database: Database, world: World, published: list[Event]
) -> None:
    member = world.members["member"]
    with database.write() as session:
        space = get_space(session, "netz")
        remove_membership(session, world.caller("admin"), space, member.id)
    removed = [e for e in published if e.type == "space.member_removed"]
    assert len(removed) == 1 and removed[0].data["member_id"] == member.id
    with database.read() as session:
        assert not can_read(session, world.caller("member"), get_space(session, "netz"))
        with pytest.raises(NotFound):
            remove_membership(session, world.caller("admin"), get_space(session, "netz"), member.id)


def test_a_visibility_change_is_published_and_applies(database: Database, world: World, published: list[Event]) -> None:
    with database.write() as session:
        update_space(session, world.caller("admin"), get_space(session, "intern"), visibility="public")
    changed = [e for e in published if e.type == "space.visibility_changed"]
    assert [(e.data["visibility"], e.data["previous_visibility"]) for e in changed] == [("public", "members")]
    with database.read() as session:
        assert can_read(session, ANONYMOUS, get_space(session, "intern"))


def test_an_unknown_visibility_is_refused(database: Database, world: World) -> None:
    with database.write() as session, pytest.raises(InvalidInput):
        update_space(session, world.caller("admin"), get_space(session, "intern"), visibility="secret")


@pytest.mark.parametrize("who", ["editor", "moderator", "member"])
def test_only_admins_change_spaces(database: Database, world: World, who: str) -> None:
    caller = world.caller(who)
    with database.write() as session:
        space = get_space(session, "netz")
        with pytest.raises(PermissionDenied):
            update_space(session, caller, space, visibility="public")
        with pytest.raises(PermissionDenied):
            remove_membership(session, caller, space, world.members["other"].id)
        with pytest.raises(PermissionDenied):
            create_space(session, caller, slug="neu", name={"de": "Neu"}, kind="working_group", visibility="public")


def test_the_permissions_a_space_reports_are_the_rule_that_refuses_the_write(database: Database, world: World) -> None:
    """`space_permissions` says `can_post` exactly where `require_write` lets the caller post (every role,
    anonymous, every visibility), so a page that follows it never offers a form the API refuses."""
    callers = {who: world.caller(who) for who in world.members} | {"anonymous": ANONYMOUS}
    with database.read() as session:
        for who, caller in callers.items():
            for where, space in world.spaces.items():
                space = session.merge(space)
                said = space_permissions(session, caller, space)
                try:
                    require_write(session, caller, space)
                    allowed = True
                except (AuthenticationFailed, PermissionDenied, NotFound):
                    allowed = False
                assert said.can_post is allowed and said.can_react is allowed, (who, where)
                assert (said.reason is None) is allowed, (who, where, said)
        partner, public = callers["partner"], session.merge(world.spaces["public"])
        assert space_permissions(session, partner, public).reason == "partners_invited_only"
