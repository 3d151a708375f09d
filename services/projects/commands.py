"""Model projects commands: add a project to the directory, change its entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Caller, field_values, publish, utcnow
from services.errors import Conflict, InvalidInput
from services.projects.access import require_project_editor
from services.projects.events import TOPIC, ProjectCreated, ProjectUpdated, project_topic
from services.projects.models import FEDERAL_STATES, KINDS, Project
from services.tags import index_of, normalise_tags

EDITABLE = ("name", "kind", "round", "federal_states", "topics", "description", "website")


def _check(values: dict[str, Any]) -> None:
    if "kind" in values and values["kind"] not in KINDS:
        raise InvalidInput("kind", f"one of {', '.join(KINDS)}")
    if "round" in values and not (isinstance(values["round"], int) and values["round"] >= 1):
        raise InvalidInput("round", "a round is a positive number")
    if "federal_states" in values:
        states = values["federal_states"]
        if not states:
            raise InvalidInput("federal_states", "name at least one federal state")
        unknown = [s for s in states if s not in FEDERAL_STATES]
        if unknown:
            raise InvalidInput("federal_states", f"not a German federal state: {', '.join(unknown)}")


def _refresh_filters(project: Project) -> None:
    project.state_index = index_of(project.federal_states)
    project.topic_index = index_of(project.topics)


def _data(project: Project) -> ProjectCreated:
    return ProjectCreated(
        project_id=project.id,
        name=project.name,
        kind=project.kind,
        round=project.round,
        federal_states=tuple(project.federal_states),
        topics=tuple(project.topics),
        description=project.description,
    )


def create_project(
    session: Session,
    *,
    caller: Caller,
    name: str,
    kind: str,
    round: int,  # noqa: A002  (the programme's own word)
    federal_states: list[str],
    description: dict[str, str],
    topics: list[str] | None = None,
    website: str | None = None,
) -> Project:
    """Add a project; `project.created` on `projects` and `project.<id>`."""
    require_project_editor(caller)
    values = {"kind": kind, "round": round, "federal_states": federal_states}
    _check(values)
    name = " ".join(name.split())
    if session.scalar(select(Project.id).where(Project.name == name, Project.round == round)) is not None:
        raise InvalidInput("name", f"round {round} already has a project named {name!r}")
    now = utcnow()
    project = Project(
        name=name,
        kind=kind,
        round=round,
        federal_states=sorted(set(federal_states)),
        topics=normalise_tags(topics or []),
        description={lang: text.strip() for lang, text in description.items()},
        website=website,
        created_at=now,
        updated_at=now,
    )
    _refresh_filters(project)
    session.add(project)
    session.flush()
    publish(session, _data(project), topic=TOPIC, extra_topics=[project_topic(project.id)], actor=caller)
    return project


def update_project(session: Session, project: Project, *, caller: Caller, changes: dict[str, Any]) -> Project:
    """Change a project's entry; `project.updated` names the changed fields (nothing if none changed)."""
    require_project_editor(caller)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "this field cannot be changed")
    _check(changes)
    if "topics" in changes:
        changes["topics"] = normalise_tags(changes["topics"])
    if "federal_states" in changes:
        changes["federal_states"] = sorted(set(changes["federal_states"]))
    if "name" in changes:
        changes["name"] = " ".join(changes["name"].split())
    changed = sorted(k for k, v in changes.items() if getattr(project, k) != v)
    if not changed:
        return project
    name, round_ = changes.get("name", project.name), changes.get("round", project.round)
    clash = session.scalar(
        select(Project.id).where(Project.name == name, Project.round == round_, Project.id != project.id)
    )
    if clash is not None:
        raise Conflict(f"round {round_} already has a project named {name!r}", details={"name": ["taken"]})
    for key in changed:
        setattr(project, key, changes[key])
    project.updated_at = utcnow()
    _refresh_filters(project)
    session.flush()
    publish(
        session,
        ProjectUpdated(**field_values(_data(project)), changed=tuple(changed)),
        topic=TOPIC,
        extra_topics=[project_topic(project.id)],
        actor=caller,
    )
    return project
