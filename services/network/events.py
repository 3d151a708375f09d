"""Event types of the international network.

`invitation.*` go to the inviting admin's own `user.<id>` topic (the contract's table);
`partner.joined` goes to `moderation` and to every space of the network, where the new
partner will be discussing.
"""

from __future__ import annotations

from datetime import datetime

from events import EventData, event_type


@event_type("invitation.created", topics=("user.<id>",))
class InvitationCreated(EventData):
    """An admin invited a partner contact (on the inviting admin's topic)."""

    invitation_id: int
    email: str
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
    """A partner contact joined the network and its spaces."""

    member_id: int
    name: str
    country: str | None
    organisation_id: int | None
    organisation: str | None
    spaces: tuple[str, ...]
