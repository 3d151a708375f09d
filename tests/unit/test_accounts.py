"""Accounts in the services: handles, weak passwords, password change and reset, the last admin, the migration."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from events import Caller, Database, read_page, utcnow
from services.errors import AuthenticationFailed, Conflict, Gone, InvalidInput, NotFound
from services.identity import (
    Member,
    caller_of,
    change_password,
    create_member,
    issue_token,
    mentioned_handles,
    request_password_reset,
    reset_password,
    update_account,
    update_profile,
)
from services.identity.handles import derive_handle
from services.identity.models import PasswordReset
from services.mail import OutgoingMail

PASSWORD = "correct horse battery"
HOUR = timedelta(hours=1)
MIGRATIONS = Path(__file__).resolve().parents[2] / "dialog" / "migrations"


def _member(db: Database, email: str, name: str, **extra: str) -> Member:
    with db.write() as session:
        member = create_member(session, email=email, name=name, password=PASSWORD, **extra)
        session.expunge(member)
        return member


def test_handles_come_from_names_are_unique_and_checked(database: Database) -> None:
    assert derive_handle("Jürgen Müller-Straße") == "juergen.mueller.strasse"
    assert derive_handle("  Zoë  O'Neil ") == "zoe.o.neil"
    first, second = _member(database, "a@x.org", "Anna Schmidt"), _member(database, "b@x.org", "Anna Schmidt")
    assert (first.handle, second.handle) == ("anna.schmidt", "anna.schmidt2")
    with pytest.raises(Conflict), database.write() as session:
        create_member(session, email="c@x.org", name="C", password=PASSWORD, handle="Anna.Schmidt")
    with pytest.raises(InvalidInput) as bad, database.write() as session:
        create_member(session, email="c@x.org", name="C", password=PASSWORD, handle="a b")
    assert bad.value.field == "handle"
    with database.read() as session:
        assert session.scalar(select(Member).where(Member.email == "c@x.org")) is None


def test_mentions_are_handles_in_text_not_parts_of_addresses() -> None:
    text = "Mail anna@x.org, ask @Anna.Schmidt and @anna.schmidt. Also @jo-k, not @ or @x"
    assert mentioned_handles(text) == ["anna.schmidt", "jo-k"]


def test_weak_passwords_are_refused(database: Database) -> None:
    for password, email, handle in [
        ("short", "a@x.org", None),
        ("a@x.org", "a@x.org", None),
        ("anna.long1", "a@x.org", "anna.long1"),
    ]:
        with pytest.raises(InvalidInput) as weak, database.write() as session:
            create_member(session, email=email, name="Anna", password=password, handle=handle)
        assert weak.value.field == "password"


def test_a_profile_change_is_an_event_and_unknown_fields_are_refused(database: Database) -> None:
    member = _member(database, "a@x.org", "Anna Schmidt")
    with database.write() as session:
        update_profile(
            session, caller_of(member), {"language": "en", "notification_preferences": {"mention": {"mail": True}}}
        )
        update_profile(session, caller_of(member), {"language": "en"})  # no change: no event
    with pytest.raises(InvalidInput), database.write() as session:
        update_profile(session, caller_of(member), {"role": "admin"})
    with database.read() as session:
        events = read_page(session, 0, [f"user.{member.id}"], limit=10)
        stored = session.get(Member, member.id)
        assert stored is not None and (stored.role, stored.language) == ("member", "en")
    assert [(e.type, e.data["changed"]) for e in events] == [
        ("member.updated", ["language", "notification_preferences"])
    ]


def test_a_password_change_keeps_this_session_and_ends_the_others(database: Database) -> None:
    member = _member(database, "a@x.org", "Anna Schmidt")
    with database.write() as session:
        _t1, first = issue_token(session, email="a@x.org", password=PASSWORD, ttl=HOUR)
        _t2, second = issue_token(session, email="a@x.org", password=PASSWORD, ttl=HOUR)
        current = Caller(member.id, member.name, member.role, second.id)
    with pytest.raises(AuthenticationFailed), database.write() as session:
        change_password(session, current, current_password="wrong", new_password="another long one")
    with database.write() as session:
        change_password(session, current, current_password=PASSWORD, new_password="another long one")
    with database.read() as session:
        events = read_page(session, 0, [f"user.{member.id}"], limit=10)
        assert session.get(type(first), first.id).revoked_at is not None  # type: ignore[union-attr]
        assert session.get(type(second), second.id).revoked_at is None  # type: ignore[union-attr]
        mails = list(session.scalars(select(OutgoingMail.kind)))
    assert [(e.type, e.data.get("token_id")) for e in events] == [
        ("token.revoked", first.id),
        ("member.password_changed", None),
    ]
    assert mails == ["password_changed"]


def test_a_reset_token_works_once_and_before_it_expires(database: Database) -> None:
    _member(database, "a@x.org", "Anna Schmidt")
    with database.write() as session:
        request_password_reset(session, "nobody@x.org")
        request_password_reset(session, "A@X.org")
    with database.read() as session:
        (mail,) = session.scalars(select(OutgoingMail))
        token = str(mail.params["path"]).rpartition("token=")[2]
    assert mail.recipient == "a@x.org" and mail.kind == "password_reset"
    with database.write() as session:
        reset_password(session, token=token, new_password="a brand new password")
    with pytest.raises(Conflict), database.write() as session:
        reset_password(session, token=token, new_password="yet another password")
    with pytest.raises(NotFound), database.write() as session:
        reset_password(session, token="pwr_unknown", new_password="yet another password")
    with database.write() as session:
        for record in session.scalars(select(PasswordReset)):
            record.created_at -= HOUR  # a while later: a new link may be mailed
        request_password_reset(session, "a@x.org", ttl=HOUR)
        request_password_reset(session, "a@x.org", ttl=HOUR)  # at once again: no second mail
        assert (
            session.scalar(
                select(sa.func.count()).select_from(OutgoingMail).where(OutgoingMail.kind == "password_reset")
            )
            == 2
        )
        latest = session.scalars(select(OutgoingMail).order_by(OutgoingMail.id.desc())).first()
        assert latest is not None
        token = str(latest.params["path"]).rpartition("token=")[2]
        for record in session.scalars(select(PasswordReset)):
            record.expires_at = utcnow() - HOUR  # time passes
    with pytest.raises(Gone), database.write() as session:
        reset_password(session, token=token, new_password="yet another password")


def test_the_last_active_admin_is_never_demoted_or_deactivated(database: Database) -> None:
    only = _member(database, "a@x.org", "Ada Admin", role="admin")
    retired = _member(database, "r@x.org", "Retired Admin", role="admin")
    with database.write() as session:
        update_account(session, caller_of(only), retired.id, active=False)
    # A caller acting for a deactivated admin (a stale session, a script): the rule still holds.
    for change in ({"role": "member"}, {"active": False}):
        with pytest.raises(Conflict) as refused, database.write() as session:
            update_account(session, caller_of(retired), only.id, **change)  # type: ignore[arg-type]
        assert refused.value.code == "last_admin"


def test_the_migration_gives_existing_members_handles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0004")
    engine = sa.create_engine(url)
    insert = sa.text(
        "INSERT INTO member (email, name, password_hash, role, language, active, created_at)"
        " VALUES (:e, :n, 'x', 'member', 'de', 1, '2026-01-01')"
    )
    with engine.begin() as connection:
        for email, name in [("a@x.org", "Jürgen Müller"), ("b@x.org", "Jürgen Müller"), ("c@x.org", "!!")]:
            connection.execute(insert, {"e": email, "n": name})
    command.upgrade(config, "head")
    with engine.begin() as connection:
        handles = connection.execute(sa.text("SELECT handle FROM member ORDER BY id")).scalars().all()
        invitation_columns = {c["name"] for c in sa.inspect(connection).get_columns("invitation")}
    engine.dispose()
    assert handles == ["juergen.mueller", "juergen.mueller.2", "member3"]
    assert {"role", "language", "revoked_at"} <= invitation_columns


def test_a_registration_racing_past_the_checks_is_a_conflict_not_a_crash(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.identity import commands

    _member(database, "a@x.org", "Anna Schmidt")
    # As if a concurrent transaction committed the same email between our check and our insert.
    monkeypatch.setattr(commands, "email_taken", lambda session, email: False)
    with database.write() as session:
        with pytest.raises(Conflict):
            create_member(session, email="a@x.org", name="Anna Other", password=PASSWORD)
        other = create_member(session, email="b@x.org", name="Bea", password=PASSWORD)  # the session goes on
    assert other.handle == "bea"


def test_a_handle_change_racing_past_the_check_is_a_conflict(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.identity import profile

    _member(database, "a@x.org", "Anna Schmidt")
    bea = _member(database, "b@x.org", "Bea")
    monkeypatch.setattr(profile, "check_handle", lambda session, handle, member_id: handle)
    with pytest.raises(Conflict), database.write() as session:
        update_profile(session, caller_of(bea), {"handle": "anna.schmidt"})
    with database.read() as session:
        assert [m.handle for m in session.scalars(select(Member).order_by(Member.id))] == ["anna.schmidt", "bea"]
