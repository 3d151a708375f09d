"""Demo data from the programme documents in shared/seeds, so a newcomer sees a living platform."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Actor
from services.forum import create_post, create_thread
from services.identity import Member, create_member
from services.network import PartnerContact, add_country, add_organisation
from services.news import create_news
from services.spaces import add_membership, create_space, join_network_spaces

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


DEMO_SPACES = [
    (
        "nationale-dialogplattform",
        {"de": "Nationale Dialogplattform Smart Cities", "en": "National Dialogue Platform Smart Cities"},
        "platform",
        "public",
    ),
    (
        "ag-wissenstransfer",
        {"de": "AG Wissenstransfer", "en": "Working group knowledge transfer"},
        "working_group",
        "members",
    ),
    (
        "international-network",
        {"de": "Internationales Smart-City-Netzwerk", "en": "International Smart City Network"},
        "network",
        "invited",
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
    spaces = {
        slug: create_space(session, slug=slug, name=name, kind=kind, visibility=vis)
        for slug, name, kind, vis in DEMO_SPACES
    }
    network = spaces["international-network"]
    for role in ("admin", "moderator"):
        add_membership(session, network, members[role].id)
    add_country(session, code="PL", name={"de": "Polen", "en": "Poland"})
    organisation = add_organisation(session, name="Partner City Office", country="PL")
    partner = members["partner"]
    session.add(
        PartnerContact(
            member_id=partner.id, organisation_id=organisation.id, country_code="PL", joined_at=partner.created_at
        )
    )
    join_network_spaces(session, partner.id)
    member = members["member"]
    thread, first = create_thread(
        session,
        actor=Actor(member.id, member.name),
        role="member",
        space=spaces["nationale-dialogplattform"],
        title="Open-Source-Lösungen aus den Modellprojekten",
        body="<p>Welche Software aus der zweiten Staffel nutzt ihr schon in eurer Kommune?</p>",
        language="de",
        mentions=[],
    )
    editor_actor = Actor(editor.id, editor.name)
    create_post(
        session,
        actor=editor_actor,
        role="editor",
        thread=thread,
        parent_id=first.id,
        language="de",
        body="<p>Die Plattform für Bürgerbeteiligung ist bereits im Einsatz.</p>",
        mentions=[member.id],
    )
    return {"members": len(members), "news": len(DEMO_NEWS), "spaces": len(spaces), "threads": 1}
