"""Model projects reads: the directory with its filters, one project."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.errors import NotFound
from services.projects.models import Project
from services.tags import has_tag


def search_projects(
    session: Session,
    *,
    limit: int,
    offset: int,
    ids: Select[Any] | None = None,
    round: int | None = None,  # noqa: A002
    state: str | None = None,
    topic: str | None = None,
    kind: str | None = None,
) -> tuple[list[Project], int]:
    """A page of projects matching every given filter, by round then name, and the total count.

    `ids` keeps to the projects whose ids it selects (a search's matches).
    """
    query = select(Project)
    if ids is not None:
        query = query.where(Project.id.in_(ids))
    if round is not None:
        query = query.where(Project.round == round)
    if state:
        query = query.where(Project.state_index.contains("|" + state + "|", autoescape=True))
    if topic:
        query = query.where(has_tag(Project.topic_index, topic))
    if kind:
        query = query.where(Project.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Project.round, Project.name, Project.id).limit(limit).offset(offset))
    return list(rows), total


def get_project(session: Session, project_id: int) -> Project:
    """One project, or NotFound."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


def project_exists(session: Session, project_id: int) -> bool:
    """True if the directory has project `project_id` (for services that refer to projects)."""
    return session.scalar(select(Project.id).where(Project.id == project_id)) is not None
