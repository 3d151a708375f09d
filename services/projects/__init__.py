"""Model projects: the directory of funded projects, each with its own feed `project.<id>`."""

from services.projects import events  # noqa: F401  (registers event types and topics)
from services.projects.commands import create_project, update_project
from services.projects.events import project_topic
from services.projects.models import FEDERAL_STATES, KINDS, Project
from services.projects.queries import get_project, project_exists, search_projects

__all__ = [
    "FEDERAL_STATES",
    "KINDS",
    "Project",
    "create_project",
    "get_project",
    "project_exists",
    "project_topic",
    "search_projects",
    "update_project",
]
