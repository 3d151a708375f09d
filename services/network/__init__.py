"""International network: partner countries and organisations, contacts, invitations."""

from services.network import events  # noqa: F401  (registers event types)
from services.network.commands import (
    accept_invitation,
    add_country,
    add_organisation,
    create_invitation,
    list_contacts,
    list_countries,
    list_invitations,
    list_organisations,
    resend_invitation,
    revoke_invitation,
)
from services.network.models import Invitation, PartnerContact, PartnerCountry, PartnerOrganisation
from services.network.people import find_people, visible_people_ids
from services.network.privacy import export_network

__all__ = [
    "Invitation",
    "PartnerContact",
    "PartnerCountry",
    "PartnerOrganisation",
    "accept_invitation",
    "add_country",
    "add_organisation",
    "create_invitation",
    "export_network",
    "find_people",
    "list_contacts",
    "list_countries",
    "list_invitations",
    "list_organisations",
    "resend_invitation",
    "revoke_invitation",
    "visible_people_ids",
]
