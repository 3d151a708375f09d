"""Notifications by mail: only for the kinds a member asked for, in the member's language."""

from __future__ import annotations

from sqlalchemy import select

from events import Database
from services import forum
from services.identity import update_profile
from services.mail import OutgoingMail
from services.mail.texts import render
from tests.support.world import build_world


def test_a_mention_is_mailed_to_who_asked_for_it_in_their_language(database: Database) -> None:
    with database.write() as session:
        world = build_world(session)
        update_profile(
            session, world.caller("member"), {"language": "en", "notification_preferences": {"mention": {"mail": True}}}
        )
        update_profile(session, world.caller("other"), {"notification_preferences": {"reply": {"mail": True}}})
        forum.create_thread(
            session,
            caller=world.caller("moderator"),
            space=world.spaces["public"],
            title="Budget",
            body="<p>@member and @other, please look</p>",
            mentions=[],
        )
    with database.read() as session:
        mails = list(session.scalars(select(OutgoingMail)))
    assert [(m.recipient, m.kind, m.language) for m in mails] == [("member@example.org", "notification", "en")]
    subject, _link, text = render(mails[0].kind, mails[0].language, mails[0].params, "https://dialog.example")
    assert subject == "New on Smart City Dialog"
    assert "Moderator mentioned you: Budget" in text and "https://dialog.example/notifications" in text
