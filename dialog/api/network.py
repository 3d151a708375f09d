"""International network API: partner countries and organisations, invitations, accepting them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog import ratelimit
from dialog.api.identity import MemberOut, TokenOut
from dialog.auth import current_caller
from dialog.extensions import db
from services.fields import LANGUAGES, UtcTimestamp, localized_text
from services.identity import MIN_PASSWORD_LENGTH, grant_token, new_password
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
    """Whom to invite."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=2))
    organisation_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class InvitationOut(Schema):
    """An invitation (never its token, except once in the answer that creates it)."""

    id = fields.Integer()
    email = fields.String()
    country = fields.String(attribute="country_code", allow_none=True)
    organisation_id = fields.Integer(allow_none=True)
    created_at = UtcTimestamp()
    expires_at = UtcTimestamp()
    accepted_at = UtcTimestamp(allow_none=True)
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


class Accepted(TokenOut):
    """The new partner account and a bearer token to start with."""

    token = fields.String()
    member = fields.Nested(MemberOut)


@blp.route("/countries")
class Countries(MethodView):
    """Partner countries."""

    @blp.response(200, CountryOut(many=True))
    def get(self) -> list[PartnerCountry]:
        """The partner countries (members and partners)."""
        with db.read() as session:
            return list_countries(session, current_caller())

    @blp.arguments(CountryIn)
    @blp.response(201, CountryOut)
    def post(self, body: dict[str, Any]) -> PartnerCountry:
        """Add a partner country (admins)."""
        with db.write() as session:
            return add_country(session, current_caller(), **body)


@blp.route("/organisations")
class Organisations(MethodView):
    """Partner organisations."""

    @blp.response(200, OrganisationOut(many=True))
    def get(self) -> list[PartnerOrganisation]:
        """The partner organisations (members and partners)."""
        with db.read() as session:
            return list_organisations(session, current_caller())

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationOut)
    def post(self, body: dict[str, Any]) -> PartnerOrganisation:
        """Add an organisation in a partner country (admins)."""
        with db.write() as session:
            return add_organisation(session, current_caller(), **body)


@blp.route("/organisations/<int:organisation_id>/contacts")
class Contacts(MethodView):
    """Contacts of an organisation."""

    @blp.response(200, ContactOut(many=True))
    def get(self, organisation_id: int) -> list[dict[str, Any]]:
        """Who speaks for the organisation (members and partners)."""
        with db.read() as session:
            return [
                {"member_id": m.id, "name": m.name, "country": c.country_code, "joined_at": c.joined_at}
                for c, m in list_contacts(session, current_caller(), organisation_id)
            ]


@blp.route("/invitations")
class Invitations(MethodView):
    """Invitations of partner contacts."""

    @blp.response(200, InvitationOut(many=True))
    def get(self) -> list[Invitation]:
        """Every invitation, newest first (admins)."""
        with db.read() as session:
            return list_invitations(session, current_caller())

    @blp.arguments(InvitationIn)
    @blp.response(201, InvitationCreated)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Invite a partner contact by email (admins); the token is returned once, to be sent on."""
        ttl = timedelta(hours=current_app.config["INVITATION_TTL_HOURS"])
        with db.write() as session:
            token, invitation = create_invitation(session, caller=current_caller(), ttl=ttl, **body)
            columns = ("id", "email", "country_code", "organisation_id", "created_at", "expires_at", "accepted_at")
            return {**{name: getattr(invitation, name) for name in columns}, "member_id": None, "token": token}


@blp.route("/invitations/accept")
class Accept(MethodView):
    """Accepting an invitation."""

    @ratelimit.accept_invitation
    @blp.arguments(AcceptIn)
    @blp.response(201, Accepted)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Accept with the token: set name, password and language; you become a partner member."""
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        password = new_password(body.pop("password"))  # argon2 before the write lock, not under it
        with db.write() as session:
            member = accept_invitation(session, password=password, **body)
            token, record = grant_token(session, member_id=member.id, ttl=ttl)
            return {**TokenOut().dump(record), "token": token, "member": member}
