"""Event types the projects service publishes, and the project topics."""

from __future__ import annotations

from events import EventData, event_type
from events.topics import numeric_id, policy, public
from services.fields import LocalizedText

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


policy.topic(TOPIC, public)
policy.family("project", numeric_id(public))
