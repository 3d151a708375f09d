"""A small forum world for unit tests: members of every role and spaces of every visibility."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from events import Caller
from services.identity import Member, caller_of, create_member
from services.spaces import Space, add_membership, create_space

PASSWORD = "a-long-enough-password"


@dataclass
class World:
    """Who and where."""

    members: dict[str, Member]
    spaces: dict[str, Space]

    def caller(self, who: str) -> Caller:
        """The member `who` as a caller."""
        return caller_of(self.members[who])

    def as_(self, who: str) -> dict[str, object]:
        """The `caller` keyword argument of the forum commands."""
        return {"caller": self.caller(who)}


def build_world(session: Session) -> World:
    """Members admin, editor, moderator, member, other (a second member), partner; four spaces."""
    members = {}
    for who, role in (
        ("admin", "admin"),
        ("editor", "editor"),
        ("moderator", "moderator"),
        ("member", "member"),
        ("other", "member"),
        ("partner", "partner"),
    ):
        members[who] = create_member(
            session, email=f"{who}@example.org", name=who.title(), password=PASSWORD, role=role
        )
    admin = caller_of(members["admin"])
    spaces = {
        "public": create_space(
            session, admin, slug="offen", name={"de": "Offen"}, kind="platform", visibility="public"
        ),
        "members": create_space(
            session, admin, slug="intern", name={"de": "Intern"}, kind="working_group", visibility="members"
        ),
        "network": create_space(
            session, admin, slug="netz", name={"en": "Network"}, kind="network", visibility="invited"
        ),
        "closed": create_space(
            session, admin, slug="ag-zu", name={"de": "AG"}, kind="working_group", visibility="invited"
        ),
    }
    for who in ("member", "other", "partner", "moderator"):
        add_membership(session, admin, spaces["network"], members[who].id)
    return World(members, spaces)
