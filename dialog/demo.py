"""Demo data from the programme documents in shared/seeds, so a newcomer sees a living platform."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Caller, utcnow
from services.calls import (
    DEFAULT_PROGRAMME,
    FundingCall,
    announce_call,
    archive_call,
    close_due_call,
    create_call,
    handle_due_reminder,
    open_due_call,
    reminders_of,
)
from services.clock import PROGRAMME_ZONE, berlin
from services.forum import create_post, create_thread
from services.identity import Member, caller_of, create_member
from services.network import PartnerContact, add_country, add_organisation
from services.news import NewsItem, create_news
from services.projects import Project, create_project
from services.spaces import Space, add_membership, create_space, join_network_spaces

PROJECTS_FILE = Path(__file__).resolve().parent / "demo_projects.json"
PROGRAMME = DEFAULT_PROGRAMME

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


# The three rounds (seeds 000, 001, 002, 004). Round 1's call dates are not in the seeds, so it is
# recorded as a closed call without dates; rounds 2 and 3 run their real life (see _live_through).
DEMO_CALLS: list[dict[str, Any]] = [
    {
        "round": 1,
        "title": {
            "de": "Modellprojekte Smart Cities – 1. Staffel (2019)",
            "en": "Model Projects Smart Cities – round 1 (2019)",
        },
        "summary": {
            "de": "2019 ist die erste Staffel mit 13 Modellprojekten an den Start gegangen. Sie erproben, wie die "
            "Digitalisierung in den Kommunen im Sinne einer integrierten Stadtentwicklung nachhaltig und "
            "intelligent gestaltet werden kann.",
            "en": "The first round started in 2019 with 13 model projects.",
        },
    },
    {
        "round": 2,
        "title": {
            "de": "Modellprojekte Smart Cities – 2. Staffel: Gemeinwohl und Netzwerkstadt / Stadtnetzwerk",
            "en": "Model Projects Smart Cities – round 2: common good and network city",
        },
        "summary": {
            "de": "Gefördert werden kommunale, fachübergreifende und raumbezogene Strategien der "
            "Stadtentwicklung sowie deren Umsetzung für die nachhaltige Gestaltung der Digitalisierung und "
            "der dafür notwendige Kompetenzaufbau. 86 Städte, Kreise, Gemeinden und Kooperationen haben "
            "sich beworben; die 32 ausgewählten Projekte werden mit über 350 Millionen Euro gefördert.",
            "en": "Municipal, cross-sector strategies for sustainable digital urban development and their "
            "implementation. 32 projects were selected and receive more than EUR 350 million.",
        },
        "motto": "Gemeinwohl und Netzwerkstadt / Stadtnetzwerk",
        "opens_at": berlin(2020, 2, 7),
        "deadline": berlin(2020, 4, 20, 23, 59),
    },
    {
        "round": 3,
        "title": {
            "de": "Modellprojekte Smart Cities – Aufruf für Bewerbungen zur 3. Staffel",
            "en": "Model Projects Smart Cities – call for applications, round 3",
        },
        "summary": {
            "de": "Kommunen können sich mit Ideen für einen strategischen Umgang mit der Digitalisierung "
            "bewerben. Als Teil des Konjunktur- und Zukunftspakets sind im Bundeshaushalt 2021 Mittel in "
            "Höhe von 300 Mio. Euro vorgesehen.",
            "en": "Municipalities apply with ideas for a strategic approach to digitalisation; EUR 300 million "
            "are set aside in the 2021 federal budget.",
        },
        "budget": 300_000_000,
        "opens_at": berlin(2020, 12, 17),
        "deadline": berlin(2021, 3, 14, 23, 59),
        "application_url": "https://www.smart-cities-made-in.de",
    },
]

# The real rounds are all closed, so the demo would show no open call: one example call, plainly
# marked as such, opens when the demo data is loaded and runs for UPCOMING_WEEKS from then.
UPCOMING_WEEKS = 8
UPCOMING_CALL: dict[str, Any] = {
    "round": 4,
    "title": {
        "de": "Beispielaufruf (Demo): Modellprojekte Smart Cities – 4. Staffel",
        "en": "Example call (demo): Model Projects Smart Cities – round 4",
    },
    "summary": {
        "de": "Ein Beispiel in den Demo-Daten, kein echter Aufruf: Er öffnet, wenn die Demo-Daten eingespielt "
        f"werden, und läuft {UPCOMING_WEEKS} Wochen. Die echten Aufrufe der Staffeln 1 bis 3 sind abgeschlossen.",
        "en": "An example in the demo data, not a real call: it opens when the demo data is loaded and runs for "
        f"{UPCOMING_WEEKS} weeks. The real calls of rounds 1 to 3 are closed.",
    },
}


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


def _remind(session: Session, reminder_id: int, window: timedelta, now: datetime) -> object:
    return handle_due_reminder(session, reminder_id, now=now, window=window)


def _live_through(session: Session, call: FundingCall, actor: Caller) -> None:
    """Announce a past call and run the scheduler's steps at their own (past) times, in order."""
    assert call.opens_at is not None and call.deadline is not None
    announce_call(session, call, caller=actor, now=call.opens_at)
    steps: list[tuple[datetime, int, Callable[[datetime], object]]] = [
        (call.opens_at, 0, lambda t: open_due_call(session, call.id, now=t)),
        (call.deadline, 2, lambda t: close_due_call(session, call.id, now=t)),
    ]
    window = timedelta(hours=1)
    for reminder in reminders_of(session, actor, call.id):
        if reminder.done_at is None:
            steps.append((reminder.due_at, 1, partial(_remind, session, reminder.id, window)))
    for at, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        step(at)


def seed_calls(session: Session, actor: Caller) -> int:
    """The three rounds' calls (missing ones only); return how many were created."""
    created = 0
    for spec in DEMO_CALLS:
        exists = session.scalar(
            select(FundingCall.id).where(FundingCall.programme == PROGRAMME, FundingCall.round == spec["round"])
        )
        if exists is not None:
            continue
        call = create_call(session, caller=actor, programme=PROGRAMME, now=spec.get("opens_at"), **spec)
        if call.opens_at is None:
            archive_call(session, call, caller=actor)
        else:
            _live_through(session, call, actor)
        created += 1
    return created


def upcoming_deadline(now: datetime) -> datetime:
    """23:59 Berlin time on the day UPCOMING_WEEKS after `now` (naive UTC): a deadline as a call states one."""
    day = (now + timedelta(weeks=UPCOMING_WEEKS)).replace(tzinfo=UTC).astimezone(PROGRAMME_ZONE)
    return berlin(day.year, day.month, day.day, 23, 59)


def seed_upcoming_call(session: Session, actor: Caller, now: datetime | None = None) -> int:
    """The example call, open from `now` (seeding time) to its deadline (if its round is missing)."""
    now = now or utcnow()
    exists = session.scalar(
        select(FundingCall.id).where(FundingCall.programme == PROGRAMME, FundingCall.round == UPCOMING_CALL["round"])
    )
    if exists is not None:
        return 0
    call = create_call(
        session, caller=actor, programme=PROGRAMME, now=now, opens_at=now, deadline=upcoming_deadline(now),
        **UPCOMING_CALL,
    )  # fmt: skip
    announce_call(session, call, caller=actor, now=now)
    open_due_call(session, call.id, now=now)
    return 1


def seed_projects(session: Session, actor: Caller) -> int:
    """The 32 model projects of round 2 from demo_projects.json (missing ones only)."""
    data = json.loads(PROJECTS_FILE.read_text(encoding="utf-8"))
    created = 0
    for entry in data["projects"]:
        exists = session.scalar(select(Project.id).where(Project.name == entry["name"], Project.round == data["round"]))
        if exists is None:
            create_project(
                session,
                caller=actor,
                round=data["round"],
                topics=data["topics"],
                description=data["description"],
                **entry,
            )
            created += 1
    return created


def seed(session: Session) -> dict[str, int]:
    """Create whatever demo data is missing (publishing its events); return what was created.

    Idempotent: members by e-mail, news by German title, calls by round, projects by name and
    round, so `flask dialog seed-demo` re-creates deleted demo data without duplicating the rest.
    """
    members = {}
    for email, name, role, country, language in DEMO_MEMBERS:
        existing = session.scalar(select(Member).where(Member.email == email))
        members[role] = existing or create_member(
            session, email=email, name=name, password=DEMO_PASSWORD, role=role, country=country, language=language
        )
    editor = members["editor"]
    actor = caller_of(editor)
    news = 0
    for title, body, tags in DEMO_NEWS:
        if session.scalar(select(NewsItem.id).where(NewsItem.title["de"].as_string() == title["de"]).limit(1)):
            continue
        create_news(session, caller=actor, title=title, body=body, tags=tags, publish_now=True)
        news += 1
    calls = seed_calls(session, actor) + seed_upcoming_call(session, actor)
    projects = seed_projects(session, actor)
    dialog = seed_dialog(session, members)
    return {"members": len(members), "news": news, "calls": calls, "projects": projects, **dialog}


def seed_dialog(session: Session, members: dict[str, Member]) -> dict[str, int]:
    """Spaces, the partner network and a first thread with a mention (when the spaces are missing)."""
    if session.scalar(select(Space.id).where(Space.slug == DEMO_SPACES[0][0])) is not None:
        return {"spaces": 0, "threads": 0}
    editor = members["editor"]
    admin = caller_of(members["admin"])
    spaces = {
        slug: create_space(session, admin, slug=slug, name=name, kind=kind, visibility=vis)
        for slug, name, kind, vis in DEMO_SPACES
    }
    network = spaces["international-network"]
    for role in ("admin", "moderator"):
        add_membership(session, admin, network, members[role].id)
    add_country(session, admin, code="PL", name={"de": "Polen", "en": "Poland"})
    organisation = add_organisation(session, admin, name="Partner City Office", country="PL")
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
        caller=caller_of(member),
        space=spaces["nationale-dialogplattform"],
        title="Open-Source-Lösungen aus den Modellprojekten",
        body="<p>Welche Software aus der zweiten Staffel nutzt ihr schon in eurer Kommune?</p>",
        language="de",
        mentions=[],
    )
    create_post(
        session,
        caller=caller_of(editor),
        thread=thread,
        parent_id=first.id,
        language="de",
        body="<p>Die Plattform für Bürgerbeteiligung ist bereits im Einsatz.</p>",
        mentions=[member.id],
    )
    return {"spaces": len(spaces), "threads": 1}
