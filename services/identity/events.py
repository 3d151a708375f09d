"""Event types of identity: access changes every live connection must follow at once.

Each is marked `access_change`: every web process's relay re-checks the open subscriptions the
change affects before it delivers anything published after it (see events.relay).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from sqlalchemy.orm import Session

from events import Caller, Constraints, EventData, described, event_type, publish
from services.identity.roles import ROLES

if TYPE_CHECKING:
    from services.identity.models import Member

Role = Annotated[str, Constraints(enum=list(ROLES))]
USER_TOPIC = ("user.<id>",)


def user_topic(member_id: int) -> str:
    """A member's own topic."""
    return f"user.{member_id}"


@event_type("member.role_changed", topics=USER_TOPIC, access_change=True)
class MemberRoleChanged(EventData):
    """An admin gave a member another role."""

    member_id: int
    role: Role
    previous_role: Role


@event_type("member.deactivated", topics=USER_TOPIC, access_change=True)
class MemberDeactivated(EventData):
    """An admin deactivated an account; its sessions end at once."""

    member_id: int


@event_type("member.reactivated", topics=USER_TOPIC)
class MemberReactivated(EventData):
    """An admin reactivated an account (it logs in again)."""

    member_id: int


@event_type("token.revoked", topics=USER_TOPIC, access_change=True)
class TokenRevoked(EventData):
    """A bearer token was revoked; connections opened with it end at once."""

    member_id: int
    token_id: int


@event_type("member.updated", topics=USER_TOPIC)
class MemberUpdated(EventData):
    """A member changed their profile (name, handle, language, ...); `changed` names the fields."""

    member_id: int
    changed: tuple[str, ...]
    name: str
    handle: str
    language: Annotated[str, Constraints(enum=["de", "en"])]


def publish_member_updated(session: Session, member: Member, changed: Sequence[str], actor: Caller) -> None:
    """Publish `member.updated` for `changed` fields of `member` (as it stands now) on their own topic."""
    publish(
        session,
        MemberUpdated(
            member_id=member.id,
            changed=tuple(changed),
            name=member.name,
            handle=member.handle,
            language=member.language,
        ),
        topic=user_topic(member.id),
        actor=actor,
    )


@event_type("member.password_changed", topics=USER_TOPIC)
class PasswordChanged(EventData):
    """A member's password was changed or reset; `revoked_tokens` are the sessions it ended."""

    member_id: int
    via_reset: bool
    revoked_tokens: tuple[int, ...]


@event_type("member.erased", topics=(*USER_TOPIC, "moderation"), access_change=True, withdraws=True)
class MemberErased(EventData):
    """A member's personal data was erased (DSGVO Art. 17), by their own request or an admin's.

    Carries no personal data: the account is a "Former member" tombstone from now on, its
    sessions end at once, and every service removes what it holds about the member in the same
    transaction. `posts` is the member's choice: `erase` (their posts become tombstones without
    text) or `keep` (their posts stay, attributed to "Former member").
    """

    member_id: int
    posts: Literal["erase", "keep"]
    by_admin: bool = described("true if an admin erased the account on request")
    reason: str | None = described("the admin's reason (names the request, never the person); null for the member")
    erased_at: datetime
