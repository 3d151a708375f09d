"""Event types the projects service publishes, and the project topics."""

from __future__ import annotations

from events import EventData, event_type
from events.topics import Caller, numeric_id, policy, public
from services.database import reading
from services.fields import LocalizedText
from services.projects.queries import project_exists

TOPIC = "projects"
TOPICS = (TOPIC, "project.<id>")


def project_topic(project_id: int) -> str:
    """The feed of one project."""
    return f"project.{project_id}"


@event_type("project.created", topics=TOPICS)
class ProjectCreated(EventData):
    """A model project joined the directory: the project as it is now."""

    project_id: int
    name: str
    kind: str
    round: int
    federal_states: tuple[str, ...]
    topics: tuple[str, ...]
    description: LocalizedText


@event_type("project.updated", topics=TOPICS)
class ProjectUpdated(ProjectCreated):
    """A model project's entry changed: the project as it is now, and the names of the changed fields."""

    changed: tuple[str, ...]


def _project_topic_refusal(_caller: Caller, arg: str) -> str | None:
    # Public, but only for a project that exists: `project.999` names nothing.
    with reading() as session:
        return None if project_exists(session, int(arg)) else "unknown topic: no such project"


policy.topic(TOPIC, public)
policy.family("project", numeric_id(_project_topic_refusal))
