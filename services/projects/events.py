"""Event types the projects service publishes, and the project topics."""

from __future__ import annotations

from marshmallow import Schema, fields

from events.registry import registry
from events.topics import numeric_id, policy, public
from services.fields import localized_text

TOPIC = "projects"


def project_topic(project_id: int) -> str:
    """The feed of one project."""
    return f"project.{project_id}"


class ProjectData(Schema):
    """`project.created` / `project.updated`: the project as it is now."""

    project_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    round = fields.Integer(required=True, strict=True)
    federal_states = fields.List(fields.String(), required=True)
    topics = fields.List(fields.String(), required=True)
    description = localized_text(required=True)


class ProjectUpdatedData(ProjectData):
    """`project.updated`: the project as it is now and the names of the changed fields."""

    changed = fields.List(fields.String(), required=True)


registry.event_type("project.created", ProjectData, "a model project joined the directory")
registry.event_type("project.updated", ProjectUpdatedData, "a model project's entry changed")
policy.topic(TOPIC, public)
policy.family("project", numeric_id(public))
