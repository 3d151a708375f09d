"""Event types of the international network.

`invitation.*` go to the inviting admin's own `user.<id>` topic (the contract's table);
`partner.joined` goes to `moderation` and to every space of the network, where the new
partner will be discussing.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from events.registry import registry
from services.fields import UtcTimestamp


class InvitationCreatedData(Schema):
    """`invitation.created`: an admin invited a partner contact."""

    invitation_id = fields.Integer(required=True, strict=True)
    email = fields.String(required=True)
    country = fields.String(required=True, allow_none=True)
    organisation_id = fields.Integer(required=True, strict=True, allow_none=True)
    expires_at = UtcTimestamp(required=True)


class InvitationAcceptedData(Schema):
    """`invitation.accepted`: the invited contact accepted and has an account now."""

    invitation_id = fields.Integer(required=True, strict=True)
    member_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True)


class PartnerJoinedData(Schema):
    """`partner.joined`: a partner contact joined the network and its spaces."""

    member_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True)
    country = fields.String(required=True, allow_none=True)
    organisation_id = fields.Integer(required=True, strict=True, allow_none=True)
    organisation = fields.String(required=True, allow_none=True)
    spaces = fields.List(fields.String(), required=True)


registry.event_type("invitation.created", InvitationCreatedData, "an admin invited a partner contact")
registry.event_type("invitation.accepted", InvitationAcceptedData, "an invitation was accepted")
registry.event_type("partner.joined", PartnerJoinedData, "a partner contact joined the network")
