"""International network API: partner countries and organisations, invitations, accepting them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog import ratelimit
from dialog.api.identity import MemberOut, TokenOut
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, members, roles
from dialog.pagination import PageArgs, list_page, page_schema
from dialog.schemas import Id
from services.fields import LANGUAGES, UtcTimestamp, localized_text
from services.identity import ADMIN, MIN_PASSWORD_LENGTH, ROLES, grant_token, new_password
from services.network import (
    Invitation,
    PartnerCountry,
    PartnerOrganisation,
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

blp = Blueprint("network", __name__, url_prefix="/api/v1/network", description="The international network")


class CountryIn(Schema):
    """A partner country."""

    code = fields.String(required=True, validate=validate.Length(equal=2))
    name = localized_text(required=True, max_length=100)


class CountryOut(CountryIn):
    """A partner country."""

    created_at = UtcTimestamp()


class OrganisationIn(Schema):
    """An organisation in a partner country."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(required=True, validate=validate.Length(equal=2))
    website = fields.URL(load_default=None, allow_none=True, validate=validate.Length(max=300))


class OrganisationOut(Schema):
    """An organisation."""

    id = fields.Integer()
    name = fields.String()
    country = fields.String(attribute="country_code")
    website = fields.String(allow_none=True)


class ContactOut(Schema):
    """A partner contact of an organisation."""

    member_id = fields.Integer()
    name = fields.String()
    country = fields.String(allow_none=True)
    joined_at = UtcTimestamp()


class InvitationIn(Schema):
    """Whom to invite, into which role; a partner needs a country or an organisation."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(load_default="partner", validate=validate.OneOf(ROLES))
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=2))
    organisation_id = Id(load_default=None, allow_none=True, strict=True)
    language = fields.String(
        load_default="de", validate=validate.OneOf(LANGUAGES), metadata={"description": "of the invitation mail"}
    )


class InvitationOut(Schema):
    """An invitation (never its token, except once in the answer that creates it)."""

    id = fields.Integer()
    email = fields.String()
    role = fields.String()
    language = fields.String()
    country = fields.String(attribute="country_code", allow_none=True)
    organisation_id = fields.Integer(allow_none=True)
    created_at = UtcTimestamp()
    expires_at = UtcTimestamp()
    accepted_at = UtcTimestamp(allow_none=True)
    revoked_at = UtcTimestamp(allow_none=True)
    member_id = fields.Integer(allow_none=True)


class InvitationCreated(InvitationOut):
    """A new invitation with its token: send it to the contact; it is not shown again."""

    token = fields.String()


class AcceptIn(Schema):
    """Accepting an invitation: the token from the email, and the new account's details."""

    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=200))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    handle = fields.String(
        load_default=None, validate=validate.Length(max=31), metadata={"description": "default: from the name"}
    )


class Accepted(TokenOut):
    """The new partner account and a bearer token to start with."""

    token = fields.String()
    member = fields.Nested(MemberOut)


@blp.route("/countries")
class Countries(MethodView):
    """Partner countries."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(CountryOut))
    @members()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The partner countries (members and partners)."""
        with db.read() as session:
            return list_page(list_countries(session, current_caller()), args)

    @blp.arguments(CountryIn)
    @blp.response(201, CountryOut)
    @roles(ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any]) -> PartnerCountry:
        """Add a partner country (admins)."""
        with db.write() as session:
            return add_country(session, current_caller(), **body)


@blp.route("/organisations")
class Organisations(MethodView):
    """Partner organisations."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(OrganisationOut))
    @members()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The partner organisations (members and partners)."""
        with db.read() as session:
            return list_page(list_organisations(session, current_caller()), args)

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationOut)
    @roles(ADMIN)
    def post(self, body: dict[str, Any]) -> PartnerOrganisation:
        """Add an organisation in a partner country (admins)."""
        with db.write() as session:
            return add_organisation(session, current_caller(), **body)


@blp.route("/organisations/<int:organisation_id>/contacts")
class Contacts(MethodView):
    """Contacts of an organisation."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ContactOut))
    @members()
    def get(self, args: dict[str, Any], organisation_id: int) -> dict[str, Any]:
        """Who speaks for the organisation, active accounts only (members and partners)."""
        with db.read() as session:
            contacts = [
                {"member_id": m.id, "name": m.name, "country": c.country_code, "joined_at": c.joined_at}
                for c, m in list_contacts(session, current_caller(), organisation_id)
            ]
            return list_page(contacts, args)


def invitation_ttl() -> timedelta:
    """How long an invitation link works, from the settings."""
    return timedelta(hours=current_app.config["INVITATION_TTL_HOURS"])


def created(token: str, invitation: Invitation) -> dict[str, Any]:
    """The answer to a new or re-sent invitation: its record and, once, its token."""
    # The response schema dumps it: hand it the record's attributes, not an already dumped dict.
    fields_ = ("id", "email", "role", "language", "country_code", "organisation_id", "created_at", "expires_at")
    ends = ("accepted_at", "revoked_at", "member_id")
    return {**{name: getattr(invitation, name) for name in fields_ + ends}, "token": token}


def accepted(body: dict[str, Any]) -> dict[str, Any]:
    """Accept an invitation and log the new member in."""
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    password = new_password(body.pop("password"))  # argon2 before the write lock, not under it
    with db.write() as session:
        member = accept_invitation(session, password=password, **body)
        token, record = grant_token(session, member_id=member.id, ttl=ttl)
        return {**TokenOut().dump(record), "token": token, "member": member}


@blp.route("/invitations")
class Invitations(MethodView):
    """Invitations of partner contacts (the same invitations as /api/v1/invitations)."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(InvitationOut))
    @roles(ADMIN)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every invitation, newest first (admins)."""
        with db.read() as session:
            return list_page(list_invitations(session, current_caller()), args)

    @blp.arguments(InvitationIn)
    @blp.response(201, InvitationCreated)
    @roles(ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Invite by email (admins; a partner by default); the link is mailed and the token returned once."""
        with db.write() as session:
            return created(*create_invitation(session, caller=current_caller(), ttl=invitation_ttl(), **body))


@blp.route("/invitations/accept")
class Accept(MethodView):
    """Accepting an invitation."""

    @ratelimit.accept_invitation
    @blp.arguments(AcceptIn)
    @blp.response(201, Accepted)
    @anyone()
    @errors(404, 409, 410, 429)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Accept with the token: set name, password, language (and handle); you are logged in."""
        return accepted(body)


invitations = Blueprint(
    "invitations", __name__, url_prefix="/api/v1/invitations", description="Invitations into any role"
)


@invitations.route("")
class AnyInvitations(MethodView):
    """Invitations into any role."""

    @invitations.arguments(PageArgs, location="query")
    @invitations.response(200, page_schema(InvitationOut))
    @roles(ADMIN)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every invitation, newest first (admins)."""
        with db.read() as session:
            return list_page(list_invitations(session, current_caller()), args)

    @invitations.arguments(InvitationIn)
    @invitations.response(201, InvitationCreated)
    @roles(ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Invite by email into a role (admins); the link is mailed, and the token returned once for now."""
        with db.write() as session:
            return created(*create_invitation(session, caller=current_caller(), ttl=invitation_ttl(), **body))


@invitations.route("/<int:invitation_id>")
class OneInvitation(MethodView):
    """One invitation."""

    @invitations.response(200, InvitationOut)
    @roles(ADMIN)
    @errors(409)
    def delete(self, invitation_id: int) -> Invitation:
        """Revoke an open invitation (admins): its link stops working."""
        with db.write() as session:
            return revoke_invitation(session, current_caller(), invitation_id)


@invitations.route("/<int:invitation_id>/resend")
class Resend(MethodView):
    """Sending an invitation again."""

    @invitations.response(200, InvitationCreated)
    @roles(ADMIN)
    @errors(409)
    def post(self, invitation_id: int) -> dict[str, Any]:
        """Mail an open invitation again with a new link and expiry (admins); the old link stops working."""
        with db.write() as session:
            return created(*resend_invitation(session, current_caller(), invitation_id, ttl=invitation_ttl()))


@invitations.route("/accept")
class AcceptAny(MethodView):
    """Accepting an invitation."""

    @ratelimit.accept_invitation
    @invitations.arguments(AcceptIn)
    @invitations.response(201, Accepted)
    @anyone()
    @errors(404, 409, 410, 429)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Accept with the token: set name, password, language (and handle); you are logged in."""
        return accepted(body)
