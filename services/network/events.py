"""Event types of the international network.

`invitation.*` go to the inviting admin's own `user.<id>` topic (the contract's table);
`partner.joined` goes to `moderation` and to every space of the network, where the new
partner will be discussing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from events import Constraints, EventData, event_type
from services.identity import ROLES


@event_type("invitation.created", topics=("user.<id>",))
class InvitationCreated(EventData):
    """An admin invited someone into a role (on the inviting admin's topic): the member.invited of the platform."""

    invitation_id: int
    email: str
    role: Annotated[str, Constraints(enum=list(ROLES))]
    country: str | None
    organisation_id: int | None
    expires_at: datetime


@event_type("invitation.accepted", topics=("user.<id>",))
class InvitationAccepted(EventData):
    """An invitation was accepted: the invited contact has an account now."""

    invitation_id: int
    member_id: int
    name: str


@event_type("partner.joined", topics=("moderation", "space.<slug>"))
class PartnerJoined(EventData):
    """A partner contact joined the network and its spaces (`moderation` hears of all, a space's topic of that one)."""

    member_id: int
    name: str
    country: str | None
    organisation_id: int | None
    organisation: str | None
    spaces: tuple[str, ...]


@event_type("invitation.resent", topics=("user.<id>",))
class InvitationResent(EventData):
    """An admin mailed an open invitation again, with a new link and expiry (the old link stops working)."""

    invitation_id: int
    email: str
    expires_at: datetime


@event_type("invitation.revoked", topics=("user.<id>",))
class InvitationRevoked(EventData):
    """An admin revoked an open invitation: its link no longer works."""

    invitation_id: int
    email: str


@event_type("member.joined", topics=("moderation",))
class MemberJoined(EventData):
    """Someone accepted an invitation into a national role (partners have `partner.joined`)."""

    member_id: int
    name: str
    handle: str
    role: Annotated[str, Constraints(enum=list(ROLES))]
