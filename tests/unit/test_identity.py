"""Identity: argon2 passwords, opaque tokens stored hashed, revocation and expiry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from events import Caller, Database, read_page
from services.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from services.identity import (
    AccessToken,
    Member,
    authenticate,
    caller_for_token_id,
    check_credentials,
    create_member,
    issue_token,
    revoke_token,
    run_hashing_in,
    update_account,
)

DAY = timedelta(days=1)


def make_member(db: Database, email: str = "a@example.org", role: str = "member") -> int:
    with db.write() as session:
        return create_member(session, email=email, name="A", password="correct horse", role=role).id


def test_passwords_are_argon2_and_tokens_stored_only_as_hashes(database: Database) -> None:
    make_member(database)
    with database.write() as session:
        token, record = issue_token(session, email=" A@Example.org ", password="correct horse", ttl=DAY)
    with database.read() as session:
        member = session.scalars(select(Member)).one()
        stored = session.scalars(select(AccessToken)).one()
    assert member.password_hash.startswith("$argon2id$")
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    with database.read() as session:
        who = authenticate(session, token)
    assert (who.id, who.name, who.role, who.token_id) == (member.id, "A", "member", stored.id)


def test_wrong_password_unknown_email_revoked_and_expired_tokens_fail(database: Database) -> None:
    member_id = make_member(database)
    with pytest.raises(AuthenticationFailed) as wrong, database.write() as session:
        issue_token(session, email="a@example.org", password="wrong password", ttl=DAY)
    with pytest.raises(AuthenticationFailed) as unknown, database.write() as session:
        issue_token(session, email="b@example.org", password="correct horse", ttl=DAY)
    assert wrong.value.code == unknown.value.code == "invalid_credentials"
    with database.write() as session:
        token, record = issue_token(session, email="a@example.org", password="correct horse", ttl=DAY)
        old, _ = issue_token(session, email="a@example.org", password="correct horse", ttl=-DAY)
    with database.write() as session:
        revoke_token(session, Caller(member_id, "A", "member"), record.id)
    for bad, code in ((token, "token_revoked"), (old, "token_expired"), ("scd_nope", "invalid_token")):
        with pytest.raises(AuthenticationFailed) as info, database.read() as session:
            authenticate(session, bad)
        assert info.value.code == code


def test_only_own_tokens_can_be_revoked(database: Database) -> None:
    make_member(database)
    other = make_member(database, "b@example.org")
    with database.write() as session:
        _, record = issue_token(session, email="a@example.org", password="correct horse", ttl=DAY)
    with pytest.raises(NotFound), database.write() as session:
        revoke_token(session, Caller(other, "A", "member"), record.id)


def test_member_rules(database: Database) -> None:
    make_member(database)
    with pytest.raises(Conflict), database.write() as session:
        create_member(session, email="A@EXAMPLE.ORG", name="Dup", password="correct horse")
    with pytest.raises(InvalidInput) as role, database.write() as session:
        create_member(session, email="c@example.org", name="C", password="correct horse", role="king")
    with pytest.raises(InvalidInput) as short, database.write() as session:
        create_member(session, email="c@example.org", name="C", password="short")
    assert role.value.field == "role" and short.value.field == "password"


def test_revoking_a_token_is_an_access_change_event_on_the_members_topic(database: Database) -> None:
    member_id = make_member(database)
    with database.write() as session:
        _, record = issue_token(session, email="a@example.org", password="correct horse", ttl=DAY)
        revoke_token(session, Caller(member_id, "A", "member"), record.id)
        revoke_token(session, Caller(member_id, "A", "member"), record.id)  # twice: one event
    with database.read() as session:
        events = read_page(session, 0, [f"user.{member_id}"], limit=10)
    assert [(e.type, e.data) for e in events] == [("token.revoked", {"member_id": member_id, "token_id": record.id})]


def test_admins_change_roles_and_deactivate_accounts_which_ends_their_tokens(database: Database) -> None:
    admin_id = make_member(database, "admin@example.org", role="admin")
    member_id = make_member(database)
    admin = Caller(admin_id, "A", "admin")
    with database.write() as session:
        _, record = issue_token(session, email="a@example.org", password="correct horse", ttl=DAY)
    with pytest.raises(PermissionDenied), database.write() as session:
        update_account(session, Caller(member_id, "A", "member"), member_id, role="admin")
    with pytest.raises(Conflict), database.write() as session:
        update_account(session, admin, admin_id, active=False)
    with database.write() as session:
        update_account(session, admin, member_id, role="partner")
    with database.read() as session:
        assert caller_for_token_id(session, record.id).role == "partner"
    with database.write() as session:
        update_account(session, admin, member_id, active=False)
    with pytest.raises(AuthenticationFailed) as info, database.read() as session:
        caller_for_token_id(session, record.id)
    assert info.value.code == "account_deactivated"
    with database.read() as session:
        events = read_page(session, 0, [f"user.{member_id}"], limit=10)
    assert [e.type for e in events] == ["member.role_changed", "member.deactivated"]
    assert events[0].data == {"member_id": member_id, "role": "partner", "previous_role": "member"}


def test_every_argon2_operation_goes_through_the_runner_and_a_wrong_email_costs_one_too(database: Database) -> None:
    ran: list[str] = []

    def runner(work: Callable[[], Any]) -> Any:
        # What the gevent server installs does the same, in a native thread.
        with ThreadPoolExecutor(1) as pool:
            ran.append(threading.current_thread().name)
            return pool.submit(work).result()

    run_hashing_in(runner)
    try:
        make_member(database)
        assert len(ran) == 1, "hashing a new password"
        for email, password in (("a@example.org", "wrong password"), ("nobody@example.org", "correct horse")):
            ran.clear()
            with pytest.raises(AuthenticationFailed), database.read() as session:
                check_credentials(session, email=email, password=password)
            assert len(ran) == 1, f"{email}: one verification, whether the member exists or not"
        ran.clear()
        with database.read() as session:
            assert check_credentials(session, email="a@example.org", password="correct horse").email == "a@example.org"
        assert len(ran) == 1
    finally:
        run_hashing_in(None)
