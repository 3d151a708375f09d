"""Data rights in the network: the invitations a member sent and accepted exported, and erased.

On `member.erased` the invitations to the member's address lose it (and their events their
`email` and `name`), `member.joined` / `partner.joined` are redacted, and the partner contact
record goes. Invitations the member sent as an admin are the invitees' data and stay; their
mails not yet sent name the inviter as "Former member".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from events import Caller, Event, isoformat_z, redact
from events.registry import registry
from services.identity import FORMER_MEMBER, erased_profile, require_self_or_admin
from services.mail import replace_param
from services.network.models import Invitation, PartnerContact

INVITATION_EVENTS = ("invitation.created", "invitation.resent", "invitation.revoked", "invitation.accepted")


def _invitation(invitation: Invitation) -> dict[str, Any]:
    def time(moment: Any) -> str | None:
        return isoformat_z(moment) if moment is not None else None

    return {
        "id": invitation.id,
        "email": invitation.email,
        "role": invitation.role,
        "country": invitation.country_code,
        "organisation_id": invitation.organisation_id,
        "invited_by": invitation.invited_by,
        "created_at": time(invitation.created_at),
        "expires_at": time(invitation.expires_at),
        "accepted_at": time(invitation.accepted_at),
        "revoked_at": time(invitation.revoked_at),
    }


def export_network(session: Session, caller: Caller, member_id: int) -> dict[str, Any]:
    """The network's part of a member's data export: invitations sent and accepted, the partner contact record."""
    require_self_or_admin(caller, member_id)
    sent = session.scalars(select(Invitation).where(Invitation.invited_by == member_id).order_by(Invitation.id))
    accepted = session.scalar(select(Invitation).where(Invitation.member_id == member_id))
    contact = session.get(PartnerContact, member_id)
    return {
        "invitations": {
            "sent": [_invitation(i) for i in sent],
            "accepted": _invitation(accepted) if accepted else None,
        },
        "partner_contact": None
        if contact is None
        else {
            "organisation_id": contact.organisation_id,
            "country": contact.country_code,
            "joined_at": isoformat_z(contact.joined_at),
        },
    }


@registry.handler("member.erased")
def on_member_erased(session: Session, event: Event) -> None:
    """The invitations to the erased member's address forget it; their joining events are redacted."""
    member_id: int = event.data["member_id"]
    former = erased_profile(session, member_id)
    theirs = [Invitation.member_id == member_id]
    if former is not None:
        theirs.append(Invitation.email == former.email)
    invitations = list(session.scalars(select(Invitation).where(or_(*theirs))))
    for invitation in invitations:
        invitation.email = ""
    if invitations:
        redact(session, INVITATION_EVENTS, "invitation_id", [i.id for i in invitations])
    redact(session, ("member.joined", "partner.joined"), "member_id", member_id)
    if former is not None:  # invitation mails the member sent that have not gone out yet name them
        replace_param(session, kind="invitation", key="inviter", old=former.name, new=FORMER_MEMBER)
    session.execute(delete(PartnerContact).where(PartnerContact.member_id == member_id))
