"""Network service: partner invitations and the network spaces they open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from events import Database, Event, policy, utcnow
from services import network
from services.errors import Conflict, Gone, NotFound
from services.identity import Member, update_account
from services.network import Invitation
from services.spaces import create_space
from tests.support.forum import refused
from tests.support.world import World


def test_invitation_lifecycle_expired_and_reused(database: Database, world: World) -> None:
    with database.write() as session:
        network.add_country(session, world.caller("admin"), code="PL", name={"en": "Poland"})
        org = network.add_organisation(session, world.caller("admin"), name="Gdynia City Hall", country="PL")
        token, invitation = network.create_invitation(
            session, caller=world.caller("admin"), email="Kasia@Example.PL", organisation_id=org.id
        )
        old_token, old = network.create_invitation(
            session, caller=world.caller("admin"), email="late@example.pl", country="PL"
        )
        old.expires_at = utcnow() - timedelta(minutes=1)  # time passes
    with database.read() as session:
        stored = session.get(Invitation, invitation.id)
        assert stored is not None and token not in stored.token_hash and stored.country_code == "PL"
    with database.write() as session:
        member = network.accept_invitation(session, token=token, name="Kasia", password="long enough pw", language="en")
    assert member.role == "partner" and member.country == "PL" and member.email == "kasia@example.pl"
    with database.read() as session:
        assert policy.refusal(world.caller("partner"), "space.netz") is None
        from events import Caller

        partner = Caller(member.id, member.name, "partner")
        assert policy.refusal(partner, "space.netz") is None  # joined the network's spaces
        assert policy.refusal(partner, "space.intern") is not None  # not member-only national ones
        assert policy.refusal(partner, "space.offen") is None
        assert session.scalar(select(func.count()).select_from(Member)) == 7
    accept = {"name": "X", "password": "long enough pw", "language": "en"}
    assert refused(database, Conflict, lambda s: network.accept_invitation(s, token=token, **accept)).code == (
        "invitation_used"
    )
    expired = refused(database, Gone, lambda s: network.accept_invitation(s, token=old_token, **accept))
    assert expired.code == "invitation_expired"
    assert refused(database, NotFound, lambda s: network.accept_invitation(s, token="inv_nope", **accept))
    with pytest.raises(Conflict), database.write() as session:
        network.create_invitation(session, caller=world.caller("admin"), email="kasia@example.pl")


def test_a_new_partner_is_announced_in_each_network_space_naming_that_space_only(
    database: Database, world: World, published: list[Event]
) -> None:
    # A second invited network space, which the world's members outside it must not learn of
    # by reading the first one (to them it is an unknown topic, REST answers 404).
    admin = world.caller("admin")
    with database.write() as session:
        network.add_country(session, admin, code="PL", name={"en": "Poland"})
        create_space(session, admin, slug="netz-vorstand", name={"en": "Board"}, kind="network", visibility="invited")
        token, _invitation = network.create_invitation(session, caller=admin, email="kasia@example.pl", country="PL")
    with database.write() as session:
        network.accept_invitation(session, token=token, name="Kasia", password="long enough pw", language="en")
    joined = [e for e in published if e.type == "partner.joined"]
    by_topic = {topic: e.data["spaces"] for e in joined for topic in e.topics}
    assert by_topic == {
        "moderation": ["netz", "netz-vorstand"],  # the moderators hear of every space the partner joined
        "space.netz": ["netz"],
        "space.netz-vorstand": ["netz-vorstand"],
    }
    assert policy.refusal(world.caller("member"), "space.netz") is None
    assert policy.refusal(world.caller("member"), "space.netz-vorstand") == "unknown topic"


def test_an_organisations_contacts_leave_out_deactivated_accounts(database: Database, world: World) -> None:
    # Before: a deactivated (or erased) partner stayed listed as the organisation's contact.
    with database.write() as session:
        network.add_country(session, world.caller("admin"), code="PL", name={"en": "Poland"})
        org = network.add_organisation(session, world.caller("admin"), name="Gdynia City Hall", country="PL")
        tokens = [
            network.create_invitation(session, caller=world.caller("admin"), email=email, organisation_id=org.id)[0]
            for email in ("kasia@example.pl", "jan@example.pl")
        ]
    with database.write() as session:
        kasia, jan = (
            network.accept_invitation(session, token=token, name=name, password="long enough pw", language="en")
            for token, name in zip(tokens, ("Kasia", "Jan"), strict=True)
        )
    with database.write() as session:
        update_account(session, world.caller("admin"), jan.id, active=False)
    with database.read() as session:
        contacts = network.list_contacts(session, world.caller("member"), org.id)
    assert [member.name for _contact, member in contacts] == ["Kasia"] and kasia.active
