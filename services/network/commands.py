"""International network commands: countries, organisations, invitations and accepting them."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Caller, publish, utcnow
from services.errors import Conflict, Gone, InvalidInput, NotFound
from services.identity import (
    PARTNER,
    ROLES,
    Member,
    NewPassword,
    check_language,
    create_member,
    email_taken,
    hash_token,
    new_password,
    normalise_email,
    require_admin,
    require_login,
)
from services.mail import queue_mail
from services.network.events import (
    InvitationAccepted,
    InvitationCreated,
    InvitationResent,
    InvitationRevoked,
    MemberJoined,
    PartnerJoined,
)
from services.network.models import Invitation, PartnerContact, PartnerCountry, PartnerOrganisation
from services.spaces import join_network_spaces

INVITATION_PREFIX = "inv_"
DEFAULT_INVITATION_TTL = timedelta(days=14)
COUNTRY = re.compile(r"^[A-Z]{2}$")


def add_country(session: Session, caller: Caller, *, code: str, name: dict[str, str]) -> PartnerCountry:
    """Add a partner country (admins)."""
    require_admin(caller)
    code = code.strip().upper()
    if not COUNTRY.match(code):
        raise InvalidInput("code", "an ISO 3166 alpha-2 code like PL")
    if session.get(PartnerCountry, code) is not None:
        raise Conflict(f"country {code} is already a partner", details={"code": ["already a partner"]})
    country = PartnerCountry(code=code, name=name, created_at=utcnow())
    session.add(country)
    session.flush()
    return country


def _country(session: Session, code: str | None) -> str | None:
    if code is None:
        return None
    code = code.strip().upper()
    if session.get(PartnerCountry, code) is None:
        raise InvalidInput("country", f"{code} is not a partner country")
    return code


def add_organisation(
    session: Session, caller: Caller, *, name: str, country: str, website: str | None = None
) -> PartnerOrganisation:
    """Add an organisation in a partner country (admins)."""
    require_admin(caller)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", "must not be blank")
    code = _country(session, country)
    assert code is not None
    organisation = PartnerOrganisation(name=name, country_code=code, website=website, created_at=utcnow())
    session.add(organisation)
    session.flush()
    return organisation


def create_invitation(
    session: Session,
    *,
    caller: Caller,
    email: str,
    role: str = PARTNER,
    country: str | None = None,
    organisation_id: int | None = None,
    language: str = "de",
    ttl: timedelta = DEFAULT_INVITATION_TTL,
) -> tuple[str, Invitation]:
    """Invite someone by email into `role` (admins); the link is mailed, and the token returned once.

    A partner needs a partner country (given, or that of the organisation).
    """
    require_admin(caller)
    if role not in ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
    check_language(language)
    email = normalise_email(email)
    if email_taken(session, email):
        raise Conflict(f"{email} already has an account", details={"email": ["already registered"]})
    code = _country(session, country)
    if organisation_id is not None:
        organisation = session.get(PartnerOrganisation, organisation_id)
        if organisation is None:
            raise InvalidInput("organisation_id", f"no organisation {organisation_id}")
        if code is not None and organisation.country_code != code:
            raise InvalidInput("organisation_id", f"organisation {organisation_id} is not in {code}")
        code = organisation.country_code
    if role == PARTNER and code is None:
        raise InvalidInput("country", "a partner is invited with their partner country (or organisation)")
    now = utcnow()
    invitation = Invitation(
        email=email,
        role=role,
        language=language,
        token_hash="",
        country_code=code,
        organisation_id=organisation_id,
        invited_by=caller.id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invitation)
    token = _new_token(session, invitation, caller, ttl)
    if caller.id is not None:
        publish(
            session,
            InvitationCreated(
                invitation_id=invitation.id,
                email=email,
                role=role,
                country=code,
                organisation_id=organisation_id,
                expires_at=invitation.expires_at,
            ),
            topic=f"user.{caller.id}",
            actor=caller,
        )
    return token, invitation


def _new_token(session: Session, invitation: Invitation, caller: Caller, ttl: timedelta) -> str:
    """A fresh token for `invitation` (the previous one stops working), mailed to the invitee."""
    token = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = utcnow() + ttl
    session.flush()
    queue_mail(
        session,
        to=invitation.email,
        kind="invitation",
        language=invitation.language,
        params={
            "inviter": caller.name or "The Smart City Dialog team",
            "role": invitation.role,
            "path": f"/invitations/accept?token={token}",
            "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
        },
    )
    return token


def _open_invitation(session: Session, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(f"no invitation {invitation_id}")
    if invitation.accepted_at is not None:
        raise Conflict("this invitation was already accepted", code="invitation_used")
    if invitation.revoked_at is not None:
        raise Conflict("this invitation was revoked", code="invitation_revoked")
    return invitation


def resend_invitation(
    session: Session, caller: Caller, invitation_id: int, *, ttl: timedelta = DEFAULT_INVITATION_TTL
) -> tuple[str, Invitation]:
    """Mail an open invitation again with a new token and expiry (admins); the old link stops working."""
    require_admin(caller)
    invitation = _open_invitation(session, invitation_id)
    token = _new_token(session, invitation, caller, ttl)
    publish(
        session,
        InvitationResent(invitation_id=invitation.id, email=invitation.email, expires_at=invitation.expires_at),
        topic=f"user.{caller.id}",
        actor=caller,
    )
    return token, invitation


def revoke_invitation(session: Session, caller: Caller, invitation_id: int) -> Invitation:
    """Revoke an open invitation (admins): its link stops working."""
    require_admin(caller)
    invitation = _open_invitation(session, invitation_id)
    invitation.revoked_at = utcnow()
    publish(
        session,
        InvitationRevoked(invitation_id=invitation.id, email=invitation.email),
        topic=f"user.{caller.id}",
        actor=caller,
    )
    return invitation


def accept_invitation(
    session: Session,
    *,
    token: str,
    name: str,
    password: str | NewPassword,
    language: str,
    handle: str | None = None,
) -> Member:
    """The invitee sets name, password, language (and handle) and becomes a member of the invited role."""
    chosen = new_password(password)  # before the first statement takes the write lock
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token.strip())))
    if invitation is None:
        raise NotFound("this invitation token is not known", code="invitation_unknown")
    if invitation.accepted_at is not None:
        raise Conflict("this invitation was already used", code="invitation_used")
    if invitation.revoked_at is not None:
        raise Gone("this invitation was revoked", code="invitation_revoked")
    if invitation.expires_at <= utcnow():
        raise Gone("this invitation has expired: ask for a new one", code="invitation_expired")
    organisation = session.get(PartnerOrganisation, invitation.organisation_id) if invitation.organisation_id else None
    member = create_member(
        session,
        email=invitation.email,
        name=name,
        password=chosen,
        role=invitation.role,
        country=invitation.country_code,
        language=language,
        handle=handle,
        organisation=organisation.name if organisation else None,
    )
    now = utcnow()
    invitation.accepted_at, invitation.member_id = now, member.id
    joined = Caller(member.id, member.name, member.role)
    if invitation.invited_by is not None:
        publish(
            session,
            InvitationAccepted(invitation_id=invitation.id, member_id=member.id, name=member.name),
            topic=f"user.{invitation.invited_by}",
            actor=joined,
        )
    if invitation.role != PARTNER:
        publish(
            session,
            MemberJoined(member_id=member.id, name=member.name, handle=member.handle, role=member.role),
            topic="moderation",
            actor=joined,
        )
        return member
    session.add(
        PartnerContact(
            member_id=member.id,
            organisation_id=invitation.organisation_id,
            country_code=invitation.country_code,
            joined_at=now,
        )
    )
    spaces = join_network_spaces(session, member.id)
    told = PartnerJoined(
        member_id=member.id,
        name=member.name,
        country=invitation.country_code,
        organisation_id=invitation.organisation_id,
        organisation=organisation.name if organisation else None,
        spaces=tuple(s.slug for s in spaces),
    )
    publish(session, told, topic="moderation", actor=joined)
    # Each space's readers hear of their space only: a reader of one network space may be outside
    # another (invited) one, whose existence is not theirs to learn (REST answers them 404).
    for space in spaces:
        publish(session, replace(told, spaces=(space.slug,)), topic=f"space.{space.slug}", actor=joined)
    return member


def list_invitations(session: Session, caller: Caller) -> list[Invitation]:
    """Every invitation, newest first (admins)."""
    require_admin(caller)
    return list(session.scalars(select(Invitation).order_by(Invitation.id.desc())))


def list_countries(session: Session, caller: Caller) -> list[PartnerCountry]:
    """The partner countries by code (members and partners)."""
    require_login(caller)
    return list(session.scalars(select(PartnerCountry).order_by(PartnerCountry.code)))


def list_organisations(session: Session, caller: Caller) -> list[PartnerOrganisation]:
    """The partner organisations by name (members and partners)."""
    require_login(caller)
    return list(session.scalars(select(PartnerOrganisation).order_by(PartnerOrganisation.name)))


def list_contacts(session: Session, caller: Caller, organisation_id: int) -> list[tuple[PartnerContact, Member]]:
    """The active contacts of an organisation (members and partners)."""
    require_login(caller)
    if session.get(PartnerOrganisation, organisation_id) is None:
        raise NotFound(f"no organisation {organisation_id}")
    rows = session.execute(
        select(PartnerContact, Member)
        .join(Member, Member.id == PartnerContact.member_id)
        # A deactivated or erased contact is nobody to contact (the directory leaves them out too).
        .where(PartnerContact.organisation_id == organisation_id, Member.active.is_(True))
        .order_by(Member.name)
    )
    return [(c, m) for c, m in rows]
