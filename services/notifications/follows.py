"""Follows: what a member wants to hear about."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Caller, utcnow
from services.calls import get_call
from services.errors import AuthenticationFailed, NotFound
from services.forum import get_thread
from services.notifications.models import FOLLOW_KINDS, Follow
from services.projects import project_exists
from services.spaces import get_space, require_read


def _check_target(session: Session, caller: Caller, kind: str, key: str) -> str:
    # Following names a thing: one that does not exist (or the caller may not see) is NotFound.
    if kind not in FOLLOW_KINDS:
        raise NotFound(f"nothing to follow as {kind!r}: a {', '.join(FOLLOW_KINDS)} can be followed")
    if kind == "space":
        require_read(session, caller, get_space(session, key))
        return key
    if not (key.isascii() and key.isdigit()) or int(key) <= 0 or len(key) > 18:
        raise NotFound(f"no {kind} {key!r}: a {kind} is followed by its numeric id")
    if kind == "thread":
        get_thread(session, caller, int(key))
    elif kind == "call":
        get_call(session, caller, int(key))  # a draft only for those who may see drafts
    elif kind == "project" and not project_exists(session, int(key)):
        raise NotFound(f"no project {key}")
    return str(int(key))


def follow(session: Session, caller: Caller, kind: str, key: str) -> tuple[Follow, bool]:
    """Follow something (idempotent); returns the follow and whether it is new."""
    if caller.id is None:
        raise AuthenticationFailed("log in to follow", code="login_required")
    key = _check_target(session, caller, kind, key)
    existing = session.scalar(
        select(Follow).where(Follow.member_id == caller.id, Follow.kind == kind, Follow.key == key)
    )
    if existing is not None:
        return existing, False
    record = Follow(member_id=caller.id, kind=kind, key=key, created_at=utcnow())
    session.add(record)
    session.flush()
    return record, True


def ensure_following(session: Session, member_id: int, kind: str, key: str) -> None:
    """Follow without permission checks (the member just posted there)."""
    exists = session.scalar(
        select(Follow.id).where(Follow.member_id == member_id, Follow.kind == kind, Follow.key == key)
    )
    if exists is None:
        session.add(Follow(member_id=member_id, kind=kind, key=key, created_at=utcnow()))
        session.flush()


def unfollow(session: Session, member_id: int, kind: str, key: str) -> None:
    """Stop following."""
    if kind not in FOLLOW_KINDS:
        raise NotFound(f"nothing to follow as {kind!r}: a {', '.join(FOLLOW_KINDS)} can be followed")
    record = session.scalar(select(Follow).where(Follow.member_id == member_id, Follow.kind == kind, Follow.key == key))
    if record is None:
        raise NotFound(f"you do not follow {kind} {key}")
    session.delete(record)


def list_follows(session: Session, member_id: int) -> list[Follow]:
    """What a member follows, oldest first."""
    return list(session.scalars(select(Follow).where(Follow.member_id == member_id).order_by(Follow.id)))


def followers(session: Session, kind: str, key: str) -> list[int]:
    """Ids of the members following `kind` `key`."""
    return list(session.scalars(select(Follow.member_id).where(Follow.kind == kind, Follow.key == key)))
