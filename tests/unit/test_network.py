"""Network service: partner invitations and the network spaces they open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from events import Database, policy, utcnow
from services import network
from services.errors import Conflict, Gone, NotFound
from services.identity import Member
from services.network import Invitation
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
