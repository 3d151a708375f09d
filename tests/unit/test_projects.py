"""Model projects through the public package API with the real database and bus: validation,
the events published, editor/admin only, and the directory's filters."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from events import Database, Event
from services.errors import InvalidInput, PermissionDenied
from services.projects import (
    FEDERAL_STATES,
    KINDS,
    Project,
    create_project,
    get_project,
    search_projects,
    update_project,
)
from tests.support.world import World, build_world

BERLIN, BAYERN = sorted(FEDERAL_STATES)[:2]


def _new(database: Database, world: World, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "name": "  Smarte   Quartiere ",
        "kind": KINDS[0],
        "round": 2,
        "federal_states": [BERLIN, BERLIN],
        "description": {"de": " Beschreibung "},
        "topics": ["Mobilität"],
    }
    with database.write() as session:
        return create_project(session, caller=world.caller("editor"), **(values | overrides)).id


def test_create_normalises_and_publishes_on_both_topics(
    database: Database, world: World, published: list[Event]
) -> None:
    project_id = _new(database, world)
    [event] = [e for e in published if e.type == "project.created"]
    assert event.topic == "projects" and f"project.{project_id}" in event.extra_topics
    assert event.data["name"] == "Smarte Quartiere"
    with database.read() as session:
        project = get_project(session, project_id)
        assert project.federal_states == [BERLIN]
        assert project.description == {"de": "Beschreibung"}


@pytest.mark.parametrize(
    "bad",
    [{"kind": "nope"}, {"round": 0}, {"federal_states": []}, {"federal_states": ["Atlantis"]}],
)
def test_create_refuses_bad_input(database: Database, world: World, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        _new(database, world, **bad)


def test_a_duplicate_name_in_a_round_is_refused(database: Database, world: World) -> None:
    _new(database, world)
    with pytest.raises(InvalidInput):
        _new(database, world, name="Smarte Quartiere")
    _new(database, world, name="Smarte Quartiere", round=3)


@pytest.mark.parametrize("who", ["moderator", "member", "partner"])
def test_only_editors_and_admins_write(database: Database, world: World, who: str) -> None:
    project_id = _new(database, world)
    with database.write() as session:
        with pytest.raises(PermissionDenied):
            create_project(
                session,
                caller=world.caller(who),
                name="X",
                kind=KINDS[0],
                round=1,
                federal_states=[BERLIN],
                description={},
            )
        with pytest.raises(PermissionDenied):
            update_project(session, get_project(session, project_id), caller=world.caller(who), changes={"round": 4})


def test_update_publishes_the_changed_fields_and_validates(
    database: Database, world: World, published: list[Event]
) -> None:
    project_id = _new(database, world)
    with database.write() as session:
        project = get_project(session, project_id)
        update_project(session, project, caller=world.caller("admin"), changes={"round": 5})
        with pytest.raises(InvalidInput):
            update_project(session, project, caller=world.caller("admin"), changes={"federal_states": ["Atlantis"]})
        with pytest.raises(InvalidInput):
            update_project(session, project, caller=world.caller("admin"), changes={"id": 1})
    updated = [e for e in published if e.type == "project.updated"]
    assert len(updated) == 1 and "round" in str(updated[0].data)
    with database.read() as session:
        assert get_project(session, project_id).round == 5


def test_search_filters_by_round_state_topic_and_kind(database: Database, world: World) -> None:
    first = _new(database, world)
    second = _new(database, world, name="Andere", round=3, federal_states=[BAYERN], topics=["Energie"])
    with database.read() as session:

        def ids(**filters: Any) -> list[int]:
            rows, total = search_projects(session, limit=10, offset=0, **filters)
            assert total == len(rows)
            return [p.id for p in rows]

        assert ids() == [first, second]
        assert ids(round=3) == [second]
        assert ids(state=BERLIN) == [first]
        assert ids(topic="Mobilität") == ids(topic="MOBILITÄT") == [first]
        assert ids(topic="Energie ") == [second]
        assert ids(kind=KINDS[0]) == [first, second]
        assert ids(kind="nope") == []


def test_the_topic_filter_folds_case_and_umlauts_as_search_does(any_database: Database) -> None:
    with any_database.write() as session:
        world = build_world(session)
    folded = _new(any_database, world, name="Umlaute", topics=["Straßenbahn", "Grün", "mobilitaet"])
    plain = _new(any_database, world, name="Ohne", topics=["Strassenbau", "Gruen-Weiss"])
    with any_database.read() as session:

        def ids(topic: str) -> list[int]:
            return [p.id for p in search_projects(session, limit=10, offset=0, topic=topic)[0]]

        for spelling in ("Mobilität", "mobilität", "MOBILITÄT", "Mobilitaet", "mobilitaet"):
            assert ids(spelling) == [folded], spelling
        assert ids("strassenbahn") == ids("STRAßENBAHN") == ids("Grün") == ids("gruen") == [folded]
        assert ids("Straßenbau") == ids("grün-weiß") == [plain]
        assert ids("Mobil") == ids("Strassen") == ids("gruen-") == [], "a whole topic, not a part"
        [project] = session.scalars(select(Project).where(Project.id == folded))
        assert project.topics == ["grün", "mobilitaet", "straßenbahn"], "stored as given (lower case)"
