"""Mail: queued in the sending transaction, sent by the worker to a real SMTP server, retried on outages."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from events import Database, utcnow
from services.mail import (
    FAILED,
    PENDING,
    SENT,
    MailAttempt,
    MailSettings,
    OutgoingMail,
    queue_mail,
    send_due,
    transport_from_url,
)
from tests.support.server import free_port
from tests.support.smtp import smtp_server, text_and_html

SETTINGS = MailSettings(
    sender="Dialog <noreply@dialog.example>",
    reply_to="team@dialog.example",
    base_url="https://dialog.example/",
    first_delay=timedelta(seconds=30),
    max_attempts=3,
)
INVITE = {"inviter": "Ada <script>", "role": "editor", "path": "/invitations/accept?token=inv_abc&x=1", "expires": "x"}


def _mails(database: Database) -> list[OutgoingMail]:
    with database.read() as session:
        return list(session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_a_committed_mail_reaches_the_smtp_server_in_its_language_with_text_and_escaped_html(
    database: Database,
) -> None:
    with database.write() as session:
        queue_mail(session, to="eda@example.org", kind="invitation", language="en", params=INVITE)
        queue_mail(session, to="ede@example.org", kind="invitation", language="de", params=INVITE)
    with smtp_server() as inbox:
        report = send_due(database, utcnow(), SETTINGS, transport_from_url(inbox.url))
        assert [outcome for _id, outcome in report.outcomes] == [SENT, SENT]
        (english,) = inbox.wait_for("eda@example.org")
        (german,) = inbox.wait_for("ede@example.org")
    assert english["Subject"] == "Your invitation to Smart City Dialog"
    assert german["Subject"] == "Einladung zum Smart City Dialog"
    assert english["From"] == SETTINGS.sender and english["Reply-To"] == "team@dialog.example"
    text, html = text_and_html(english)
    link = "https://dialog.example/invitations/accept?token=inv_abc&x=1"
    assert link in text and "Ada <script> invites you" in text and "as editor" in text
    assert "<script>" not in html and "Ada &lt;script&gt;" in html
    assert '<a href="https://dialog.example/invitations/accept?token=inv_abc&amp;x=1">' in html
    assert "als Redaktion" in text_and_html(german)[0]
    # Sent mails forget their parameters: they held a one-time token.
    assert [(m.status, m.params) for m in _mails(database)] == [(SENT, {}), (SENT, {})]
    assert send_due(database, utcnow(), SETTINGS, transport_from_url(inbox.url)).outcomes == []  # never twice


def test_a_rolled_back_transaction_sends_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        queue_mail(session, to="eda@example.org", kind="invitation", language="en", params=INVITE)
        raise RuntimeError("the change fails after queueing")
    assert _mails(database) == []


def test_an_smtp_outage_is_retried_with_backoff_until_the_server_is_back(database: Database) -> None:
    with database.write() as session:
        queue_mail(session, to="eda@example.org", kind="password_changed", language="en", params={"name": "Eda"})
    port = free_port()
    transport = transport_from_url(f"smtp://127.0.0.1:{port}?tls=none")
    now = utcnow()
    assert send_due(database, now, SETTINGS, transport).outcomes == [(1, "retry")]
    (mail,) = _mails(database)
    assert mail.status == PENDING and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at == now + timedelta(seconds=30)
    assert send_due(database, now + timedelta(seconds=10), SETTINGS, transport).outcomes == []  # not due yet
    with smtp_server(port) as inbox:
        assert send_due(database, now + timedelta(seconds=31), SETTINGS, transport).outcomes == [(1, SENT)]
        (message,) = inbox.wait_for("eda@example.org")
    assert message["Subject"] == "Your password was changed"


def test_a_mail_that_keeps_failing_is_given_up_after_max_attempts(database: Database) -> None:
    with database.write() as session:
        queue_mail(session, to="eda@example.org", kind="password_changed", language="de", params={"name": "Eda"})
    transport = transport_from_url(f"smtp://127.0.0.1:{free_port()}?tls=none")
    now = utcnow()
    outcomes = [send_due(database, now + timedelta(hours=i), SETTINGS, transport).outcomes for i in range(4)]
    assert outcomes == [[(1, "retry")], [(1, "retry")], [(1, FAILED)], []]


def test_smtp_insists_on_starttls_unless_told_otherwise(database: Database) -> None:
    with database.write() as session:
        queue_mail(session, to="eda@example.org", kind="password_changed", language="en", params={"name": "Eda"})
    with smtp_server() as inbox:
        # aiosmtpd without a certificate offers no STARTTLS: no silent downgrade to plain text.
        transport = transport_from_url(f"smtp://user:secret@127.0.0.1:{inbox.port}")
        assert send_due(database, utcnow(), SETTINGS, transport).outcomes == [(1, "retry")]
        assert "STARTTLS" in (_mails(database)[0].last_error or "")
        assert inbox.messages == []


def test_the_default_transport_writes_eml_files(tmp_path: Path, database: Database) -> None:
    with database.write() as session:
        queue_mail(session, to="eda@example.org", kind="password_changed", language="en", params={"name": "Eda"})
    folder = tmp_path / "mail"
    send_due(database, utcnow(), SETTINGS, transport_from_url(folder.as_uri()))
    (written,) = folder.glob("*.eml")
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "eda@example.org" and message["Subject"] == "Your password was changed"


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://host?tls=sometimes", "ftp://x/y"])
def test_a_wrong_mail_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        transport_from_url(url)


def test_smtps_speaks_tls_from_the_first_byte() -> None:
    with smtp_server() as inbox:
        transport = transport_from_url(f"smtps://127.0.0.1:{inbox.port}")
        with pytest.raises((smtplib.SMTPException, OSError)):
            transport(message_from_bytes(b"To: a@b\r\n\r\nx", policy=policy.default))  # type: ignore[arg-type]
        assert inbox.messages == []


def _queue(database: Database, *recipients: str) -> None:
    with database.write() as session:
        for to in recipients:
            queue_mail(session, to=to, kind="password_changed", language="en", params={"name": "Eda"})


def test_mails_queued_while_the_server_is_down_each_arrive_once_when_it_is_back(database: Database) -> None:
    port = free_port()
    transport = transport_from_url(f"smtp://127.0.0.1:{port}?tls=none")
    _queue(database, "a@example.org")
    with smtp_server(port) as before:
        send_due(database, utcnow(), SETTINGS, transport)
    _queue(database, "b@example.org", "c@example.org")  # the server is stopped now
    now = utcnow()
    assert [o for _i, o in send_due(database, now, SETTINGS, transport).outcomes] == ["retry", "retry"]
    with smtp_server(port) as after:
        for minutes in (1, 2, 3):  # later runs find nothing left to send
            send_due(database, now + timedelta(minutes=minutes), SETTINGS, transport)
    assert before.ids() == ["1"] and sorted(after.ids()) == ["2", "3"]
    assert {m.status for m in _mails(database)} == {SENT}


def test_a_5xx_fails_the_mail_at_once_and_a_4xx_is_retried_every_attempt_recorded(database: Database) -> None:
    _queue(database, "gone@example.org", "busy@example.org", "eda@example.org", "ede@example.org")
    refuse = {"gone@example.org": "550 5.1.1 no such user", "busy@example.org": "451 4.3.0 try again later"}
    with smtp_server() as inbox:
        inbox.refuse.update(refuse)
        report = send_due(database, utcnow(), SETTINGS, transport_from_url(inbox.url))
    assert report.outcomes == [(1, FAILED), (2, "retry"), (3, SENT), (4, SENT)]
    assert len(set(inbox.peers)) == 1  # one connection for the batch, still good after the refusals
    with database.read() as session:
        attempts = session.scalars(select(MailAttempt).order_by(MailAttempt.id)).all()
        assert [(a.mail_id, a.outcome, a.smtp_code) for a in attempts[:2]] == [(1, FAILED, 550), (2, "retry", 451)]


SENDER_SCRIPT = """
import sys
from datetime import datetime, timedelta
import services
from events import Database
from services.mail import MailSettings, send_due, transport_from_url
services.load_all()
db = Database()
db.configure(sys.argv[1])
settings = MailSettings(sender="Dialog <noreply@dialog.example>", base_url="https://dialog.example")
send_due(db, datetime.fromisoformat(sys.argv[3]), settings, transport_from_url(sys.argv[2]))
"""


def test_a_sender_killed_mid_batch_and_restarted_sends_nothing_twice_and_loses_nothing(
    database: Database, tmp_path: Path
) -> None:
    _queue(database, *(f"m{i}@example.org" for i in range(1, 6)))
    assert database.engine is not None
    url = database.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    now = utcnow()
    with smtp_server() as inbox:
        inbox.stall.add("m3@example.org")  # the third conversation hangs until the sender is killed
        first = subprocess.Popen([sys.executable, "-c", SENDER_SCRIPT, url, inbox.url, now.isoformat()], env=env)
        try:
            assert inbox.stalled.wait(30), "the sender never reached the third mail"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        inbox.release.set()
        assert inbox.ids() == ["1", "2"]
        later = (now + SETTINGS.lease + timedelta(seconds=1)).isoformat()  # the dead sender's lease ran out
        subprocess.run([sys.executable, "-c", SENDER_SCRIPT, url, inbox.url, later], env=env, check=True, timeout=60)
        inbox.wait_for("m5@example.org")
    assert sorted(inbox.ids()) == ["1", "2", "3", "4", "5"]  # each once
    assert [(m.status, m.attempts) for m in _mails(database)] == [(SENT, 1), (SENT, 1), (SENT, 2), (SENT, 1), (SENT, 1)]


def test_a_mail_that_cannot_be_rendered_fails_once_instead_of_blocking_the_queue(database: Database) -> None:
    with database.write() as session:
        queue_mail(session, to="eda@example.org", kind="password_changed", language="en", params={})  # no name
    with smtp_server() as inbox:
        assert send_due(database, utcnow(), SETTINGS, transport_from_url(inbox.url)).outcomes == [(1, FAILED)]
    assert "cannot render" in (_mails(database)[0].last_error or "") and inbox.messages == []
