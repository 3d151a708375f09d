"""A small forum world for unit tests: members of every role and spaces of every visibility."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from events import Actor, Principal
from services.identity import Member, create_member
from services.spaces import Space, add_membership, create_space

PASSWORD = "a-long-enough-password"


@dataclass
class World:
    """Who and where."""

    members: dict[str, Member]
    spaces: dict[str, Space]

    def actor(self, who: str) -> Actor:
        """The member `who` as an actor."""
        member = self.members[who]
        return Actor(member.id, member.name)

    def principal(self, who: str) -> Principal:
        """The member `who` as a principal."""
        member = self.members[who]
        return Principal(member.id, member.role)

    def as_(self, who: str) -> dict[str, object]:
        """`actor` and `role` keyword arguments of the forum commands."""
        return {"actor": self.actor(who), "role": self.members[who].role}


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
    spaces = {
        "public": create_space(session, slug="offen", name={"de": "Offen"}, kind="platform", visibility="public"),
        "members": create_space(
            session, slug="intern", name={"de": "Intern"}, kind="working_group", visibility="members"
        ),
        "network": create_space(session, slug="netz", name={"en": "Network"}, kind="network", visibility="invited"),
        "closed": create_space(session, slug="ag-zu", name={"de": "AG"}, kind="working_group", visibility="invited"),
    }
    for who in ("member", "other", "partner", "moderator"):
        add_membership(session, spaces["network"], members[who].id)
    return World(members, spaces)
