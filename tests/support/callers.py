"""Callers for unit tests: real members of a role (events need real authors: foreign keys are on)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Caller
from services.identity import Member, caller_of, create_member


def staff(session: Session, role: str = "editor") -> Caller:
    """A member with `role` (created once per database) as a caller."""
    email = f"{role}@staff.example"
    member = session.scalar(select(Member).where(Member.email == email))
    if member is None:
        member = create_member(session, email=email, name=role.title(), password="a-long-enough-password", role=role)
    return caller_of(member)
