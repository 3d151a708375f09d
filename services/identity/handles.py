"""Handles: how members are found and @mentioned (`anna.schmidt`), unique and changeable."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.errors import Conflict, InvalidInput
from services.identity.models import Member

HANDLE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{1,28}[a-z0-9])$")
# `@handle` in text, not inside an email address or a longer word.
MENTION = re.compile(r"(?<![\w.@/])@([a-z0-9][a-z0-9._-]{0,28}[a-z0-9])(?![\w-])", re.IGNORECASE)
_SPELLED = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))


def derive_handle(name: str) -> str:
    """`Anna Schmidt` -> `anna.schmidt` (umlauts spelled out, accents dropped), or '' for no usable letters."""
    text = name.lower()
    for umlaut, spelled in _SPELLED:
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", text).strip(".")[:30].strip(".")


def _taken(session: Session, handle: str, exclude: int | None = None) -> bool:
    query = select(Member.id).where(func.lower(Member.handle) == handle)
    if exclude is not None:
        query = query.where(Member.id != exclude)
    return session.scalar(query) is not None


def free_handle(session: Session, name: str) -> str:
    """A handle derived from `name` that nobody holds (`anna.schmidt`, then `anna.schmidt2`, ...)."""
    base = derive_handle(name)
    if len(base) < 3:
        base = (base + ".member").strip(".")
    candidate, number = base, 1
    while _taken(session, candidate):
        number += 1
        candidate = f"{base[: 30 - len(str(number))]}{number}"
    return candidate


def check_handle(session: Session, handle: str, member_id: int | None = None) -> str:
    """`handle` normalised, if well-formed and not held by another member (422 / 409 otherwise)."""
    handle = handle.strip().lstrip("@").lower()
    if not HANDLE.match(handle):
        raise InvalidInput("handle", "3 to 30 of a-z, 0-9, '.', '_', '-', starting and ending with a letter or digit")
    if _taken(session, handle, exclude=member_id):
        raise Conflict(f"the handle {handle} is taken", details={"handle": ["already taken"]})
    return handle


def mentioned_handles(text: str) -> list[str]:
    """The distinct `@handle`s in `text`, lowercased, in order of appearance."""
    return list(dict.fromkeys(m.lower() for m in MENTION.findall(text)))


def members_by_handle(session: Session, handles: list[str]) -> dict[str, int]:
    """handle -> member id for the active members holding one of `handles`."""
    if not handles:
        return {}
    rows = session.execute(select(Member.handle, Member.id).where(Member.handle.in_(handles), Member.active.is_(True)))
    return {handle: member_id for handle, member_id in rows}
