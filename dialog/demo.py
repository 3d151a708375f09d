"""Demo data from the programme documents in shared/seeds, so a newcomer sees a living platform."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Actor
from services.identity import Member, create_member
from services.news import create_news

DEMO_PASSWORD = "smart-city-demo"
DEMO_MEMBERS = [
    ("admin@smart-city-dialog.example", "Geschäftsstelle Smart Cities", "admin", "DE", "de"),
    ("redaktion@smart-city-dialog.example", "Redaktion Dialogplattform", "editor", "DE", "de"),
    ("moderation@smart-city-dialog.example", "Moderation Dialogplattform", "moderator", "DE", "de"),
    ("kommune@smart-city-dialog.example", "Kommune Musterstadt", "member", "DE", "de"),
    ("partner@smart-city-dialog.example", "Partner Contact", "partner", "PL", "en"),
]

DEMO_NEWS = [
    (
        {
            "de": "Modellprojekte Smart Cities: Aufruf für Bewerbungen zur dritten Staffel",
            "en": "Model Projects Smart Cities: call for applications for the third round",
        },
        {
            "de": "<p>Das Bundesministerium des Innern, für Bau und Heimat startet heute den Aufruf für "
            "Bewerbungen zur dritten Staffel der Modellprojekte Smart Cities. Im Bundeshaushalt 2021 "
            "sind dafür Mittel in Höhe von 300 Mio. Euro vorgesehen. Kommunen können sich bis zum "
            "14. März 2021 bewerben.</p>",
            "en": "<p>The Federal Ministry of the Interior, Building and Community opens the call for "
            "applications for the third round of the Model Projects Smart Cities, with EUR 300 million "
            "in the 2021 federal budget. Municipalities can apply until 14 March 2021.</p>",
        },
        ["staffel-3", "foerderaufruf"],
    ),
    (
        {"de": "32 Modellprojekte Smart Cities ausgewählt", "en": "32 Model Projects Smart Cities selected"},
        {
            "de": "<p>Am 8. September 2020 wurden die 32 Projekte der zweiten Staffel bekanntgegeben. "
            "Sie werden mit über 350 Millionen Euro gefördert und stehen unter dem Motto "
            "„Gemeinwohl und Netzwerkstadt / Stadtnetzwerk“.</p>",
            "en": "<p>On 8 September 2020 the 32 projects of the second round were announced, funded "
            "with more than EUR 350 million under the motto “Common good and network city”.</p>",
        },
        ["staffel-2", "modellprojekte"],
    ),
    (
        {"de": "Start der 2. Staffel: Gemeinwohl und Netzwerkstadt/Stadtnetzwerk"},
        {
            "de": "<p>Am 7. Februar 2020 hat die zweite Runde des Förderprogramms begonnen. Geförderte "
            "Kommunen stellen ihre Software-Lösungen als Open Source zur Verfügung; zentraler "
            "Bestandteil ist der Wissenstransfer.</p>"
        },
        ["staffel-2", "open-source", "wissenstransfer"],
    ),
]


def has_data(session: Session) -> bool:
    """True once any member exists (demo data or a real installation)."""
    return session.scalar(select(Member.id).limit(1)) is not None


def seed(session: Session) -> dict[str, int]:
    """Create the demo members and news (publishing their events); return what was created."""
    members = {}
    for email, name, role, country, language in DEMO_MEMBERS:
        existing = session.scalar(select(Member).where(Member.email == email))
        members[role] = existing or create_member(
            session, email=email, name=name, password=DEMO_PASSWORD, role=role, country=country, language=language
        )
    editor = members["editor"]
    for title, body, tags in DEMO_NEWS:
        create_news(session, actor=Actor(editor.id, editor.name), title=title, body=body, tags=tags, publish_now=True)
    return {"members": len(members), "news": len(DEMO_NEWS)}
